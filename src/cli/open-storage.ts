import type { Config } from '../config.js';
import { openStorage, type Storage } from '../storage/storage.js';

/** The configured database with its schema brought up to date. */
export async function openMigratedStorage(config: Readonly<Config>): Promise<Storage> {
  const storage = openStorage(config.database, {
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    readCacheRows: config.readCacheRows,
  });
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}
