import { type Kysely, sql } from 'kysely';
import { StorageUnavailableError } from './errors.js';
import type { DatabaseSchema } from './schema.js';
import type { Work } from './storage.js';
import type { DurableLog } from './wal-file.js';

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
 *
 * With the database's write-ahead log at hand (`log`), the fsync leaves the event loop too: see
 * `commitThenSync`.
 */
export class SqliteGroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** From a batch's BEGIN until its commit is durable: reads must wait for the connection. */
  private holding = false;
  /** Called when `holding` ends (`readsReleased`). */
  private readonly released: Array<() => void> = [];
  /** Set when an fsync of the log failed: from then on every write is refused. */
  private lost: StorageUnavailableError | undefined;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    /** Runs one caller's work on the batch's connection (its repositories, made for it). */
    private readonly runOn: <T>(connection: Kysely<DatabaseSchema>, work: Work<T>) => Promise<T>,
    private readonly log?: DurableLog,
  ) {}

  /**
   * Whether a read straight on the connection now could see a batch that is not durable yet
   * (`SqliteReads` then waits for the connection, as it waits for any open transaction).
   */
  get holdsReads(): boolean {
    return this.holding;
  }

  /**
   * Resolves once no batch holds reads, at once if none does. A read on another connection
   * (sqlite-read-thread.ts) sees every commit, also a batch's whose fsync is not done: answered
   * after this, it shows nothing that is not durable.
   */
  readsReleased(): Promise<void> {
    if (!this.holding) return Promise.resolve();
    return new Promise((resolve) => this.released.push(resolve));
  }

  /** Throws once the log could not be made durable (`commitThenSync`). */
  assertDurable(): void {
    if (this.lost) throw this.lost;
  }

  run<T>(work: Work<T>): Promise<T> {
    if (this.lost) return Promise.reject(this.lost);
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
    if (this.lost) {
      for (const pending of batch) pending.reject(this.lost);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      await this.db
        .connection()
        .execute((connection) =>
          this.log
            ? this.commitThenSync(connection, this.log, batch, outcomes)
            : this.transact(connection, batch, outcomes),
        );
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

  /** The batch as one transaction, each unit in a savepoint; its outcomes go to `outcomes`. */
  private async transact(
    connection: Kysely<DatabaseSchema>,
    batch: Pending[],
    outcomes: Outcome[],
  ): Promise<void> {
    await sql`begin immediate`.execute(connection);
    try {
      for (const pending of batch) outcomes.push(await this.unit(connection, pending.work));
      await sql`commit`.execute(connection);
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => {});
      throw error;
    }
  }

  /**
   * `transact`, with the log's fsync made from libuv's thread pool instead of inside the COMMIT.
   * Under `synchronous=FULL` SQLite fsyncs the log in the COMMIT, and the event loop waits that
   * long: under 2,500 creates a second on the benchmark VM, 0.9 ms at the median and 11 ms at the
   * 99th percentile of ~30 creates' batches, while no other request could be read or answered.
   * Here the COMMIT only writes the log, and the batch is answered once `log.sync()` has it on
   * disk: nothing is acknowledged before it is durable, as before.
   *
   * Nothing is seen before it is durable either: reads wait (`holdsReads`) from the BEGIN until
   * the fsync, as they waited for the COMMIT. The setting can change only outside a transaction;
   * it is FULL again before the connection goes to any other writer. If the fsync fails, the
   * batch's writes are in the database but may not be on disk, and which later pages the kernel
   * still holds is not known, so every write from then on is refused (503; `/readyz` fails) until
   * the server restarts and SQLite recovers the log as the disk has it.
   */
  private async commitThenSync(
    connection: Kysely<DatabaseSchema>,
    log: DurableLog,
    batch: Pending[],
    outcomes: Outcome[],
  ): Promise<void> {
    await sql`pragma synchronous = NORMAL`.execute(connection);
    this.holding = true;
    try {
      await this.transact(connection, batch, outcomes);
      await log.sync().catch((error: unknown) => {
        this.lost = new StorageUnavailableError(
          new Error('The fsync of the write-ahead log failed: writes are refused until restart', {
            cause: error,
          }),
        );
        throw this.lost;
      });
    } finally {
      this.holding = false;
      for (const release of this.released.splice(0)) release();
      await sql`pragma synchronous = FULL`.execute(connection);
    }
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
