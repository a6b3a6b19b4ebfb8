import { describe, expect, it } from 'vitest';
import { toTimestamp } from './timestamps.js';

describe('toTimestamp', () => {
  it('formats each instant with microseconds, the same instant alike however often asked', () => {
    const instants = [
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.001Z',
      '2025-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.001Z',
    ];
    expect(instants.map((text) => toTimestamp(new Date(text)))).toEqual([
      '2026-01-01T00:00:00.000000Z',
      '2026-01-01T00:00:00.000000Z',
      '2026-01-01T00:00:00.001000Z',
      '2025-12-31T23:59:59.999000Z',
      '2026-01-01T00:00:00.001000Z',
    ]);
  });

  it('refuses an invalid date, also right after a valid one', () => {
    expect(toTimestamp(new Date('2026-03-04T05:06:07.089Z'))).toBe('2026-03-04T05:06:07.089000Z');
    expect(() => toTimestamp(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => toTimestamp(new Date(Number.NaN))).toThrow(RangeError);
    expect(toTimestamp(new Date('2026-03-04T05:06:07.089Z'))).toBe('2026-03-04T05:06:07.089000Z');
  });
});
