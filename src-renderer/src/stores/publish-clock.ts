/**
 * One clock for the views that follow the event stream (the consoles, the timeline, the status
 * bar, the hardware panel): their stores publish on the same animation frame, so a burst of events
 * costs the window one render per tick, not one per store. Ticks are at least MIN_INTERVAL_MS apart
 * (a log scrolling at 25 frames a second reads as smoothly as at 60), and further apart when a
 * tick's frame costs more: each tick's render may take at most RENDER_SHARE of the time, measured
 * on the main thread (handlers, Vue, style, layout, paint) and to the next animation frame (the
 * compositor's raster and display of the frame hold the next one back); on a busy machine the
 * render takes longer in wall time, and the ticks slow down with it. Between ticks the frames
 * belong to input and everything else. A key press, click or wheel turn starts a quiet period that
 * lasts until the frame showing its effect is out (INPUT_QUIET_MS to INPUT_QUIET_MAX_MS): the
 * console store's ingest and search slices (afterQuiet) and the event worker (onQuietChange) wait
 * for it, so the input's frame does not wait for a CPU the stream holds. The next tick waits only
 * for the input's frame (the frame after the next has begun), then comes at once, whatever the
 * pacing. An input that changed nothing in the page by its first frame (a click on plain text)
 * has no frame of its own to wait for: its next paint is the tick's, which comes in the next frame.
 */

/** The shortest time between two ticks, ms. */
export const MIN_INTERVAL_MS = 40;
/** The longest: the views never lag the stream by more than this, ms. */
export const MAX_INTERVAL_MS = 250;
/** The share of the main thread's time the stream's renders may take. */
export const RENDER_SHARE = 0.2;

/** How long an input holds the next tick back at least, ms. */
export const INPUT_QUIET_MS = 50;
/** And at most, however long its frame takes. */
export const INPUT_QUIET_MAX_MS = 200;
/** The events that count as input. */
export const INPUT_TYPES = ['keydown', 'pointerdown', 'wheel'] as const;

/** An animation frame at 60 Hz, ms: what the gap to the next frame takes when nothing holds it back. */
const FRAME_MS = 1000 / 60;

/** The time to the next tick after one whose frame took `costMs` (rAF callbacks, Vue, style, layout, paint, display). */
export function nextInterval(costMs: number): number {
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, costMs / RENDER_SHARE));
}

/** Runs `callback` before the next paint (or soon, where there is no animation frame). */
function nextFrame(callback: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback());
  else setTimeout(callback, 16);
}

/** Runs `callback` in the first task after the current one (after this frame's rendering, when called in a frame). */
const afterFrame: (callback: () => void) => void = (() => {
  if (typeof MessageChannel !== 'function') return (callback) => setTimeout(callback, 0);
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return (callback) => {
    waiting.push(callback);
    channel.port2.postMessage(0);
  };
})();

const due = new Set<() => void>();
let scheduled = false;
/** When the next tick may come (performance.now() time). */
let notBefore = -Infinity;
let lastTick = -Infinity;
/** Until when the latest input holds the stream back (ingest and search slices, the event worker). */
let quietUntil = -Infinity;
/** Until when the latest input holds the next tick back: until its frame is out. */
let tickQuietUntil = -Infinity;
/** An input came since the last tick: the next tick comes once the input's frame is out, however the ticks are paced. */
let inputSinceTick = false;
/** Ticks waiting for their time: they look again when an input's frame is out. */
const tickWaiters = new Set<() => void>();
/** Sees whether the latest input changed the page (its DOM) before its first frame. */
let pageWatcher: MutationObserver | undefined;

/** Starts noting the page's changes (where there is a page). */
function watchPage(): void {
  if (typeof MutationObserver !== 'function' || typeof document === 'undefined') return;
  pageWatcher ??= new MutationObserver(() => undefined);
  pageWatcher.takeRecords();
  pageWatcher.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
}

/** Whether the page changed since watchPage (true where there is no page to watch); stops watching. */
function pageChanged(): boolean {
  if (!pageWatcher) return true;
  const changed = pageWatcher.takeRecords().length > 0;
  pageWatcher.disconnect();
  return changed;
}

/** The input's frame is out (or it has none): a waiting tick may come. */
function releaseTick(): void {
  tickQuietUntil = performance.now();
  for (const waiter of [...tickWaiters]) waiter();
}
let quietTimer: ReturnType<typeof setTimeout> | undefined;
/** Callbacks waiting for the quiet period to end. */
const quietWaiters: Array<() => void> = [];
const quietListeners = new Set<(remainingMs: number) => void>();
let inputSerial = 0;

/** Sets when the quiet period ends and tells the listeners. */
function setQuietUntil(until: number): void {
  quietUntil = until;
  const remaining = quietRemaining();
  for (const listener of quietListeners) listener(remaining);
  armQuiet();
}

/** Runs the waiters once the quiet period has ended (as a task of their own), checking again at its end. */
function armQuiet(): void {
  if (quietTimer !== undefined) clearTimeout(quietTimer);
  quietTimer = undefined;
  const remaining = quietRemaining();
  if (remaining > 0) quietTimer = setTimeout(armQuiet, remaining);
  else if (quietWaiters.length > 0)
    afterFrame(() => {
      if (quietRemaining() > 0) return;
      for (const waiter of quietWaiters.splice(0)) waiter();
    });
}

/**
 * An input came (a key, a click, the wheel): the stream holds back until the frame that shows the
 * input's effect is out (the frame after the next has begun), at least INPUT_QUIET_MS and at most
 * INPUT_QUIET_MAX_MS. On a busy machine that frame takes longer, and the quiet lasts with it.
 */
export function inputArrived(): void {
  const at = performance.now();
  const serial = ++inputSerial;
  inputSinceTick = true;
  tickQuietUntil = at + INPUT_QUIET_MAX_MS;
  setQuietUntil(at + INPUT_QUIET_MAX_MS);
  watchPage();
  nextFrame(() => {
    // The handlers have run (and Vue has patched the DOM): an input that changed nothing has no frame to wait for.
    if (serial === inputSerial && !pageChanged()) releaseTick();
    nextFrame(() => {
      if (serial !== inputSerial) return;
      setQuietUntil(Math.max(at + INPUT_QUIET_MS, performance.now()));
      releaseTick();
    });
  });
}

if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
  for (const type of INPUT_TYPES) window.addEventListener(type, inputArrived, { capture: true, passive: true });
}

/**
 * How long the latest input's quiet period still lasts, ms (0: none). The window's background work
 * (ingest and search slices) waits for it too, so the input's own frame comes first.
 */
export function quietRemaining(): number {
  return Math.max(0, quietUntil - performance.now());
}

/** Runs `callback` once the quiet period is over (soon, in a task of its own, if there is none). */
export function afterQuiet(callback: () => void): void {
  quietWaiters.push(callback);
  armQuiet();
}

/** Follows the quiet period: called with the time it still lasts whenever that changes (0: over). Returns an unsubscribe function. */
export function onQuietChange(listener: (remainingMs: number) => void): () => void {
  quietListeners.add(listener);
  return () => quietListeners.delete(listener);
}

/** How long the next tick should still wait, ms (0: now). */
function holdBack(now: number): number {
  if (inputSinceTick) return Math.min(tickQuietUntil, lastTick + MAX_INTERVAL_MS) - now;
  return notBefore - now;
}

/** Runs `publish` on the next tick of the clock (once, however often it is asked for before then). */
export function publishOnTick(publish: () => void): void {
  due.add(publish);
  if (scheduled) return;
  scheduled = true;
  const go = (): void =>
    nextFrame(() => {
      const began = performance.now();
      const wait = holdBack(began);
      if (wait > 0) {
        waitThenGo(wait);
        return;
      }
      lastTick = began;
      inputSinceTick = false;
      notBefore = began + MIN_INTERVAL_MS;
      const callbacks = [...due];
      due.clear();
      for (const callback of callbacks) callback();
      let mainThread = 0;
      const done = (cost: number): void => {
        notBefore = began + nextInterval(cost);
        scheduled = false;
        // Asked for again while this tick rendered: the next tick, at the pace this one set.
        if (due.size > 0) {
          const again = [...due];
          due.clear();
          for (const callback of again) publishOnTick(callback);
        }
      };
      afterFrame(() => {
        mainThread = performance.now() - began;
        if (typeof requestAnimationFrame !== 'function') done(mainThread);
      });
      if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => done(Math.max(mainThread, performance.now() - began - FRAME_MS)));
    });
  /** Tries again after `wait`, or when an input's frame is out if that is sooner (holdBack is asked again then). */
  const waitThenGo = (wait: number): void => {
    // Whichever comes first takes the other away: the timer is cleared, the waiter removed.
    const once = (): void => {
      clearTimeout(timer);
      tickWaiters.delete(once);
      go();
    };
    const timer = setTimeout(once, wait);
    tickWaiters.add(once);
  };
  const wait = holdBack(performance.now());
  if (wait > 0) waitThenGo(wait);
  else go();
}
