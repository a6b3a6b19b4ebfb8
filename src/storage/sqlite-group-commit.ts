import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from './schema.js';
import type { Work } from './storage.js';

interface Pending {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Enough to amortise one fsync; small enough that one batch never holds the database long. */
const MAX_BATCH = 256;

/**
 * Group commit for SQLite. With `synchronous=FULL` every COMMIT waits for an fsync, which caps a
 * one-transaction-per-request server at a few hundred writes a second. Here the transactions that
 * arrive during one turn of the event loop run in ONE database transaction, each inside its own
 * savepoint (a failing one rolls back alone), and all are answered only after the single COMMIT
 * is on disk. Atomicity and durability per caller are unchanged: each caller's writes commit
 * together or not at all, and nothing is acknowledged before it is durable.
 */
export class SqliteGroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    /** Runs one caller's work on the batch's connection (its repositories, made for it). */
    private readonly runOn: <T>(connection: Kysely<DatabaseSchema>, work: Work<T>) => Promise<T>,
  ) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Wait for the rest of this event-loop turn: every request already read joins the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** The one connection: busy while a batch is scheduled or committing; queued transactions wait. */
  stats(): { total: number; idle: number; waiting: number } {
    return { total: 1, idle: this.scheduled ? 0 : 1, waiting: this.queue.length };
  }

  /**
   * One batch per turn of the event loop. Transactions queued while it ran — a caller's next
   * transaction, chained on the last one's answer, as the webhook dispatcher chains its fan-outs
   * — wait for the next turn, where the requests read meanwhile join them. Committing them at
   * once held the event loop through the whole chain: under 2,000 creates a second the
   * dispatcher's catching up, once a second, froze every request for 44–123 ms.
   */
  private async drain(): Promise<void> {
    try {
      await this.commit(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.scheduled = false;
      if (this.queue.length > 0) {
        this.scheduled = true;
        setImmediate(() => void this.drain());
      }
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          for (const pending of batch) outcomes.push(await this.unit(connection, pending.work));
          await sql`commit`.execute(connection);
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => {});
          throw error;
        }
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  private async unit(connection: Kysely<DatabaseSchema>, work: Work<unknown>): Promise<Outcome> {
    await sql`savepoint unit`.execute(connection);
    try {
      const value = await this.runOn(connection, work);
      await sql`release unit`.execute(connection);
      return { ok: true, value };
    } catch (error) {
      await sql`rollback to unit`.execute(connection);
      await sql`release unit`.execute(connection);
      return { ok: false, error };
    }
  }
}
