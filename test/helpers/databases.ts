import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Test databases. PostgreSQL suites run when TEST_DATABASE_URL is set and are skipped with a
 * printed reason otherwise; each test gets its own schema so files can run in parallel.
 * TEST_ENGINE=postgres makes createTestApp run the route suites on PostgreSQL too (.ci/run does);
 * TEST_ENGINE=sqlite-file, on a SQLite file instead of memory, as the server runs by default:
 * the write-ahead log's fsync and the read thread then take part (vitest.config.ts).
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
export const ROUTES_ON_POSTGRES = process.env.TEST_ENGINE === 'postgres';
export const ROUTES_ON_SQLITE_FILE = process.env.TEST_ENGINE === 'sqlite-file';

export function skipReason(variable: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL'): string | undefined {
  const value = variable === 'TEST_DATABASE_URL' ? TEST_DATABASE_URL : TEST_REDIS_URL;
  if (value) return undefined;
  const reason = `${variable} is not set: skipping the suites that need it`;
  if (process.env.CI) throw new Error(`${reason} — CI must run them`);
  console.warn(reason);
  return reason;
}

/** A fresh database for a test: a PostgreSQL schema or a SQLite file. */
export interface TestDatabase {
  /** A DATABASE_URL whose connections use it. */
  url: string;
  drop(): Promise<void>;
}

/** A DATABASE_URL of a new SQLite file in a directory of its own, removed by `drop`. */
export function createSqliteFile(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'clientele-test-'));
  return {
    url: `sqlite:${join(dir, 'clientele.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh, empty schema in the test database. */
export async function createPostgresSchema(baseUrl = TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!baseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: baseUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await dropper.end();
      }
    },
  };
}
