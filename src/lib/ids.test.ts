import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('makes RFC 9562 version-7 ids that sort by creation, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      uuidv7(1_800_000_000_000 + Math.floor(i / 1000)),
    );
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('encodes the millisecond timestamp in its first 48 bits', () => {
    const at = Date.UTC(2030, 0, 1);
    const id = uuidv7(at);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(at);
  });
});
