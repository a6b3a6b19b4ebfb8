/**
 * Fresh databases for the benchmark: a SQLite file in the run's temp directory, or a fresh
 * PostgreSQL schema (selected with the URL's `options=-c search_path=…`), dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { onCleanup } from './cleanup.mjs';
import { runNode } from './processes.mjs';

/**
 * @typedef {object} SeededBusiness
 * @property {string} businessId
 * @property {string} accountId
 * @property {string} appSecret
 * @property {number} customers
 */

/**
 * @typedef {object} Dataset
 * @property {string} name
 * @property {'sqlite' | 'postgres'} engine
 * @property {string} databaseUrl what the server's DATABASE_URL is set to
 * @property {number} customers
 * @property {SeededBusiness[]} businesses
 * @property {string[]} sampleIds ids of the first business's customers, evenly spread
 * @property {number} seedSeconds
 */

/** The URL with its search_path pinned to `schema` (pg reads the libpq `options` parameter). */
function withSearchPath(url, schema) {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function onPostgres(url, statement) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new, empty schema; dropped (with everything in it) when the benchmark ends. */
async function freshSchema(postgresUrl, name) {
  const schema = `bench_${name}_${randomBytes(4).toString('hex')}`;
  await onPostgres(postgresUrl, `create schema ${schema}`);
  onCleanup(() => onPostgres(postgresUrl, `drop schema if exists ${schema} cascade`));
  return withSearchPath(postgresUrl, schema);
}

/**
 * Seeds `customers` customers spread over `businesses` businesses in a fresh database.
 * @param {object} spec
 * @param {string} spec.name short, [a-z0-9_]
 * @param {'sqlite' | 'postgres'} spec.engine
 * @param {string | undefined} spec.postgresUrl
 * @param {string} spec.tempDir
 * @param {number} spec.customers
 * @param {number} spec.businesses
 * @returns {Promise<Dataset>}
 */
export async function seedDataset({ name, engine, postgresUrl, tempDir, customers, businesses }) {
  const databaseUrl =
    engine === 'sqlite'
      ? `sqlite:${join(tempDir, `${name}.db`)}`
      : await freshSchema(/** @type {string} */ (postgresUrl), name);
  const out = join(tempDir, `${name}.seed.json`);
  await runNode(['bench/seed.mjs', JSON.stringify({ databaseUrl, customers, businesses, out })]);
  // What PostgreSQL's guide to populating a database prescribes after a bulk load: without
  // statistics the planner cannot tell the primary key from the partial "live, newest first"
  // index on (business_id, created_at, customer_id), and a read by id walked the whole business
  // through the latter (0.5 ms instead of 0.015 ms). Autovacuum would get there within a minute.
  if (engine === 'postgres') await onPostgres(databaseUrl, 'analyze');
  const seeded = JSON.parse(readFileSync(out, 'utf8'));
  return {
    name,
    engine,
    databaseUrl,
    customers,
    businesses: seeded.businesses,
    sampleIds: seeded.sampleIds,
    seedSeconds: seeded.seconds,
  };
}
