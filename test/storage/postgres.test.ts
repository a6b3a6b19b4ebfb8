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
