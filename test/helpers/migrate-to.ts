import type { DatabaseTarget } from '../../src/config.js';
import { createKysely } from '../../src/storage/dialect.js';
import { migratorFor } from '../../src/storage/storage.js';

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
    const { error } = await (await migratorFor(db, target.engine)).migrateTo(name);
    if (error !== undefined) throw error;
  } finally {
    await db.destroy();
  }
}
