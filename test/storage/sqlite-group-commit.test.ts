import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKysely, withSortsOnDisk } from '../../src/storage/dialect.js';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import type { CustomerRecord } from '../../src/storage/records.js';
import { KyselyStorage, openStorage, type Storage } from '../../src/storage/storage.js';
import type { DurableLog } from '../../src/storage/wal-file.js';
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

/** Resolves after `turns` turns of the event loop: time for anything not waiting to settle. */
async function turnsPass(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` has settled by now. */
function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  promise.then(settle, settle);
  return () => settled;
}

describe('SQLite group commit, the log fsynced off the event loop', () => {
  const OPTIONS = { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 10_000 };
  let dir: string;
  let path: string;
  let storage: Storage;
  let engine: Extract<ReturnType<typeof createKysely>, { engine: 'sqlite' }>;
  /** The real log's fsync, run only when the test lets it (`gate`), or failing (`failNext`). */
  let gate: Promise<void>;
  let openGate: () => void;
  let syncCalls: number;
  let failNext: Error | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-wal-'));
    path = join(dir, 'db.sqlite');
    const opened = createKysely({ engine: 'sqlite', path }, OPTIONS);
    if (opened.engine !== 'sqlite' || opened.log === undefined) {
      throw new Error('expected SQLite in WAL mode');
    }
    engine = opened;
    const realLog = opened.log;
    gate = Promise.resolve();
    syncCalls = 0;
    failNext = undefined;
    const gatedLog: DurableLog = {
      async sync() {
        syncCalls++;
        await gate;
        const failure = failNext;
        failNext = undefined;
        if (failure) throw failure;
        await realLog.sync();
      },
      close: () => realLog.close(),
    };
    storage = new KyselyStorage({ ...engine, log: gatedLog }, OPTIONS.readCacheRows);
    await storage.migrate();
  });
  afterEach(async () => {
    openGate?.();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function closeGate(): void {
    gate = new Promise((resolve) => {
      openGate = resolve;
    });
  }

  async function untilSyncCalls(count: number): Promise<void> {
    for (let turn = 0; syncCalls < count; turn++) {
      if (turn > 1000) throw new Error(`the log was synced ${syncCalls} times, not ${count}`);
      await turnsPass(1);
    }
  }

  it('answers a batch only after the fsync that follows its COMMIT, and shows it to no read before', async () => {
    const known = customer('known@example.com');
    await storage.transaction((repos) => repos.customers.insert(known));
    // Kept by the read cache: a kept row must not be answered past an unsynced batch either.
    expect((await storage.customers.findLive(BUSINESS, known.customerId))?.name).toBe('N');
    const baseline = syncCalls;

    closeGate();
    const added = customer('added@example.com');
    const writing = storage.transaction(async (repos) => {
      await repos.customers.insert(added);
      await repos.customers.update(BUSINESS, known.customerId, {
        name: 'Renamed',
        updatedAt: new Date().toISOString(),
      });
    });
    const written = settledFlag(writing);
    await untilSyncCalls(baseline + 1);

    // The COMMIT came before the fsync, so the fsync covers the batch: another connection
    // already reads it from the file.
    const other = new SQLite(path, { readonly: true });
    try {
      const count = other.prepare('select count(*) as n from customers where customer_id = ?');
      expect(count.get(added.customerId)).toEqual({ n: 1 });
    } finally {
      other.close();
    }
    // Until the fsync is done, the caller has no answer and the server's own reads wait.
    const readingAdded = storage.customers.findLive(BUSINESS, added.customerId);
    const readingKnown = storage.customers.findLive(BUSINESS, known.customerId);
    const readAdded = settledFlag(readingAdded);
    const readKnown = settledFlag(readingKnown);
    await turnsPass();
    expect(written()).toBe(false);
    expect(readAdded()).toBe(false);
    expect(readKnown()).toBe(false);

    openGate();
    await writing;
    expect((await readingAdded)?.email).toBe('added@example.com');
    expect((await readingKnown)?.name).toBe('Renamed');
  });

  it('answers a read made on the read thread only once the batch it saw is fsynced', async () => {
    await storage.transaction((repos) => repos.customers.insert(customer('first@example.com')));
    // A filtered count visits many rows: it is read on the thread's connection.
    expect(await storage.customers.count(BUSINESS, { country: 'USA' })).toBe(1);
    const baseline = syncCalls;

    closeGate();
    const writing = storage.transaction((repos) =>
      repos.customers.insert(customer('second@example.com')),
    );
    await untilSyncCalls(baseline + 1);
    const counting = storage.customers.count(BUSINESS, { country: 'USA' });
    const counted = settledFlag(counting);
    // Time for the thread to answer: it reads the committed batch, but must not tell yet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(counted()).toBe(false);

    openGate();
    await writing;
    expect(await counting).toBe(2);
  });

  it('leaves the connection at synchronous=FULL for every write outside the batches', async () => {
    await storage.transaction((repos) => repos.customers.insert(customer('full@example.com')));
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(engine.db);
    expect(rows).toEqual([{ synchronous: 2 }]);
  });

  it("keeps temporary storage, where a batch's savepoints keep their pages, in memory", async () => {
    const tempStore = async (db = engine.db) => (await sql`pragma temp_store`.execute(db)).rows;
    const opened = createKysely({ engine: 'sqlite', path }, OPTIONS);
    expect(await tempStore(opened.db)).toEqual([{ temp_store: 2 }]);
    await opened.db.destroy();
    // Migrated (beforeEach), and after a batch.
    expect(await tempStore()).toEqual([{ temp_store: 2 }]);
    await storage.transaction((repos) => repos.customers.insert(customer('memory@example.com')));
    expect(await tempStore()).toEqual([{ temp_store: 2 }]);

    // Files only while sorting for the migrations, even when they fail.
    expect(await withSortsOnDisk(engine.db, tempStore)).toEqual([{ temp_store: 1 }]);
    const failing = withSortsOnDisk(engine.db, () => Promise.reject(new Error('migration failed')));
    await expect(failing).rejects.toThrow('migration failed');
    expect(await tempStore()).toEqual([{ temp_store: 2 }]);
  });

  it('after a failed fsync refuses every write until restarted; reads go on', async () => {
    const kept = customer('kept@example.com');
    await storage.transaction((repos) => repos.customers.insert(kept));

    const fsyncError = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    failNext = fsyncError;
    const failed = storage.transaction((repos) =>
      repos.customers.insert(customer('unsure@example.com')),
    );
    await expect(failed).rejects.toBeInstanceOf(StorageUnavailableError);
    // What the server logs with each refused request says why, and what to do.
    await expect(failed).rejects.toMatchObject({
      cause: { message: expect.stringContaining('until restart'), cause: fsyncError },
    });

    let laterWorkRan = false;
    await expect(
      storage.transaction(async (repos) => {
        laterWorkRan = true;
        await repos.customers.insert(customer('later@example.com'));
      }),
    ).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(laterWorkRan).toBe(false);
    await expect(storage.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    expect((await storage.customers.findLive(BUSINESS, kept.customerId))?.email).toBe(
      'kept@example.com',
    );
  });
});
