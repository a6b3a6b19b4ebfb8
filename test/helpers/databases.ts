import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Test databases. PostgreSQL suites run when TEST_DATABASE_URL is set and are skipped with a
 * printed reason otherwise; each test gets its own schema so files can run in parallel.
 * TEST_ENGINE=postgres makes createTestApp run the route suites on PostgreSQL too (.ci/run does).
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
export const ROUTES_ON_POSTGRES = process.env.TEST_ENGINE === 'postgres';

export function skipReason(variable: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL'): string | undefined {
  const value = variable === 'TEST_DATABASE_URL' ? TEST_DATABASE_URL : TEST_REDIS_URL;
  if (value) return undefined;
  const reason = `${variable} is not set: skipping the suites that need it`;
  if (process.env.CI) throw new Error(`${reason} — CI must run them`);
  console.warn(reason);
  return reason;
}

export interface PostgresSchema {
  /** A DATABASE_URL whose connections use the fresh schema. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty schema in the test database. */
export async function createPostgresSchema(baseUrl = TEST_DATABASE_URL): Promise<PostgresSchema> {
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
