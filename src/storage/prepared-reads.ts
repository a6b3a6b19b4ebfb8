import type SQLite from 'better-sqlite3';
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import type { SqliteStatements } from './dialect.js';
import { translated, translateStorageError } from './errors.js';
import type { DatabaseSchema } from './schema.js';

/** Stands for the value at `index` of the values a template is run with. */
export type Param = <T>(index: number) => T;

/**
 * A read query written once with Kysely's builder, `param(i)` standing where the i-th value goes.
 * Templates must be module-level constants: each is compiled once per engine and then only run
 * with new values. On the hot paths (authentication, retrieve, list) building and compiling a
 * query, and Kysely's executor around it, cost more than the database's own work.
 */
export type ReadTemplate<Row> = (db: Kysely<DatabaseSchema>, param: Param) => Compilable<Row>;

/** Runs read templates. */
export interface Reads {
  all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]>;
  first<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row | undefined>;
}

interface CompiledTemplate {
  sql: string;
  bind(values: readonly unknown[]): unknown[];
}

const MARKER = '\u0000param:';

/** Compiles templates for one engine (SQL text differs by dialect), once each. */
export class TemplateCompiler {
  private readonly compiled = new Map<ReadTemplate<unknown>, CompiledTemplate>();

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  compile(template: ReadTemplate<unknown>): CompiledTemplate {
    let compiled = this.compiled.get(template);
    if (compiled === undefined) {
      compiled = this.compileNew(template);
      this.compiled.set(template, compiled);
    }
    return compiled;
  }

  private compileNew(template: ReadTemplate<unknown>): CompiledTemplate {
    const param: Param = (index) => `${MARKER}${index}` as never;
    const { sql, parameters } = template(this.db, param).compile();
    // For each compiled parameter: the index of the value that fills it, or -1 for a constant.
    const slots = parameters.map((value) => {
      if (typeof value !== 'string' || !value.includes(MARKER)) return -1;
      if (!value.startsWith(MARKER)) {
        // e.g. `%${param(0)}%`: the template must take the finished value as its parameter.
        throw new Error(`A read template changed a parameter instead of passing it: ${sql}`);
      }
      return Number(value.slice(MARKER.length));
    });
    const arity = Math.max(-1, ...slots) + 1;
    return {
      sql,
      bind(values) {
        if (values.length !== arity) {
          throw new Error(`Read template takes ${arity} values, got ${values.length}: ${sql}`);
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

  async first<Row>(
    template: ReadTemplate<Row>,
    values: readonly unknown[],
  ): Promise<Row | undefined> {
    return (await this.all(template, values))[0];
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

/**
 * Straight on better-sqlite3's prepared statements (synchronous, so without Kysely's connection
 * mutex), each template on a statement of its own that returns rows as arrays (see rowBuilder).
 * While a transaction is open on the one connection — a group commit waiting between two of its
 * statements — a read here would see that transaction's uncommitted writes, so it goes through
 * Kysely instead and waits for the connection like any other query.
 */
export class SqliteReads implements Reads {
  private readonly readers = new Map<ReadTemplate<unknown>, RawReader>();

  constructor(
    private readonly statements: SqliteStatements,
    private readonly compiler: TemplateCompiler,
    private readonly whileInTransaction: Reads,
  ) {}

  all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    if (this.statements.inTransaction) return this.whileInTransaction.all(template, values);
    return this.run(template, ({ statement, bind, toRow }) =>
      (statement.all(...bind(values)) as unknown[][]).map((row) => toRow(row) as Row),
    );
  }

  first<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row | undefined> {
    if (this.statements.inTransaction) return this.whileInTransaction.first(template, values);
    return this.run(template, ({ statement, bind, toRow }) => {
      const row = statement.get(...bind(values)) as unknown[] | undefined;
      return row === undefined ? undefined : (toRow(row) as Row);
    });
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

/**
 * As named prepared statements on the pool: PostgreSQL parses and plans each text once per
 * connection instead of on every query (that was most of a primary-key read's cost).
 */
export class PostgresReads implements Reads {
  private readonly names = new Map<string, string>();
  private statementsNamed = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly compiler: TemplateCompiler,
  ) {}

  async all<Row>(template: ReadTemplate<Row>, values: readonly unknown[]): Promise<Row[]> {
    const { sql, bind } = this.compiler.compile(template as ReadTemplate<unknown>);
    const bound = bind(values);
    return translated(async () => {
      try {
        return (await this.pool.query({ name: this.nameOf(sql), text: sql, values: bound })).rows;
      } catch (error) {
        if ((error as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw error;
        // A migration changed a table under a statement prepared before it: prepare it afresh,
        // under a new name, on every connection.
        this.names.set(sql, this.newName());
        return (await this.pool.query({ name: this.nameOf(sql), text: sql, values: bound })).rows;
      }
    });
  }

  async first<Row>(
    template: ReadTemplate<Row>,
    values: readonly unknown[],
  ): Promise<Row | undefined> {
    return (await this.all(template, values))[0];
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
