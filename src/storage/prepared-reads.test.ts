import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type ReadTemplate, TemplateCompiler } from './prepared-reads.js';
import type { DatabaseSchema } from './schema.js';

const compiler = new TemplateCompiler(
  new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) }),
);

describe('read templates', () => {
  it('compile once, placing each value where its param stands and keeping constants', () => {
    const template: ReadTemplate<{ jti: string }> = (db, param) =>
      db
        .selectFrom('access_tokens')
        .select('jti')
        .where('expires_at', '>', param<string>(1))
        .where('revoked_at', '=', 'constant')
        .where('business_id', '=', param<string>(0));
    const compiled = compiler.compile(template);
    expect(compiler.compile(template)).toBe(compiled);
    expect(compiled.bind(['business', 'now'])).toEqual(['now', 'constant', 'business']);
    expect(() => compiled.bind(['business'])).toThrow('takes 2 values, got 1');
  });

  it('refuse a template that changes a parameter instead of passing it', () => {
    const template: ReadTemplate<{ jti: string }> = (db, param) =>
      db
        .selectFrom('access_tokens')
        .select('jti')
        .where(sql<boolean>`jti like ${`%${param<string>(0)}%`}`);
    expect(() => compiler.compile(template)).toThrow('changed a parameter');
  });
});
