/**
 * Measures how long the calling thread's event loop was blocked: a timer ticks every `periodMs`,
 * and the longest gap between two ticks is what a user of that thread (the engine serving the
 * window) would have waited. `stop()` ends the probe and returns that gap, ms.
 */
export function watchEventLoop(periodMs = 5): { stop(): number } {
  let worstGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, periodMs);
  return {
    stop() {
      clearInterval(ticker);
      return worstGap;
    },
  };
}
