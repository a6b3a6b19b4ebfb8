import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { expect } from 'vitest';
import { ROUTES_ON_POSTGRES } from '../helpers/databases.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { makeTempDir } from '../process/server-process.js';

/** Signs of an internal leaking out: a stack frame, an engine's error text, an exception name. */
const INTERNALS =
  /\n\s+at |\bat [\w.<>]+ \(|node_modules|SQLITE_|sqlite3?\b|syntax error|\bpg\b|violates|TypeError|RangeError|ReferenceError|SyntaxError/i;

/**
 * What every response of every route must be, whatever was sent: a JSON envelope whose
 * `status_code` is the HTTP status, never a 5xx, never a stack trace or engine text, and never
 * one of `secrets` (tokens, app secrets, identity-document values) anywhere in the body or headers.
 */
export function expectWellFormed(
  response: LightMyRequestResponse,
  label: string,
  secrets: readonly string[] = [],
): Record<string, unknown> {
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(response.headers['content-type'], label).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(body.status_code, label).toBe(response.statusCode);
  expect(body.status, label).toBe(response.statusCode < 400 ? 'success' : 'failed');
  expect(typeof body.message, label).toBe('string');
  expect(body, label).toHaveProperty('data');
  if (response.statusCode >= 400) expect(response.body, label).not.toMatch(INTERNALS);
  expect(String(response.headers['x-request-id']), label).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  const everything = `${response.body}\n${JSON.stringify(response.headers)}`;
  for (const secret of secrets)
    expect(everything.includes(secret), `${label}: leaks a secret`).toBe(false);
  return body;
}

/** Log lines must hold no secret and no stack trace of a client's bad input. */
export function expectCleanLogs(logs: readonly string[], secrets: readonly string[]): void {
  const text = logs.join('');
  for (const secret of secrets)
    expect(text.includes(secret), `a log line leaks ${secret.slice(0, 12)}…`).toBe(false);
  expect(text, 'a log line carries a stack trace').not.toMatch(/"stack":|\\n\s+at /);
}

export type Snapshot = Map<string, string[]>;

/**
 * Every row of every table of a SQLite database file, read through a second, read-only
 * connection (so nothing the app caches can hide a change). Kysely's migration bookkeeping is left out.
 */
export function snapshotDatabase(path: string): Snapshot {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'kysely%' and name not like 'sqlite%' order by name",
      )
      .all() as Array<{ name: string }>;
    const snapshot: Snapshot = new Map();
    for (const { name } of tables) {
      const rows = db.prepare(`select * from "${name}"`).all();
      snapshot.set(name, rows.map((row) => JSON.stringify(row)).sort());
    }
    return snapshot;
  } finally {
    db.close();
  }
}

/**
 * The stored data is unchanged: every table is identical, except that idempotency_keys may have
 * gained rows recording a 4xx outcome (SPEC §5 keeps 4xx outcomes so that a retry replays them).
 */
export function expectUnchanged(before: Snapshot, after: Snapshot, label: string): void {
  expect([...after.keys()], label).toEqual([...before.keys()]);
  for (const [table, rows] of before) {
    const now = after.get(table) ?? [];
    if (table !== 'idempotency_keys') {
      expect(now, `${label}: table ${table} changed`).toEqual(rows);
      continue;
    }
    const old = new Set(rows);
    for (const row of rows) expect(now, `${label}: an idempotency record changed`).toContain(row);
    for (const added of now.filter((row) => !old.has(row))) {
      const status = (JSON.parse(added) as { response_status: number }).response_status;
      expect(status >= 400 && status < 500, `${label}: a non-4xx outcome was kept`).toBe(true);
    }
  }
}

async function snapshotPostgres(client: pg.Client): Promise<Snapshot> {
  const { rows: tables } = await client.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = current_schema() and table_name not like 'kysely%' order by table_name",
  );
  const snapshot: Snapshot = new Map();
  for (const { name } of tables) {
    const { rows } = await client.query(`select * from "${name}"`);
    snapshot.set(name, rows.map((row) => JSON.stringify(row)).sort());
  }
  return snapshot;
}

/** A test app whose whole database can be snapshotted: a SQLite file, or (TEST_ENGINE=postgres)
 * a fresh PostgreSQL schema. */
export async function createSnapshottableApp(): Promise<{
  t: TestApp;
  snapshot(): Promise<Snapshot>;
}> {
  if (ROUTES_ON_POSTGRES) {
    const t = await createTestApp();
    const target = t.config.database;
    if (target.engine !== 'postgres') throw new Error('expected PostgreSQL');
    // One connection for every snapshot of this app, closed with it.
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    const close = t.close;
    t.close = async () => {
      await client.end();
      await close();
    };
    return { t, snapshot: () => snapshotPostgres(client) };
  }
  const path = join(await makeTempDir('clientele-hostile-'), 'db.sqlite');
  const t = await createTestApp({ env: { DATABASE_URL: `sqlite:${path}` } });
  return { t, snapshot: async () => snapshotDatabase(path) };
}
