import { describe, expect, it } from 'vitest';
import { VersionedCache } from './versioned-cache.js';

describe('VersionedCache', () => {
  it('gives a value back only for the version it was kept at', () => {
    const cache = new VersionedCache(1000);
    cache.set('k', 3, 'page at 3');
    expect(cache.get('k', 3)).toBe('page at 3');
    expect(cache.get('k', 4)).toBeUndefined();
    // Once a newer version was asked for, the old value is gone.
    expect(cache.get('k', 3)).toBeUndefined();
    expect(cache.get('other', 3)).toBeUndefined();
  });

  it('never replaces a newer value with one computed at an older version', () => {
    const cache = new VersionedCache(1000);
    cache.set('k', 5, 'new');
    cache.set('k', 4, 'late and old');
    expect(cache.get('k', 5)).toBe('new');
    cache.set('k', 6, 'newer');
    expect(cache.get('k', 6)).toBe('newer');
  });

  it('holds at most its size in characters, letting the oldest go first', () => {
    // Each entry holds 10 characters (key and value).
    const cache = new VersionedCache(25);
    cache.set('a', 1, 'x'.repeat(9));
    cache.set('b', 1, 'y'.repeat(9));
    cache.set('c', 1, 'z'.repeat(9));
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe('y'.repeat(9));
    expect(cache.get('c', 1)).toBe('z'.repeat(9));
    cache.set('too big', 1, 'w'.repeat(20));
    expect(cache.get('too big', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toBe('z'.repeat(9));
  });

  it('keeps nothing with a size of 0', () => {
    const cache = new VersionedCache(0);
    cache.set('k', 1, 'v');
    expect(cache.get('k', 1)).toBeUndefined();
  });
});
