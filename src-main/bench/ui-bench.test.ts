import { describe, expect, it } from 'vitest';
import { interactionToNextPaint, latencies, ordinal } from './ui-bench';

describe('the ui bench\'s latency measures', () => {
  it('takes each input\'s latency from its interaction\'s longest Event Timing entry, else its next frame', () => {
    const inputs = [
      { type: 'pointerdown', target: 'timeline-canvas', at: 100, frame: 9 },
      { type: 'keydown', target: 'console-filter', at: 300, frame: 30 },
      { type: 'keydown', target: 'console-filter', at: 500, frame: 12 },
    ];
    const timings = [
      { name: 'pointerdown', start: 100.2, duration: 24, interaction: 7 },
      { name: 'click', start: 180, duration: 56, interaction: 7 },
      { name: 'keydown', start: 300, duration: 40, interaction: 9 },
    ];
    expect(latencies(inputs, timings)).toEqual([56, 40, 12]);
  });

  it('INP ignores one interaction in every 50, as web-vitals count it', () => {
    expect(interactionToNextPaint([])).toBeNaN();
    expect(interactionToNextPaint([30, 120, 40])).toBe(120);
    const many = Array.from({ length: 220 }, (_, i) => (i < 4 ? 150 + i : 40 + (i % 30)));
    // 220 interactions: the 4 longest are ignored, the 5th longest counts.
    expect(interactionToNextPaint(many)).toBe(69);
    expect(interactionToNextPaint([...many, 99])).toBe(99);
    expect([1, 2, 3, 4, 5, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '5th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
  });
});
