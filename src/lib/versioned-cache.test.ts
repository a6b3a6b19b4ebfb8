import { describe, expect, it } from 'vitest';
import { VersionedCache } from './versioned-cache.js';

describe('VersionedCache', () => {
  it('gives a value back only for the version it was kept at', () => {
    const cache = new VersionedCache<Buffer>(1000, (value) => value.length);
    cache.set('k', 3, Buffer.from('page at 3'));
    expect(cache.get('k', 3)).toEqual(Buffer.from('page at 3'));
    expect(cache.get('k', 4)).toBeUndefined();
    // Once a newer version was asked for, the old value is gone.
    expect(cache.get('k', 3)).toBeUndefined();
    expect(cache.get('other', 3)).toBeUndefined();
  });

  it('never replaces a newer value with one computed at an older version', () => {
    const cache = new VersionedCache<Buffer>(1000, (value) => value.length);
    cache.set('k', 5, Buffer.from('new'));
    cache.set('k', 4, Buffer.from('late and old'));
    expect(cache.get('k', 5)).toEqual(Buffer.from('new'));
    cache.set('k', 6, Buffer.from('newer'));
    expect(cache.get('k', 6)).toEqual(Buffer.from('newer'));
  });

  it('holds at most its size in bytes, letting the oldest go first', () => {
    // Each entry holds 10 bytes (key and value).
    const cache = new VersionedCache<Buffer>(25, (value) => value.length);
    cache.set('a', 1, Buffer.from('x'.repeat(9)));
    cache.set('b', 1, Buffer.from('y'.repeat(9)));
    cache.set('c', 1, Buffer.from('z'.repeat(9)));
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toEqual(Buffer.from('y'.repeat(9)));
    expect(cache.get('c', 1)).toEqual(Buffer.from('z'.repeat(9)));
    cache.set('too big', 1, Buffer.from('w'.repeat(20)));
    expect(cache.get('too big', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toEqual(Buffer.from('z'.repeat(9)));
  });

  it('keeps nothing with a size of 0', () => {
    const cache = new VersionedCache<Buffer>(0, (value) => value.length);
    cache.set('k', 1, Buffer.from('v'));
    expect(cache.get('k', 1)).toBeUndefined();
  });
});
