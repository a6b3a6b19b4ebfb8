import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerRecord } from '../../src/storage/records.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import { customerRecord } from '../helpers/customer-record.js';

const BUSINESS = '0190a6f4-0000-7000-8000-00000000000a';

function customer(email: string): CustomerRecord {
  return customerRecord(BUSINESS, { name: 'N', email });
}

describe('SQLite group commit', () => {
  let dir: string;
  let storage: Storage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-group-'));
    storage = openStorage(
      { engine: 'sqlite', path: join(dir, 'db.sqlite') },
      { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 10_000 },
    );
    await storage.migrate();
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits concurrent transactions together; a failing one rolls back alone', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        storage.transaction(async (repos) => {
          await repos.customers.insert(customer(`c${i}@example.com`));
          if (i % 10 === 3) throw new Error(`unit ${i} fails after its insert`);
          return i;
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(10);
    expect(
      results
        .filter((r) => r.status === 'fulfilled')
        .map((r) => (r as PromiseFulfilledResult<number>).value),
    ).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 10 !== 3));
    expect(await storage.customers.count(BUSINESS, {})).toBe(90);
    expect(await storage.customers.count(BUSINESS, { email: 'c3@' })).toBe(0);
  });

  it('answers only after the commit is in the database file, readable by another connection', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        storage.transaction((repos) => repos.customers.insert(customer(`d${i}@example.com`))),
      ),
    );
    const reader = new SQLite(join(dir, 'db.sqlite'), { readonly: true });
    try {
      expect(reader.prepare('select count(*) as n from customers').get()).toEqual({ n: 20 });
    } finally {
      reader.close();
    }
  });

  it('commits one batch a turn: a transaction queued while a batch runs waits for the next', async () => {
    // Under load, transactions queue while a batch commits: the webhook dispatcher's next
    // fan-out, started as soon as the last one is answered, joined the same turn's next batch,
    // and a chain of them held the event loop while the requests already read waited. Here the
    // first transaction queues the second, and work queued on the event loop meanwhile (a
    // setImmediate, as a request read from a socket) runs between the two.
    const order: string[] = [];
    let second: Promise<void> | undefined;
    await storage.transaction(async (repos) => {
      setImmediate(() => order.push('other work'));
      second = storage.transaction(async (inner) => {
        await inner.customers.insert(customer('second@example.com'));
        order.push('second transaction');
      });
      await repos.customers.insert(customer('first@example.com'));
      order.push('first transaction');
    });
    await second;
    expect(order).toEqual(['first transaction', 'other work', 'second transaction']);
    expect(await storage.customers.count(BUSINESS, {})).toBe(2);
  });

  it('a unique violation inside a batch fails only the duplicate', async () => {
    const results = await Promise.allSettled([
      storage.transaction((repos) => repos.customers.insert(customer('same@example.com'))),
      storage.transaction((repos) => repos.customers.insert(customer('SAME@example.com'))),
      storage.transaction((repos) => repos.customers.insert(customer('other@example.com'))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await storage.customers.count(BUSINESS, {})).toBe(2);
  });
});
