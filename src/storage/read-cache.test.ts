import { describe, expect, it } from 'vitest';
import { NOT_KEPT, ReadCache } from './read-cache.js';

const at = (otherCommits: number, ownChanges: number) => ({ otherCommits, ownChanges });

describe('ReadCache', () => {
  it('gives a row back while the database keeps the mark it was read at', () => {
    const cache = new ReadCache(10);
    const row = { jti: 'j1' };
    cache.set('k', at(1, 1), row);
    expect(cache.get('k', at(1, 1))).toBe(row);
    expect(cache.get('other', at(1, 1))).toBe(NOT_KEPT);
  });

  it('keeps "no row" as an answer of its own', () => {
    const cache = new ReadCache(10);
    cache.set('k', at(1, 1), undefined);
    expect(cache.get('k', at(1, 1))).toBeUndefined();
  });

  it('forgets every row once another connection committed or this one changed a row', () => {
    const cache = new ReadCache(10);
    cache.set('a', at(1, 1), 'A');
    cache.set('b', at(1, 1), 'B');
    expect(cache.get('a', at(2, 1))).toBe(NOT_KEPT);
    expect(cache.get('b', at(2, 1))).toBe(NOT_KEPT);
    cache.set('a', at(2, 1), 'A2');
    expect(cache.get('a', at(2, 2))).toBe(NOT_KEPT);
    // Forgotten for good: back at an earlier mark, nothing comes back either.
    expect(cache.get('b', at(1, 1))).toBe(NOT_KEPT);
  });

  it('holds at most its number of rows, dropping the oldest first', () => {
    const cache = new ReadCache(2);
    cache.set('a', at(1, 1), 'A');
    cache.set('b', at(1, 1), 'B');
    cache.set('c', at(1, 1), 'C');
    expect(cache.get('a', at(1, 1))).toBe(NOT_KEPT);
    expect(cache.get('b', at(1, 1))).toBe('B');
    expect(cache.get('c', at(1, 1))).toBe('C');
  });

  it('keeps nothing with room for no rows', () => {
    const cache = new ReadCache(0);
    expect(cache.enabled).toBe(false);
    cache.set('a', at(1, 1), 'A');
    expect(cache.get('a', at(1, 1))).toBe(NOT_KEPT);
  });
});
