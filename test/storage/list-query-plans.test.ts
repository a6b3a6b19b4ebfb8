import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countQuery, listQuery } from '../../src/storage/customer-list-queries.js';
import type { CustomerFilter } from '../../src/storage/records.js';
import type { DatabaseSchema } from '../../src/storage/schema.js';
import { type ReadTemplate, TemplateCompiler } from '../../src/storage/statement-templates.js';
import { openStorage } from '../../src/storage/storage.js';

const BUSINESS = '0190a6f4-0000-7000-8000-00000000000a';

/**
 * SQLite runs its reads on the server's one thread: a query that walks a whole business holds up
 * every other request meanwhile (~600 ms for a filtered total over 1M customers). These check the
 * plans SQLite picks on the migrated schema, where a row count cannot show them.
 */
describe('SQLite plans of the list queries on the migrated schema', () => {
  let dir: string;
  let database: SQLite.Database;
  let compiler: TemplateCompiler;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-plans-'));
    const path = join(dir, 'db.sqlite');
    const storage = openStorage(
      { engine: 'sqlite', path },
      { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 0 },
    );
    await storage.migrate();
    await storage.close();
    database = new SQLite(path);
    compiler = new TemplateCompiler(
      new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database }) }),
    );
  });

  afterAll(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function planOf(query: { template: ReadTemplate<unknown>; values: unknown[] }): string {
    const { sql, bind } = compiler.compile(query.template);
    const steps = database.prepare(`explain query plan ${sql}`).all(...bind(query.values));
    return (steps as { detail: string }[]).map((step) => step.detail).join(' | ');
  }

  const byCountry: CustomerFilter = { country: 'BRA' };
  const cursor = {
    exact: 0 as const,
    createdAt: '2026-01-01T00:00:00.000000Z',
    customerId: BUSINESS,
  };

  it('count a country’s customers from the index alone', () => {
    expect(planOf(countQuery(BUSINESS, byCountry))).toBe(
      'SEARCH customers USING COVERING INDEX customers_live_country (business_id=? AND customer_country=?)',
    );
  });

  it('read a country’s page newest first from the index, without sorting', () => {
    for (const position of [
      { limit: 20 },
      { limit: 20, offset: 40 },
      { limit: 20, after: cursor },
    ]) {
      const plan = planOf(listQuery(BUSINESS, byCountry, position));
      expect(plan).toContain(
        'USING INDEX customers_live_country (business_id=? AND customer_country=?',
      );
      expect(plan).not.toContain('TEMP B-TREE');
    }
  });

  it('still read an unfiltered page from the newest-first index', () => {
    const plan = planOf(listQuery(BUSINESS, {}, { limit: 20, after: cursor }));
    expect(plan).toContain('USING INDEX customers_live_newest');
    expect(plan).not.toContain('TEMP B-TREE');
  });
});
