import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { createPostgresSchema, type PostgresSchema, skipReason } from '../helpers/databases.js';
import { storageContract } from './storage-contract.js';

const reason = skipReason('TEST_DATABASE_URL');

// Skipped with the printed reason when TEST_DATABASE_URL is unset (skipReason throws under CI).
describe.skipIf(reason)('PostgreSQL', () => {
  let schema: PostgresSchema | undefined;
  storageContract('PostgreSQL', {
    open: async () => {
      schema = await createPostgresSchema();
      return openStorage(
        { engine: 'postgres', url: schema.url },
        { poolSize: 4, statementTimeoutMs: 5000 },
      );
    },
    dispose: async () => schema?.drop(),
  });
});

describe.skipIf(reason)('PostgreSQL: one database, several schemas', () => {
  it('migrates a fresh schema while another schema already holds a migrated copy', async () => {
    const schemas = [await createPostgresSchema(), await createPostgresSchema()];
    const storages = schemas.map((s) =>
      openStorage({ engine: 'postgres', url: s.url }, { poolSize: 2, statementTimeoutMs: 5000 }),
    );
    try {
      for (const storage of storages) await storage.migrate();
      for (const storage of storages) expect(await storage.customers.count('any', {})).toBe(0);
    } finally {
      await Promise.all(storages.map((storage) => storage.close()));
      await Promise.all(schemas.map((s) => s.drop()));
    }
  });
});

describe.skipIf(reason)('PostgreSQL: prepared reads', () => {
  it('keep working when a migration changes a table under a statement prepared before it', async () => {
    const schema = await createPostgresSchema();
    const storage = openStorage(
      { engine: 'postgres', url: schema.url },
      { poolSize: 1, statementTimeoutMs: 5000 },
    );
    const client = new pg.Client({ connectionString: schema.url });
    try {
      await storage.migrate();
      const business = '0190a6f4-0000-7000-8000-00000000000a';
      const id = '0190a6f4-0000-7000-8000-0000000000c1';
      expect(await storage.customers.findLive(business, id)).toBeUndefined();
      await client.connect();
      // `select *` now returns another column: PostgreSQL refuses the old prepared plan (0A000).
      await client.query('alter table customers add column later_column text');
      expect(await storage.customers.findLive(business, id)).toBeUndefined();
      expect(await storage.customers.findLive(business, id)).toBeUndefined();
    } finally {
      await client.end();
      await storage.close();
      await schema.drop();
    }
  });
});
