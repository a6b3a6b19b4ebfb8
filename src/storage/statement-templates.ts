import type SQLite from 'better-sqlite3';
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import type { ClosingWrites } from './closing-writes.js';
import type { SqliteStatements } from './dialect.js';
import { translated, translateStorageError } from './errors.js';
import type { NamedWrites } from './postgres-named-writes.js';
import { NOT_KEPT, type ReadCache } from './read-cache.js';
import type { DatabaseSchema } from './schema.js';
import type { SqliteReadThread } from './sqlite-read-thread.js';

/** Stands for the value at `index` of the values a template is run with. */
export type Param = <T>(index: number) => T;

/**
 * A read query written once with Kysely's builder, `param(i)` standing where the i-th value goes.
 * Templates must be module-level constants: each is compiled once per engine and then only run
 * with new values. On the hot paths (authentication, retrieve, list) building and compiling a
 * query, and Kysely's executor around it, cost more than the database's own work.
 */
export type ReadTemplate<Row> = (db: Kysely<DatabaseSchema>, param: Param) => Compilable<Row>;

/**
 * A write (insert, update, delete) written once with Kysely's builder, `param(i)` standing where
 * the i-th value goes, as a read template is. A create makes five writes: building and compiling
 * them on every call was over a quarter of its server CPU (A/B: 312 → 225 µs a create). It
 * returns no rows (no RETURNING): on PostgreSQL it runs as a named statement, which a migration
 * must not be able to break (postgres-named-writes.ts).
 */
export type WriteTemplate = (db: Kysely<DatabaseSchema>, param: Param) => Compilable<unknown>;

/**
 * Runs write templates through Kysely on `db` — a transaction's connection, or the database —
 * so they take part in whatever transaction `db` is.
 */
export class TemplateWrites {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly compiler: TemplateCompiler,
    private readonly where: {
      /** In a transaction: where `runLast` puts its writes. */
      closing?: ClosingWrites;
      /** On PostgreSQL: each template runs as a named statement. */
      named?: NamedWrites;
    } = {},
  ) {}

  /** The number of rows the statement inserted, updated or deleted. */
  async run(template: WriteTemplate, values: readonly unknown[]): Promise<number> {
    const { sql, bind } = this.compiler.compile(template);
    this.where.named?.add(sql);
    const result = await this.db.executeQuery(CompiledQuery.raw(sql, bind(values)));
    return Number(result.numAffectedRows ?? 0);
  }

  /**
   * In a transaction, a write made at its end with the others of its kind (see ClosingWrites
   * for what such a write must not do); outside one, at once.
   */
  async runLast(template: WriteTemplate, values: readonly unknown[]): Promise<void> {
    if (this.where.closing) this.where.closing.add(template, values);
    else await this.run(template, values);
  }
}

/** Runs read templates. */
export interface Reads {
  all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]>;
  /**
   * `all`, for a read that may visit many rows (a filtered count, a filtered or offset list
   * page). On a SQLite database file it runs on a connection of its own in a worker thread
   * (`SqliteReads`), so that the event loop serves other requests meanwhile.
   */
  scan<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]>;
  first<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row | undefined>;
  /**
   * `first`, for the reads made on nearly every request: on PostgreSQL, calls made while
   * earlier ones wait on the database are answered together, by one statement and one round
   * trip (`PostgresReads`). Elsewhere it is `first`. The template's values must be strings.
   */
  firstBatched<Row>(
    template: ReadTemplate<Row>,
    values: readonly string[],
  ): Promise<Row | undefined>;
  /**
   * `firstBatched`, for the reads repeated with the same values on the hottest paths (a token
   * and the customer it looks up), answering what `keep` makes of the row: on SQLite that is
   * made once and kept in memory, and given again while nothing in the database changed since
   * the row was read (`SqliteReads`). The values must not include the time (a row read for one
   * instant would be kept for that instant only), and the answer may be the very object an
   * earlier call got: read it, never change it.
   */
  firstCached<Row, Kept>(
    template: ReadTemplate<Row>,
    values: readonly string[],
    keep: (row: Row) => Kept,
  ): Promise<Kept | undefined>;
}

interface CompiledTemplate {
  sql: string;
  bind(values: readonly unknown[]): unknown[];
}

const MARKER = '\u0000param:';

/** Compiles templates for one engine (SQL text differs by dialect), once each. */
export class TemplateCompiler {
  private readonly compiled = new Map<ReadTemplate<unknown> | WriteTemplate, CompiledTemplate>();

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  compile(template: ReadTemplate<unknown> | WriteTemplate): CompiledTemplate {
    let compiled = this.compiled.get(template);
    if (compiled === undefined) {
      compiled = this.compileNew(template);
      this.compiled.set(template, compiled);
    }
    return compiled;
  }

  private compileNew(template: ReadTemplate<unknown> | WriteTemplate): CompiledTemplate {
    const param: Param = (index) => `${MARKER}${index}` as never;
    const { sql, parameters } = template(this.db, param).compile();
    // For each compiled parameter: the index of the value that fills it, or -1 for a constant.
    const slots = parameters.map((value) => {
      if (typeof value !== 'string' || !value.includes(MARKER)) return -1;
      if (!value.startsWith(MARKER)) {
        // e.g. `%${param(0)}%`: the template must take the finished value as its parameter.
        throw new Error(`A template changed a parameter instead of passing it: ${sql}`);
      }
      return Number(value.slice(MARKER.length));
    });
    const arity = Math.max(-1, ...slots) + 1;
    return {
      sql,
      bind(values) {
        if (values.length !== arity) {
          throw new Error(`Template takes ${arity} values, got ${values.length}: ${sql}`);
        }
        return slots.map((slot, i) => (slot === -1 ? parameters[i] : values[slot]));
      },
    };
  }
}

/** Through Kysely on `db`: what runs inside a transaction, on the transaction's connection. */
export class KyselyReads implements Reads {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly compiler: TemplateCompiler,
  ) {}

  all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    const { sql, bind } = this.compiler.compile(template as ReadTemplate<unknown>);
    return translated(async () => {
      const result = await this.db.executeQuery<Row>(CompiledQuery.raw(sql, bind(values)));
      return result.rows as Row[];
    });
  }

  // Inside a transaction a read must see the transaction's own writes: on its connection.
  scan<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    return this.all(template, values);
  }

  async first<Row>(
    template: ReadTemplate<Row>,
    values: readonly unknown[],
  ): Promise<Row | undefined> {
    return (await this.all(template, values))[0];
  }

  firstBatched<Row>(template: ReadTemplate<Row>, values: readonly string[]) {
    return this.first(template, values);
  }

  async firstCached<Row, Kept>(
    template: ReadTemplate<Row>,
    values: readonly string[],
    keep: (row: Row) => Kept,
  ) {
    const row = await this.first(template, values);
    return row === undefined ? undefined : keep(row);
  }
}

/** A template's own SQLite statement, in raw mode, and how to make a row object of its values. */
interface RawReader {
  statement: SQLite.Statement;
  bind(values: readonly unknown[]): unknown[];
  toRow(values: unknown[]): unknown;
}

/**
 * A function building `{ name0: values[0], name1: values[1], … }` as one object literal: every
 * row gets the same hidden class at once. better-sqlite3's own row objects cost more than the
 * primary-key read they come from (~20 against ~13 µs for a customer), and so does setting the
 * properties one by one. The names are the statement's own column names, quoted as JSON.
 */
function rowBuilder(columnNames: readonly string[]): (values: unknown[]) => unknown {
  if (new Set(columnNames).size !== columnNames.length) {
    throw new Error(`A read template selects a column name twice: ${columnNames.join(', ')}`);
  }
  const properties = columnNames.map((name, i) => `${JSON.stringify(name)}: values[${i}]`);
  return new Function('values', `return { ${properties.join(', ')} };`) as (
    values: unknown[],
  ) => unknown;
}

/** Whether the latest commits on the connection are durable yet (the group commit's). */
export interface ReadHold {
  /** True while a read on the connection could see a commit that is not durable yet. */
  readonly holdsReads: boolean;
  /** Resolves once `holdsReads` is false. */
  readsReleased(): Promise<void>;
}

/**
 * Straight on better-sqlite3's prepared statements (synchronous, so without Kysely's connection
 * mutex), each template on a statement of its own that returns rows as arrays (see rowBuilder).
 * While a transaction is open on the one connection — a group commit waiting between two of its
 * statements — a read here would see that transaction's uncommitted writes, and until a group
 * commit's batch is on disk it would see writes not yet durable (`mustWait`), so it goes through
 * Kysely instead and waits for the connection like any other query.
 *
 * `scan` reads on the read thread's connection when there is one (a database file), and answers
 * once the commits it may have seen are durable.
 */
export class SqliteReads implements Reads {
  private readonly readers = new Map<ReadTemplate<unknown>, RawReader>();
  /** The start of the cache's keys for each template read through it (`cacheKeyOf`). */
  private readonly cacheKeys = new Map<ReadTemplate<unknown>, string>();
  /** How the read thread's rows of each SQL text become objects. */
  private readonly threadRows = new Map<string, (values: unknown[]) => unknown>();

  constructor(
    private readonly statements: SqliteStatements,
    private readonly compiler: TemplateCompiler,
    private readonly whileInTransaction: Reads,
    private readonly cache: ReadCache,
    private readonly hold: ReadHold,
    /** Runs `scan`; without it (an in-memory database) `scan` is `all`. */
    private readonly thread?: SqliteReadThread,
  ) {}

  /** Whether a read must go through Kysely and wait for the connection (see the class). */
  private get mustWait(): boolean {
    return this.statements.inTransaction || this.hold.holdsReads;
  }

  all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    if (this.mustWait) return this.whileInTransaction.all(template, values);
    return this.run(template, ({ statement, bind, toRow }) =>
      (statement.all(...bind(values)) as unknown[][]).map((row) => toRow(row) as Row),
    );
  }

  /**
   * The thread's connection reads what is committed, whatever this connection is doing: a read
   * waits for no transaction here. It may see a batch whose fsync is not done, so its answer
   * waits for that (`readsReleased`): nothing is seen before it is durable.
   */
  async scan<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    if (this.thread === undefined) return this.all(template, values);
    const { sql, bind } = this.compiler.compile(template as ReadTemplate<unknown>);
    const { columns, rows } = await this.thread.all(sql, bind(values));
    await this.hold.readsReleased();
    let toRow = this.threadRows.get(sql);
    if (toRow === undefined) {
      toRow = rowBuilder(columns);
      this.threadRows.set(sql, toRow);
    }
    return rows.map(toRow as (values: unknown[]) => Row);
  }

  first<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row | undefined> {
    if (this.mustWait) return this.whileInTransaction.first(template, values);
    return this.run(template, ({ statement, bind, toRow }) => {
      const row = statement.get(...bind(values)) as unknown[] | undefined;
      return row === undefined ? undefined : (toRow(row) as Row);
    });
  }

  // One connection, read synchronously: there is no round trip to save.
  firstBatched<Row>(template: ReadTemplate<Row>, values: readonly string[]) {
    return this.first(template, values);
  }

  /**
   * Checking that nothing changed (`statements.mark()`, ~1.6 µs: the locking every read
   * transaction does) costs a fraction of reading a customer and its token (~7 µs in the
   * server). The mark, the read and keeping its answer happen in one synchronous step, so no
   * other code can write between them. What `keep` makes of the row is kept, not the row, so
   * a repeated read does not convert it again (a customer's address is JSON, parsed once).
   */
  firstCached<Row, Kept>(
    template: ReadTemplate<Row>,
    values: readonly string[],
    keep: (row: Row) => Kept,
  ) {
    if (this.mustWait) {
      return this.whileInTransaction.firstCached(template, values, keep);
    }
    return this.run(template, ({ statement, bind, toRow }) => {
      const read = () => {
        const row = statement.get(...bind(values)) as unknown[] | undefined;
        return row === undefined ? undefined : keep(toRow(row) as Row);
      };
      if (!this.cache.enabled) return read();
      const key = this.cacheKeyOf(template, values);
      const mark = this.statements.mark();
      const kept = this.cache.get(key, mark);
      if (kept !== NOT_KEPT) return kept as Kept | undefined;
      const found = read();
      this.cache.set(key, mark, found);
      return found;
    });
  }

  /** The template's number, then each value after its length: no two calls share a key. */
  private cacheKeyOf(template: ReadTemplate<unknown>, values: readonly string[]): string {
    let key = this.cacheKeys.get(template);
    if (key === undefined) {
      key = `${this.cacheKeys.size}:`;
      this.cacheKeys.set(template, key);
    }
    for (const value of values) key += `${value.length}:${value}`;
    return key;
  }

  // Synchronous inside (better-sqlite3 is): no async wrapper, so no extra promises and
  // microtask turns on the path every authenticated request takes.
  private run<Result>(
    template: ReadTemplate<unknown>,
    execute: (reader: RawReader) => Result,
  ): Promise<Result> {
    try {
      return Promise.resolve(execute(this.readerOf(template)));
    } catch (error) {
      return Promise.reject(translateStorageError(error));
    }
  }

  private readerOf(template: ReadTemplate<unknown>): RawReader {
    let reader = this.readers.get(template);
    if (reader === undefined) {
      const { sql, bind } = this.compiler.compile(template);
      const statement = this.statements.prepareOwn(sql).raw(true);
      const toRow = rowBuilder(statement.columns().map((column) => column.name));
      reader = { statement, bind, toRow };
      this.readers.set(template, reader);
    }
    return reader;
  }
}

/** PostgreSQL reports this when a prepared statement's tables changed shape (a migration). */
const CACHED_PLAN_CHANGED = '0A000';

/** A call of `firstBatched` waiting for its batch. */
interface BatchedCall {
  values: readonly string[];
  resolve(row: unknown): void;
  reject(error: unknown): void;
}

/** The calls of one template waiting to be sent, how many of its batches are out, and its
 * batch statement (`batchSql`), made on the first batch. */
interface BatchQueue {
  waiting: BatchedCall[];
  inFlight: number;
  batchText?: string;
}

/** Batches of one template out at once; calls made meanwhile wait to go together in the next. */
const BATCHES_IN_FLIGHT = 2;
/** Calls answered by one statement at most. */
const MAX_BATCH = 64;

/**
 * As named prepared statements on the pool: PostgreSQL parses and plans each text once per
 * connection instead of on every query (that was most of a primary-key read's cost).
 *
 * `firstBatched`: on loopback TCP the write to PostgreSQL's socket, which wakes its backend, was
 * most of the server's CPU per request. So while `BATCHES_IN_FLIGHT` statements of a template are
 * out, further calls wait and then go together in one statement — the template run once per call
 * in a LATERAL join over the calls' values (`batchSql`) — a round trip for many requests. A
 * call made when none is out is sent at once, alone, as `first` would send it: batching never
 * adds a wait, it only forms while the database is the bottleneck.
 */
export class PostgresReads implements Reads {
  private readonly names = new Map<string, string>();
  private readonly batches = new Map<ReadTemplate<unknown>, BatchQueue>();
  private statementsNamed = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly compiler: TemplateCompiler,
  ) {}

  async all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    const { sql, bind } = this.compiler.compile(template as ReadTemplate<unknown>);
    return (await this.run(sql, bind(values))) as Row[];
  }

  // The database server runs the query: the event loop only waits for its answer.
  scan<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    return this.all(template, values);
  }

  async first<Row>(
    template: ReadTemplate<Row>,
    values: readonly unknown[],
  ): Promise<Row | undefined> {
    return (await this.all(template, values))[0];
  }

  // No mark to check on PostgreSQL: every instance and client may write at any time.
  async firstCached<Row, Kept>(
    template: ReadTemplate<Row>,
    values: readonly string[],
    keep: (row: Row) => Kept,
  ) {
    const row = await this.firstBatched(template, values);
    return row === undefined ? undefined : keep(row);
  }

  firstBatched<Row>(
    template: ReadTemplate<Row>,
    values: readonly string[],
  ): Promise<Row | undefined> {
    let queue = this.batches.get(template as ReadTemplate<unknown>);
    if (queue === undefined) {
      queue = { waiting: [], inFlight: 0 };
      this.batches.set(template as ReadTemplate<unknown>, queue);
    }
    const called = new Promise<unknown>((resolve, reject) => {
      queue.waiting.push({ values, resolve, reject });
    });
    this.sendWaiting(template as ReadTemplate<unknown>, queue);
    return called as Promise<Row | undefined>;
  }

  private sendWaiting(template: ReadTemplate<unknown>, queue: BatchQueue): void {
    while (queue.inFlight < BATCHES_IN_FLIGHT && queue.waiting.length > 0) {
      const calls = queue.waiting.splice(0, MAX_BATCH);
      queue.inFlight += 1;
      this.runBatch(template, queue, calls)
        .then(
          (rows) => {
            for (const [i, call] of calls.entries()) call.resolve(rows[i]);
          },
          (error: unknown) => {
            for (const call of calls) call.reject(error);
          },
        )
        .finally(() => {
          queue.inFlight -= 1;
          this.sendWaiting(template, queue);
        });
    }
  }

  /** Each call's first row (or undefined), in the order of the calls. */
  private async runBatch(
    template: ReadTemplate<unknown>,
    queue: BatchQueue,
    calls: readonly BatchedCall[],
  ): Promise<unknown[]> {
    const [single] = calls;
    if (calls.length === 1 && single !== undefined) {
      return [await this.first(template, single.values)];
    }
    const { sql, bind } = this.compiler.compile(template);
    const bound = calls.map((call) => bind(call.values));
    const columns = (bound[0] as unknown[]).map((_, k) => bound.map((values) => values[k]));
    queue.batchText ??= batchSql(sql, columns.length);
    const rows = (await this.run(queue.batchText, columns)) as Array<
      Record<string, unknown> & { [BATCH_INDEX]: string }
    >;
    const firsts: unknown[] = calls.map(() => undefined);
    for (const { [BATCH_INDEX]: index, ...row } of rows) firsts[Number(index) - 1] = row;
    return firsts;
  }

  private run(sql: string, values: readonly unknown[]): Promise<unknown[]> {
    return translated(async () => {
      try {
        return (await this.pool.query({ name: this.nameOf(sql), text: sql, values: [...values] }))
          .rows;
      } catch (error) {
        if ((error as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw error;
        // A migration changed a table under a statement prepared before it: prepare it afresh,
        // under a new name, on every connection.
        this.names.set(sql, this.newName());
        return (await this.pool.query({ name: this.nameOf(sql), text: sql, values: [...values] }))
          .rows;
      }
    });
  }

  private nameOf(sql: string): string {
    let name = this.names.get(sql);
    if (name === undefined) {
      name = this.newName();
      this.names.set(sql, name);
    }
    return name;
  }

  private newName(): string {
    this.statementsNamed += 1;
    return `read_${this.statementsNamed}`;
  }
}

/** The column of a batch's rows that says which call (from 1) a row answers. */
const BATCH_INDEX = 'batch_call';

/**
 * A template's SQL run once per call: parameter `$k` becomes array `$k` of every call's k-th
 * value (as text: the templates batched take strings, and have no constants of other types),
 * unnested together with each call's number, and the template (its `$k` now that call's value)
 * runs in a LATERAL join, first row only. Calls whose template finds nothing have no row.
 */
function batchSql(sql: string, parameterCount: number): string {
  const columns = Array.from({ length: parameterCount }, (_, k) => `p${k + 1}`);
  const arrays = columns.map((_, k) => `$${k + 1}::text[]`);
  const perCall = sql.replace(/\$(\d+)/g, (_, k: string) => `call.p${k}`);
  return (
    `select call.${BATCH_INDEX}, found.* ` +
    `from unnest(${arrays.join(', ')}) with ordinality as call(${columns.join(', ')}, ${BATCH_INDEX}) ` +
    `cross join lateral (select * from (${perCall}) as template limit 1) as found`
  );
}
