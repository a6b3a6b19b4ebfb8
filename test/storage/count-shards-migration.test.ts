import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { createKysely } from '../../src/storage/dialect.js';
import { openStorage } from '../../src/storage/storage.js';
import { customerRecord } from '../helpers/customer-record.js';
import { createPostgresSchema, skipReason } from '../helpers/databases.js';
import { migrateTo } from '../helpers/migrate-to.js';

const options = { poolSize: 2, statementTimeoutMs: 5000, readCacheRows: 10_000 };
const BUSINESS_A = '0190a6f4-0000-7000-8000-00000000000a';
const BUSINESS_B = '0190a6f4-0000-7000-8000-00000000000b';

async function countsAt005(target: DatabaseTarget): Promise<unknown[]> {
  const { db } = createKysely(target, options);
  try {
    const { rows } = await sql`select business_id, live_customers, version from customer_counts
      order by business_id`.execute(db);
    return rows.map((row) => ({ ...(row as object) }));
  } finally {
    await db.destroy();
  }
}

/** A database at migration 005 with counts, migrated to the latest and back. */
async function carriesCountsOver(target: DatabaseTarget): Promise<void> {
  await migrateTo(target, '2026-11-27-005-customer-versions');
  {
    const { db } = createKysely(target, options);
    await sql`insert into customer_counts (business_id, live_customers, version)
      values (${BUSINESS_A}, 3, 7), (${BUSINESS_B}, 0, 2)`.execute(db);
    await db.destroy();
  }

  const storage = openStorage(target, options);
  try {
    await storage.migrate();
    expect(await storage.customers.count(BUSINESS_A, {})).toBe(3);
    expect(await storage.customers.version(BUSINESS_A)).toBe(7);
    expect(await storage.customers.count(BUSINESS_B, {})).toBe(0);
    expect(await storage.customers.version(BUSINESS_B)).toBe(2);
    for (let i = 0; i < 20; i++) {
      await storage.transaction((repos) => repos.customers.insert(customerRecord(BUSINESS_A)));
    }
    expect(await storage.customers.count(BUSINESS_A, {})).toBe(23);
    expect(await storage.customers.version(BUSINESS_A)).toBe(27);
  } finally {
    await storage.close();
  }

  await migrateTo(target, '2026-11-27-005-customer-versions');
  expect(await countsAt005(target)).toEqual([
    { business_id: BUSINESS_A, live_customers: 23, version: 27 },
    { business_id: BUSINESS_B, live_customers: 0, version: 2 },
  ]);
}

describe('migration 006: customer counts spread over rows', () => {
  let dispose = async () => {};
  afterEach(async () => {
    await dispose();
    dispose = async () => {};
  });

  it('carries each business count and version over on SQLite, and back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clientele-006-'));
    dispose = async () => rmSync(dir, { recursive: true, force: true });
    await carriesCountsOver({ engine: 'sqlite', path: join(dir, 'db.sqlite') });
  });

  it.skipIf(skipReason('TEST_DATABASE_URL'))(
    'carries each business count and version over on PostgreSQL, and back',
    async () => {
      const schema = await createPostgresSchema();
      dispose = () => schema.drop();
      await carriesCountsOver({ engine: 'postgres', url: schema.url });
    },
  );
});
