import { Migrator, sql } from 'kysely';
import type { DatabaseTarget } from '../../src/config.js';
import { createKysely } from '../../src/storage/dialect.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';

/**
 * Brings the database at `target` up or down to the migration `name`, on a connection of its own:
 * for tests that start from an earlier schema than the latest.
 */
export async function migrateTo(target: DatabaseTarget, name: string): Promise<void> {
  const { db } = createKysely(target, {
    poolSize: 1,
    statementTimeoutMs: 10_000,
    readCacheRows: 0,
  });
  try {
    // As Storage.migrate does: Kysely's bookkeeping tables in the connection's own schema.
    const schema =
      target.engine === 'postgres'
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]
            ?.schema
        : undefined;
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      ...(schema !== undefined && { migrationTableSchema: schema }),
    });
    const { error } = await migrator.migrateTo(name);
    if (error !== undefined) throw error;
  } finally {
    await db.destroy();
  }
}
