import { describe, expect, it } from 'vitest';
import { randomBlock } from './random-pool.js';

describe('randomBlock', () => {
  it('hands out blocks of the size asked for, each different, across many refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i += 1) {
      const block = randomBlock(12);
      expect(block).toHaveLength(12);
      seen.add(block.toString('hex'));
    }
    expect(seen.size).toBe(5000);
  });

  it('gives each block a buffer of its own, which a later refill of the pool does not change', () => {
    const first = randomBlock(16);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1000; i += 1) randomBlock(16);
    expect(first.equals(copy)).toBe(true);
  });
});
