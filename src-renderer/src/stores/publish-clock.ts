/**
 * One clock for the views that follow the event stream (the consoles, the timeline, the status
 * bar, the hardware panel): their stores publish on the same animation frame, at most every
 * PUBLISH_INTERVAL_MS, so that a burst of events costs the window one render per tick, not one per
 * store. Between ticks the frames belong to input and everything else.
 */

/** The shortest time between two publishes while events stream, ms (a log scrolling at 25 frames a second reads as smoothly as at 60). */
export const PUBLISH_INTERVAL_MS = 40;

/** Runs `callback` before the next paint (or soon, where there is no animation frame). */
function nextFrame(callback: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback());
  else setTimeout(callback, 16);
}

const due = new Set<() => void>();
let scheduled = false;
let lastPublish = -Infinity;

/** Runs `publish` on the next tick of the clock (once, however often it is asked for before then). */
export function publishOnTick(publish: () => void): void {
  due.add(publish);
  if (scheduled) return;
  scheduled = true;
  const wait = lastPublish + PUBLISH_INTERVAL_MS - performance.now();
  const go = (): void =>
    nextFrame(() => {
      scheduled = false;
      lastPublish = performance.now();
      const callbacks = [...due];
      due.clear();
      for (const callback of callbacks) callback();
    });
  if (wait > 0) setTimeout(go, wait);
  else go();
}
