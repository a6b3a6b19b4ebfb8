import { describe, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { createPostgresSchema, type PostgresSchema, skipReason } from '../helpers/databases.js';
import { storageContract } from './storage-contract.js';

const reason = skipReason('TEST_DATABASE_URL');

if (reason) {
  describe.skip(`storage contract: PostgreSQL (${reason})`, () => {
    it('needs TEST_DATABASE_URL', () => {});
  });
} else {
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
}
