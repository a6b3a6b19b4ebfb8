import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { createKysely } from '../../src/storage/dialect.js';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import type { DatabaseSchema } from '../../src/storage/schema.js';
import { openStorage } from '../../src/storage/storage.js';
import { customerRecord } from '../helpers/customer-record.js';
import { createPostgresSchema, skipReason } from '../helpers/databases.js';
import { migrateTo } from '../helpers/migrate-to.js';

/** Far shorter than the lock below is held: a statement bound by it is cancelled meanwhile. */
const STATEMENT_TIMEOUT_MS = 300;
const LOCK_HELD_MS = 2500;
const options = { poolSize: 2, statementTimeoutMs: STATEMENT_TIMEOUT_MS, readCacheRows: 0 };
const BUSINESS = '0190a6f4-0000-7000-8000-00000000000a';

/** `work` on a connection pool of its own, closed after it, with a generous statement limit. */
async function onDatabase<T>(
  target: DatabaseTarget,
  work: (db: Kysely<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  const { db } = createKysely(target, { ...options, statementTimeoutMs: 10_000 });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Holds a lock on `customers` for LOCK_HELD_MS, as a long statement would. `row exclusive` makes
 * an index build wait, as building one on a large table takes time (migration 007: ~4.5 s for
 * 1M customers on the benchmark's VM, against the default statement limit of 5 s); `exclusive`
 * makes an insert wait. Resolves once the lock is taken, with the end of its transaction.
 */
async function holdCustomersLock(
  target: DatabaseTarget,
  mode: 'row exclusive' | 'exclusive',
): Promise<{ released: Promise<void> }> {
  let taken!: () => void;
  const lockTaken = new Promise<void>((resolve) => {
    taken = resolve;
  });
  const released = onDatabase(target, (db) =>
    db.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      await sql.raw(`lock table customers in ${mode} mode`).execute(connection);
      taken();
      await new Promise((resolve) => setTimeout(resolve, LOCK_HELD_MS));
      await sql`commit`.execute(connection);
    }),
  );
  await Promise.race([lockTaken, released]);
  return { released };
}

describe.skipIf(skipReason('TEST_DATABASE_URL'))('migrations on PostgreSQL', () => {
  let dispose = async () => {};
  afterEach(async () => {
    await dispose();
    dispose = async () => {};
  });

  it('run past the statement time limit of requests, which keep it', async () => {
    const schema = await createPostgresSchema();
    dispose = () => schema.drop();
    const target: DatabaseTarget = { engine: 'postgres', url: schema.url };
    await migrateTo(target, '2026-11-27-006-customer-count-shards');

    const storage = openStorage(target, options);
    try {
      const indexBuildWaits = await holdCustomersLock(target, 'row exclusive');
      const started = performance.now();
      await storage.migrate();
      // It waited for the lock, not cancelled after STATEMENT_TIMEOUT_MS.
      expect(performance.now() - started).toBeGreaterThan(STATEMENT_TIMEOUT_MS);
      await indexBuildWaits.released;
      const indexes = await onDatabase(target, (db) =>
        sql`select indexname from pg_indexes
          where schemaname = current_schema() and indexname = 'customers_live_country'`.execute(db),
      );
      expect(indexes.rows).toHaveLength(1);

      const insertWaits = await holdCustomersLock(target, 'exclusive');
      await expect(
        storage.transaction((repos) => repos.customers.insert(customerRecord(BUSINESS))),
      ).rejects.toBeInstanceOf(StorageUnavailableError);
      await insertWaits.released;
    } finally {
      await storage.close();
    }
  });
});
