import { describe, expect, it } from 'vitest';
import { writeAtTurnEnd } from './turn-writes.js';

const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

describe('writeAtTurnEnd', () => {
  it('writes nothing while the turn runs, then everything queued in it, in order', async () => {
    const written: string[] = [];
    writeAtTurnEnd(() => written.push('first'));
    await Promise.resolve(); // an answer computed in a microtask of the same turn
    writeAtTurnEnd(() => written.push('second'));
    expect(written).toEqual([]);

    await turnEnd();
    expect(written).toEqual(['first', 'second']);
  });

  it('writes what is queued while writing at the end of the next turn', async () => {
    const written: string[] = [];
    writeAtTurnEnd(() => {
      written.push('first');
      writeAtTurnEnd(() => written.push('queued while writing'));
    });

    await turnEnd();
    expect(written).toEqual(['first']);
    await turnEnd();
    expect(written).toEqual(['first', 'queued while writing']);
  });
});
