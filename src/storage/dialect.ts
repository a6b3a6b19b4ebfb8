import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import type pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import { NamedWrites } from './postgres-named-writes.js';
import type { DatabaseMark } from './read-cache.js';
import type { DatabaseSchema } from './schema.js';
import { SqliteReadThread } from './sqlite-read-thread.js';
import { type DurableLog, WalFile } from './wal-file.js';

/** The only place that knows which engine is underneath; everything else is shared Kysely code. */
export interface EngineOptions {
  poolSize: number;
  statementTimeoutMs: number;
  /** Rows of the hottest reads kept in memory on SQLite (read-cache.ts); 0: none. */
  readCacheRows: number;
  /**
   * PostgreSQL: no time limit on statements, only on connecting — for migrations, whose index
   * builds on a large table take longer than any request may.
   */
  unboundedStatements?: boolean;
}

/** How long a SQLite connection waits for a lock another connection holds. */
const BUSY_TIMEOUT_MS = 5000;

export function openSqlite(path: string): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  // WAL lets readers run beside the writer; synchronous=FULL fsyncs on every commit so an
  // acknowledged write survives a crash of the process or the machine.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  // Each transaction of a group commit (sqlite-group-commit.ts) is a savepoint, which keeps the
  // pages it changes in a journal of its own. Held in memory, instead of ready to spill to a
  // temporary file (the default), that journal made a create's writes cost under a third of
  // their time: 111 -> 32 µs a create, its customer insert 45 -> 13 µs (benchmark VM, 50 clients
  // creating). It holds a few pages. Sorts are temporary storage too: see `withSortsOnDisk`.
  database.pragma(`temp_store = ${SERVER_TEMP_STORE}`);
  return database;
}

const SERVER_TEMP_STORE = 'MEMORY';

/**
 * Runs `work` on a SQLite connection with temporary storage in files, SQLite's default: for the
 * migrations, whose index builds sort every row of a table. In memory, building an index of 1M
 * short keys took 75 MB more at its peak.
 */
export async function withSortsOnDisk<T>(
  db: Kysely<DatabaseSchema>,
  work: () => Promise<T>,
): Promise<T> {
  await sql`pragma temp_store = FILE`.execute(db);
  try {
    return await work();
  } finally {
    await sql.raw(`pragma temp_store = ${SERVER_TEMP_STORE}`).execute(db);
  }
}

/** For `pg`, loaded only on PostgreSQL: it is a tenth of the embedded default's start-up. */
const requireOnDemand = createRequire(import.meta.url);

const MAX_CACHED_STATEMENTS = 500;

/** The one SQLite connection, as Kysely and the prepared reads (statement-templates.ts) use it. */
export interface SqliteStatements extends SqliteDatabase {
  /** The kept statement for this text, shared by every caller: never change its mode. */
  prepare(sql: string): SQLite.Statement;
  /** A statement of the caller's own, not kept here: for callers that change its mode. */
  prepareOwn(sql: string): SQLite.Statement;
  /** Whether a transaction is open on the connection right now. */
  readonly inTransaction: boolean;
  /** Where the database stands now (read-cache.ts): a read transaction of its own. */
  mark(): DatabaseMark;
}

/**
 * Kysely prepares every query anew; preparing costs more than running a primary-key read. The
 * application issues a small, fixed set of SQL texts, so their prepared statements are kept.
 */
function withStatementCache(database: SQLite.Database): SqliteStatements {
  const statements = new Map<string, SQLite.Statement>();
  const otherCommits = database.prepare('pragma data_version').pluck();
  const ownChanges = database.prepare('select total_changes()').pluck();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    prepareOwn: (sql: string) => database.prepare(sql),
    get inTransaction() {
      return database.inTransaction;
    },
    mark: () => ({
      otherCommits: otherCommits.get() as number,
      ownChanges: ownChanges.get() as number,
    }),
    close: () => database.close(),
  };
}

/** Connection counts for the metrics: a pg pool's, or SQLite's one connection and its queue. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export type Engine =
  | {
      engine: 'sqlite';
      db: Kysely<DatabaseSchema>;
      statements: SqliteStatements;
      /** The write-ahead log, for a database in WAL mode (a file; not `:memory:`). */
      log: DurableLog | undefined;
      /** A second connection, on a thread of its own, for long reads; for a database file. */
      readThread: SqliteReadThread | undefined;
    }
  | {
      engine: 'postgres';
      db: Kysely<DatabaseSchema>;
      pool: pg.Pool;
      /** What the pool's clients send as named statements (postgres-named-writes.ts). */
      namedWrites: NamedWrites;
    };

export function createKysely(target: DatabaseTarget, options: EngineOptions): Engine {
  if (target.engine === 'sqlite') {
    const database = openSqlite(target.path);
    const statements = withStatementCache(database);
    const inWalMode = database.pragma('journal_mode', { simple: true }) === 'wal';
    return {
      engine: 'sqlite',
      db: new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: statements }) }),
      statements,
      // Resolved now: the log is opened at the first commit, whatever the working directory is then.
      log: inWalMode ? new WalFile(resolve(`${target.path}-wal`)) : undefined,
      // In WAL mode a reader never waits for the writer, nor the writer for a reader.
      readThread: inWalMode
        ? new SqliteReadThread(resolve(target.path), BUSY_TIMEOUT_MS)
        : undefined,
    };
  }
  const { Pool } = requireOnDemand('pg') as typeof pg;
  const pool = new Pool({
    connectionString: target.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.statementTimeoutMs,
    ...(!options.unboundedStatements && {
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + 1000,
    }),
  });
  // A connection lost while idle or between queries must not crash the process: the failed query
  // (if any) reports it, and the pool replaces the client.
  pool.on('error', () => {});
  const namedWrites = new NamedWrites();
  pool.on('connect', (client) => {
    client.on('error', () => {});
    namedWrites.attach(client);
  });
  return {
    engine: 'postgres',
    db: new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) }),
    pool,
    namedWrites,
  };
}

/** Whether the engine takes row locks (`FOR UPDATE SKIP LOCKED`): PostgreSQL does; SQLite
 * has one writer at a time, so a write transaction already excludes every other. */
export function supportsRowLocks(db: Kysely<DatabaseSchema>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
