export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}

/** A tiny typed event emitter: `event(listener)` subscribes, `fire(value)` notifies in order. */
export class Emitter<T> {
  private listeners: Array<(value: T) => void> = [];

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.push(listener);
    return toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };

  fire(value: T): void {
    for (const listener of this.listeners.slice()) listener(value);
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  clear(): void {
    this.listeners = [];
  }
}
