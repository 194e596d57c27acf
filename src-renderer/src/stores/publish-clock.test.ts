import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterQuiet, INPUT_QUIET_MAX_MS, INPUT_QUIET_MS, inputArrived, MAX_INTERVAL_MS, MIN_INTERVAL_MS, nextInterval, onQuietChange, publishOnTick, quietRemaining } from './publish-clock';

describe('the publish clock', () => {
  it('spaces ticks so that their renders take at most a fifth of the main thread, within 40 … 250 ms', () => {
    expect(nextInterval(2)).toBe(MIN_INTERVAL_MS);
    expect(nextInterval(12)).toBe(60);
    expect(nextInterval(30)).toBe(150);
    expect(nextInterval(500)).toBe(MAX_INTERVAL_MS);
  });

  it('runs every store asking before a tick once, on the same tick; asks during a tick go to the next', async () => {
    const ran: string[] = [];
    const a = (): void => void ran.push('a');
    const b = (): void => {
      ran.push('b');
      // A store asking again while the tick runs (a search slice publishing its progress).
      if (ran.length < 4) publishOnTick(b);
    };
    publishOnTick(a);
    publishOnTick(b);
    publishOnTick(a);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ran).toEqual(['a', 'b']);
    const started = performance.now();
    while (ran.length < 3 && performance.now() - started < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toEqual(['a', 'b', 'b']);
    // Not before the shortest interval after the first tick.
    expect(performance.now() - started).toBeGreaterThanOrEqual(MIN_INTERVAL_MS - 30 - 2);
  });

  it('holds the next tick back after an input until the input\'s frame is out, then ticks at once, whatever the pacing', async () => {
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(MAX_INTERVAL_MS);
    // A costly tick (60 ms of main thread): the pacing puts the next one MAX_INTERVAL_MS after it.
    let first = 0;
    publishOnTick(() => {
      first = performance.now();
      while (performance.now() < first + 60);
    });
    while (first === 0) await sleep(2);
    await sleep(20);
    let ran = 0;
    publishOnTick(() => (ran = performance.now()));
    inputArrived();
    const asked = performance.now();
    await sleep(10);
    // The input's frame first: it carries nothing of the stream.
    expect(ran).toBe(0);
    while (ran === 0 && performance.now() - asked < 1000) await sleep(2);
    // Two frames on (16 ms each where there are no animation frames, as here)…
    expect(ran - asked).toBeGreaterThanOrEqual(2 * 16 - 2);
    // …and not when the pacing would have had it: an input that changes nothing on screen has its next paint now.
    expect(ran - first).toBeLessThan(MAX_INTERVAL_MS - 20);
  });

  it('keeps the quiet period until the input\'s frame is out (two frames on), at least INPUT_QUIET_MS, and tells its listeners', async () => {
    await new Promise((resolve) => setTimeout(resolve, INPUT_QUIET_MAX_MS));
    const told: number[] = [];
    const stop = onQuietChange((ms) => told.push(ms));
    inputArrived();
    const asked = performance.now();
    // Until the input's frame is out, the listeners hear the longest quiet.
    expect(told).toHaveLength(1);
    expect(told[0]).toBeCloseTo(INPUT_QUIET_MAX_MS, 0);
    expect(quietRemaining()).toBeGreaterThan(INPUT_QUIET_MS);
    let ended = 0;
    afterQuiet(() => (ended = performance.now()));
    while (ended === 0 && performance.now() - asked < 1000) await new Promise((resolve) => setTimeout(resolve, 2));
    stop();
    // Without animation frames (this test's environment) a frame is 16 ms: the floor of INPUT_QUIET_MS decides.
    expect(ended - asked).toBeGreaterThanOrEqual(INPUT_QUIET_MS - 2);
    expect(ended - asked).toBeLessThan(INPUT_QUIET_MAX_MS);
    expect(told.length).toBeGreaterThanOrEqual(2);
    expect(told[1]).toBeLessThanOrEqual(INPUT_QUIET_MS);
    expect(quietRemaining()).toBe(0);
  });

  describe('with animation frames and a page', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    /** Frames by hand: each pump runs the animation frame callbacks asked for before it. */
    function stubPage(): { pump: () => void; change: () => void } {
      let frames: Array<() => void> = [];
      const records: unknown[] = [];
      vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
      vi.stubGlobal('document', { documentElement: {} });
      vi.stubGlobal(
        'MutationObserver',
        class {
          observe(): void {}
          disconnect(): void {}
          takeRecords(): unknown[] {
            return records.splice(0);
          }
        },
      );
      return {
        pump: () => {
          const now = frames;
          frames = [];
          for (const callback of now) callback();
        },
        change: () => void records.push({ type: 'childList' }),
      };
    }

    /** The frame (pump) at which a tick asked for just before an input runs, the input changing the page or not. */
    async function tickFrameAfterInput(changesPage: boolean): Promise<number> {
      const page = stubPage();
      await new Promise((resolve) => setTimeout(resolve, MAX_INTERVAL_MS));
      // A tick, so that the next is paced (at least MIN_INTERVAL_MS later).
      let ticked = false;
      publishOnTick(() => (ticked = true));
      for (let i = 0; i < 4 && !ticked; i++) page.pump();
      page.pump();
      expect(ticked).toBe(true);
      let ran = false;
      publishOnTick(() => (ran = true));
      inputArrived();
      if (changesPage) page.change();
      let at = Number.POSITIVE_INFINITY;
      for (let frame = 1; frame <= 4 && !ran; frame++) {
        page.pump();
        if (ran) at = frame;
      }
      // The tick's end (the frame after it), so that the next test starts with none under way.
      page.pump();
      await new Promise((resolve) => setTimeout(resolve, 10));
      return at;
    }

    it('an input that changed the page has its own frame first; the tick comes in the frame after the next', async () => {
      expect(await tickFrameAfterInput(true)).toBe(3);
    });

    it('an input that changed nothing has no frame of its own: the tick comes in the next frame', async () => {
      expect(await tickFrameAfterInput(false)).toBe(2);
    });
  });
});
