import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createKysely } from './dialect.js';
import { ReadCache } from './read-cache.js';
import type { DatabaseSchema } from './schema.js';
import {
  KyselyReads,
  type ReadTemplate,
  SqliteReads,
  TemplateCompiler,
} from './statement-templates.js';

/** A `keep` for `firstCached` that keeps the row itself. */
const asIs = <Row>(row: Row) => row;

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

describe('SQLite prepared reads', () => {
  async function tokensTable() {
    const engine = createKysely(
      { engine: 'sqlite', path: ':memory:' },
      { poolSize: 1, statementTimeoutMs: 1000, readCacheRows: 10_000 },
    );
    if (engine.engine !== 'sqlite') throw new Error('expected SQLite');
    await sql`create table access_tokens (business_id text, jti text, issued_at text,
      expires_at text, revoked_at text)`.execute(engine.db);
    await sql`insert into access_tokens values ('b1', 'j1', 'i1', 'e1', null),
      ('b1', 'j2', 'i2', 'e2', 'r2')`.execute(engine.db);
    const compiler = new TemplateCompiler(engine.db);
    const reads = new SqliteReads(
      engine.statements,
      compiler,
      new KyselyReads(engine.db, compiler),
      new ReadCache(10),
      { holdsReads: false, readsReleased: () => Promise.resolve() },
    );
    return { engine, compiler, reads };
  }

  const tokensOf: ReadTemplate<{ jti: string; revoked_at: string | null }> = (db, param) =>
    db
      .selectFrom('access_tokens')
      .select(['revoked_at', 'jti'])
      .where('business_id', '=', param<string>(0))
      .orderBy('jti');

  it('return rows as objects of the selected columns, nulls included', async () => {
    const { reads } = await tokensTable();
    const rows = await reads.all(tokensOf, ['b1']);
    expect(rows).toStrictEqual([
      { revoked_at: null, jti: 'j1' },
      { revoked_at: 'r2', jti: 'j2' },
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual(['revoked_at', 'jti']);
    expect(await reads.first(tokensOf, ['b1'])).toStrictEqual({ revoked_at: null, jti: 'j1' });
    expect(await reads.first(tokensOf, ['nobody'])).toBeUndefined();
  });

  it('leave the statement Kysely keeps for the same SQL as it was (objects, not arrays)', async () => {
    const { engine, compiler, reads } = await tokensTable();
    await reads.all(tokensOf, ['b1']);
    const { sql: text, bind } = compiler.compile(tokensOf);
    const viaKysely = await engine.db.executeQuery(CompiledQuery.raw(text, bind(['b1'])));
    expect(viaKysely.rows[0]).toStrictEqual({ revoked_at: null, jti: 'j1' });
  });

  it('keep a cached row, the same object, until the database changes', async () => {
    const { engine, reads } = await tokensTable();
    const first = await reads.firstCached(tokensOf, ['b1'], asIs);
    expect(first).toStrictEqual({ revoked_at: null, jti: 'j1' });
    expect(await reads.firstCached(tokensOf, ['b1'], asIs)).toBe(first);
    expect(await reads.firstCached(tokensOf, ['nobody'], asIs)).toBeUndefined();
    // A write on the connection that changes no row leaves the kept row good.
    await sql`update access_tokens set jti = 'x' where business_id = 'nobody'`.execute(engine.db);
    expect(await reads.firstCached(tokensOf, ['b1'], asIs)).toBe(first);
    await sql`update access_tokens set revoked_at = 'r1' where jti = 'j1'`.execute(engine.db);
    expect(await reads.firstCached(tokensOf, ['b1'], asIs)).toStrictEqual({
      revoked_at: 'r1',
      jti: 'j1',
    });
  });

  it('keep what `keep` made of the row, made once until the database changes', async () => {
    const { engine, reads } = await tokensTable();
    const made: string[] = [];
    const keepJti = (row: { jti: string }) => {
      made.push(row.jti);
      return { jti: row.jti.toUpperCase() };
    };
    const first = await reads.firstCached(tokensOf, ['b1'], keepJti);
    expect(first).toStrictEqual({ jti: 'J1' });
    expect(await reads.firstCached(tokensOf, ['b1'], keepJti)).toBe(first);
    expect(made).toEqual(['j1']);
    // No row: nothing to convert, and `keep` is not called.
    expect(await reads.firstCached(tokensOf, ['nobody'], keepJti)).toBeUndefined();
    expect(made).toEqual(['j1']);
    await sql`update access_tokens set jti = 'j0' where jti = 'j1'`.execute(engine.db);
    expect(await reads.firstCached(tokensOf, ['b1'], keepJti)).toStrictEqual({ jti: 'J0' });
    expect(made).toEqual(['j1', 'j0']);
  });

  it('keep rows of different values apart, whatever the values hold', async () => {
    const { engine, reads } = await tokensTable();
    await sql`insert into access_tokens values ('ab', 'c', 'i', 'e', 'first'),
      ('a', 'bc', 'i', 'e', 'second')`.execute(engine.db);
    const byBoth: ReadTemplate<{ revoked_at: string | null }> = (db, param) =>
      db
        .selectFrom('access_tokens')
        .select('revoked_at')
        .where('business_id', '=', param<string>(0))
        .where('jti', '=', param<string>(1));
    expect(await reads.firstCached(byBoth, ['ab', 'c'], asIs)).toEqual({ revoked_at: 'first' });
    expect(await reads.firstCached(byBoth, ['a', 'bc'], asIs)).toEqual({ revoked_at: 'second' });
  });

  it("never give a transaction's uncommitted writes, kept or read", async () => {
    const { engine, reads } = await tokensTable();
    await reads.firstCached(tokensOf, ['b1'], asIs);
    let during: Promise<unknown> = Promise.resolve();
    const rolledBack = engine.db.transaction().execute(async (trx) => {
      await sql`update access_tokens set revoked_at = 'r1' where jti = 'j1'`.execute(trx);
      // Waits for the connection, as `first` does inside a transaction (not awaited here).
      during = reads.firstCached(tokensOf, ['b1'], asIs);
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await during).toStrictEqual({ revoked_at: null, jti: 'j1' });
  });

  it('refuse a template that selects the same name twice', async () => {
    const { reads } = await tokensTable();
    const twice: ReadTemplate<{ jti: string }> = (db) =>
      db.selectFrom('access_tokens').select(['jti', 'revoked_at as jti']);
    await expect(reads.all(twice, [])).rejects.toThrow('selects a column name twice');
  });
});
