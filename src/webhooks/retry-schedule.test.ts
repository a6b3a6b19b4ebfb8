import { describe, expect, it } from 'vitest';
import { nextRetryAt, RETRY_WINDOW_MS, retryDelayMs } from './retry-schedule.js';

const S = 1000;

describe('retry schedule', () => {
  it('doubles from 10 s, capped at 12 h', () => {
    const midpoint = () => 0.5;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, midpoint))).toEqual([
      10 * S,
      20 * S,
      40 * S,
      80 * S,
    ]);
    expect(retryDelayMs(30, midpoint)).toBe(12 * 3600 * S);
  });

  it('jitters each delay within ±25 %', () => {
    expect(retryDelayMs(3, () => 0)).toBe(30 * S);
    expect(retryDelayMs(3, () => 0.999_999)).toBeCloseTo(50 * S, -1);
  });

  it('stops scheduling 3 days after the delivery was created: 18 attempts at the midpoint', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    let now = created;
    let attempts = 1;
    for (;;) {
      const next = nextRetryAt(created, now, attempts, () => 0.5);
      if (next === null) break;
      expect(next.getTime() - created.getTime()).toBeLessThanOrEqual(RETRY_WINDOW_MS);
      now = next;
      attempts += 1;
    }
    expect(attempts).toBe(18);
  });
});
