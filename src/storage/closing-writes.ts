import { CompiledQuery, type Kysely } from 'kysely';
import type { NamedWrites } from './postgres-named-writes.js';
import type { DatabaseSchema } from './schema.js';
import type { TemplateCompiler, WriteTemplate } from './statement-templates.js';

/**
 * The closing statements named at most this long: those of a create, an update, a delete or a KYC
 * move, made again and again. The dispatcher's marks are one part an event, so each size of batch
 * is a text of its own, rarely run twice.
 */
const NAMED_PARTS_AT_MOST = 4;

interface Added {
  template: WriteTemplate;
  values: readonly unknown[];
}

/**
 * The writes a transaction makes last, whose outcome its work does not wait for: an outbox event,
 * an event's dispatch mark, the response of an idempotency record, the customer count changes.
 * On PostgreSQL they go to the database as one statement (`asOneStatement`) instead of a round
 * trip each: under creates, V8's profile put ~45 % of the server's busy time in the writes to
 * PostgreSQL's sockets, each of which wakes a backend. On SQLite, where a statement costs no
 * round trip, they run one after another.
 *
 * For whoever adds one, two rules follow:
 * - the transaction's own statements do not see them, as they run after its work: nothing may read
 *   them inside the transaction that writes them;
 * - no two of one transaction may change the same row: PostgreSQL runs the parts of one statement
 *   on one snapshot, in no set order, and does not allow a row to be changed twice by them.
 */
export class ClosingWrites {
  private readonly added: Added[] = [];

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly compiler: TemplateCompiler,
    /** On PostgreSQL, its named writes: the writes then go as one statement, named if short. */
    private readonly postgres?: NamedWrites,
  ) {}

  add(template: WriteTemplate, values: readonly unknown[]): void {
    this.added.push({ template, values });
  }

  /** Makes the writes added so far, in the order they were added, and forgets them. */
  async write(): Promise<void> {
    const statements = this.added.splice(0).map(({ template, values }) => {
      const { sql, bind } = this.compiler.compile(template);
      return CompiledQuery.raw(sql, bind(values));
    });
    if (this.postgres && statements.length > 1) {
      const combined = asOneStatement(statements);
      if (statements.length <= NAMED_PARTS_AT_MOST) this.postgres.add(combined.sql);
      await this.db.executeQuery(combined);
      return;
    }
    for (const statement of statements) {
      this.postgres?.add(statement.sql);
      await this.db.executeQuery(statement);
    }
  }
}

/**
 * PostgreSQL statements (`$n` parameters) as one: `with w0 as (<first>), w1 as (<second>), …
 * select 1`, the parameters of each numbered after the ones before. PostgreSQL runs every
 * data-modifying WITH query to completion, whether or not the main query reads it.
 */
export function asOneStatement(statements: readonly CompiledQuery[]): CompiledQuery {
  const parts: string[] = [];
  const parameters: unknown[] = [];
  for (const [index, { sql, parameters: own }] of statements.entries()) {
    // A literal could hold a `$1` that is not a parameter; templates pass every value as one.
    if (sql.includes("'") || sql.includes('$$')) {
      throw new Error(`A closing write must not hold literals: ${sql}`);
    }
    const offset = parameters.length;
    parts.push(`w${index} as (${sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`)})`);
    parameters.push(...own);
  }
  return CompiledQuery.raw(`with ${parts.join(', ')} select 1`, parameters);
}
