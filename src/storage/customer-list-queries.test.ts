import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { listQuery } from './customer-list-queries.js';
import type { DatabaseSchema } from './schema.js';
import { TemplateCompiler } from './statement-templates.js';

const compiler = new TemplateCompiler(
  new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) }),
);

describe('list page queries', () => {
  it('never select the sealed identity document (megabytes a customer, never shown)', () => {
    const business = '0190a6f4-0000-7000-8000-00000000000a';
    const after = { exact: 0 as const, createdAt: '2026-01-01', customerId: business };
    for (const position of [{ limit: 20 }, { limit: 20, offset: 40 }, { limit: 20, after }]) {
      for (const filter of [{}, { email: 'ann', country: 'BRA', search: 'x' }]) {
        const { sql } = compiler.compile(listQuery(business, filter, position).template as never);
        expect(sql).toContain('"customer_email"');
        expect(sql).not.toContain('identity_document');
      }
    }
  });
});
