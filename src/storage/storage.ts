import { type Kysely, Migrator, sql } from 'kysely';
import type pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import { type BusinessRepository, KyselyBusinessRepository } from './business-repository.js';
import { ClosingWrites } from './closing-writes.js';
import { CustomerCountChanges } from './customer-count-changes.js';
import { type CustomerRepository, KyselyCustomerRepository } from './customer-repository.js';
import {
  createKysely,
  type Engine,
  type EngineOptions,
  type PoolStats,
  withSortsOnDisk,
} from './dialect.js';
import { translated } from './errors.js';
import { type EventRepository, KyselyEventRepository } from './event-repository.js';
import {
  type IdempotencyRepository,
  KyselyIdempotencyRepository,
} from './idempotency-repository.js';
import { type KycRepository, KyselyKycRepository } from './kyc-repository.js';
import { migrationProvider } from './migrations/index.js';
import { ReadCache } from './read-cache.js';
import type { DatabaseSchema } from './schema.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import type { SqliteReadThread } from './sqlite-read-thread.js';
import {
  KyselyReads,
  PostgresReads,
  type Reads,
  SqliteReads,
  TemplateCompiler,
  TemplateWrites,
} from './statement-templates.js';
import { KyselyTokenRepository, type TokenRepository } from './token-repository.js';
import type { DurableLog } from './wal-file.js';
import {
  KyselyWebhookDeliveryRepository,
  type WebhookDeliveryRepository,
} from './webhook-delivery-repository.js';
import {
  KyselyWebhookEndpointRepository,
  type WebhookEndpointRepository,
} from './webhook-endpoint-repository.js';

/**
 * Rows per business that its customer count changes are spread over (customer-count-changes.ts).
 * SQLite has one writer, so its writes never wait on a row: one row keeps the reads to one. On
 * PostgreSQL each row written stays locked until COMMIT; with 16, the pool's concurrent writers
 * to one business rarely pick the same.
 */
const COUNT_SHARDS: Record<DatabaseTarget['engine'], number> = { sqlite: 1, postgres: 16 };

/** What `Storage.transaction` runs. */
export type Work<T> = (repositories: Repositories) => Promise<T>;

export interface Repositories {
  customers: CustomerRepository;
  events: EventRepository;
  businesses: BusinessRepository;
  tokens: TokenRepository;
  idempotency: IdempotencyRepository;
  webhookEndpoints: WebhookEndpointRepository;
  webhookDeliveries: WebhookDeliveryRepository;
  kyc: KycRepository;
}

/**
 * The application's whole view of the database. `transaction` runs its work atomically: all of
 * its writes commit together or none does.
 */
export interface Storage extends Repositories {
  readonly engine: DatabaseTarget['engine'];
  transaction<T>(work: Work<T>): Promise<T>;
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Connection counts, for the metrics; optional so that test doubles need not provide it. */
  poolStats?(): PoolStats;
}

/**
 * `reads` runs the hot read templates; inside a transaction, on the transaction's `db`. The
 * write templates always run on `db`. Customer count changes are spread over `countShards` rows
 * per business; `countChanges`: inside a transaction, where its changes wait to be written last.
 */
function repositoriesOn(
  db: Kysely<DatabaseSchema>,
  reads: Reads,
  writes: TemplateWrites,
  countShards: number,
  countChanges?: CustomerCountChanges,
): Repositories {
  return {
    customers: new KyselyCustomerRepository(db, reads, writes, countShards, countChanges),
    events: new KyselyEventRepository(db, writes),
    businesses: new KyselyBusinessRepository(db),
    tokens: new KyselyTokenRepository(db, reads),
    idempotency: new KyselyIdempotencyRepository(db, reads, writes),
    webhookEndpoints: new KyselyWebhookEndpointRepository(db),
    webhookDeliveries: new KyselyWebhookDeliveryRepository(db),
    kyc: new KyselyKycRepository(db),
  };
}

export class KyselyStorage implements Storage {
  readonly customers: CustomerRepository;
  readonly events: EventRepository;
  readonly businesses: BusinessRepository;
  readonly tokens: TokenRepository;
  readonly idempotency: IdempotencyRepository;
  readonly webhookEndpoints: WebhookEndpointRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly kyc: KycRepository;
  readonly engine: DatabaseTarget['engine'];
  private readonly db: Kysely<DatabaseSchema>;
  private readonly pool: pg.Pool | undefined;
  private readonly groupCommit: SqliteGroupCommit | undefined;
  private readonly log: DurableLog | undefined;
  private readonly readThread: SqliteReadThread | undefined;
  private readonly runInTransaction: <T>(trx: Kysely<DatabaseSchema>, work: Work<T>) => Promise<T>;

  /**
   * @param openMigrationDb where `migrate` runs, closed after it; without it, on `engine.db`.
   */
  constructor(
    engine: Engine,
    readCacheRows: number,
    private readonly openMigrationDb?: () => Kysely<DatabaseSchema>,
  ) {
    this.engine = engine.engine;
    this.db = engine.db;
    const compiler = new TemplateCompiler(engine.db);
    // The work's customer count changes go last, with its other closing writes, so that the
    // count row it writes is locked for as short a time as possible (customer-count-changes.ts).
    const countShards = COUNT_SHARDS[engine.engine];
    const named = engine.engine === 'postgres' ? engine.namedWrites : undefined;
    this.runInTransaction = async (trx, work) => {
      const closing = new ClosingWrites(trx, compiler, named);
      const writes = new TemplateWrites(trx, compiler, { closing, named });
      const countChanges = new CustomerCountChanges(countShards);
      const result = await work(
        repositoriesOn(trx, new KyselyReads(trx, compiler), writes, countShards, countChanges),
      );
      await countChanges.write(writes);
      await closing.write();
      return result;
    };
    // Outside transactions the hot reads go straight to the engine (statement-templates.ts).
    let reads: Reads;
    if (engine.engine === 'sqlite') {
      // SQLite has one writer and pays an fsync per commit: batch commits. PostgreSQL runs
      // transactions concurrently on its pool and batches WAL flushes itself.
      const groupCommit = new SqliteGroupCommit(engine.db, this.runInTransaction, engine.log);
      reads = new SqliteReads(
        engine.statements,
        compiler,
        new KyselyReads(engine.db, compiler),
        new ReadCache(readCacheRows),
        groupCommit,
        engine.readThread,
      );
      this.groupCommit = groupCommit;
      this.log = engine.log;
      this.readThread = engine.readThread;
    } else {
      reads = new PostgresReads(engine.pool, compiler);
      this.pool = engine.pool;
    }
    ({
      customers: this.customers,
      events: this.events,
      businesses: this.businesses,
      tokens: this.tokens,
      idempotency: this.idempotency,
      webhookEndpoints: this.webhookEndpoints,
      webhookDeliveries: this.webhookDeliveries,
      kyc: this.kyc,
    } = repositoriesOn(
      engine.db,
      reads,
      new TemplateWrites(engine.db, compiler, { named }),
      countShards,
    ));
  }

  transaction<T>(work: Work<T>): Promise<T> {
    if (this.groupCommit) return translated(() => this.groupCommit!.run(work));
    return translated(() =>
      this.db.transaction().execute((trx) => this.runInTransaction(trx, work)),
    );
  }

  async migrate(): Promise<void> {
    const db = this.openMigrationDb?.() ?? this.db;
    try {
      const migrator = await migratorFor(db, this.engine);
      // The Migrator reports failure in its result instead of throwing.
      const toLatest = () => migrator.migrateToLatest();
      const { error, results } = await (this.engine === 'sqlite'
        ? withSortsOnDisk(db, toLatest)
        : toLatest());
      const failed = results?.find((result) => result.status === 'Error');
      if (error !== undefined) {
        throw new Error(`Migration ${failed?.migrationName ?? ''} failed`, { cause: error });
      }
    } finally {
      if (db !== this.db) await db.destroy();
    }
  }

  ping(): Promise<void> {
    return translated(async () => {
      this.groupCommit?.assertDurable();
      await sql`select 1`.execute(this.db);
    });
  }

  async close(): Promise<void> {
    // The thread first: the writer's connection is then the last to close, and checkpoints the
    // log into the database file as it did before there was a second connection.
    await this.readThread?.close();
    await this.db.destroy();
    await this.log?.close();
  }

  poolStats(): PoolStats {
    if (this.pool) {
      const { totalCount, idleCount, waitingCount } = this.pool;
      return { total: totalCount, idle: idleCount, waiting: waitingCount };
    }
    return this.groupCommit?.stats() ?? { total: 1, idle: 1, waiting: 0 };
  }
}

/** Kysely's migrator for the application's migrations on `db` (also used by tests that start
 * from an earlier schema). */
export async function migratorFor(
  db: Kysely<DatabaseSchema>,
  engine: DatabaseTarget['engine'],
): Promise<Migrator> {
  return new Migrator({
    db,
    provider: migrationProvider,
    // Kysely otherwise finds its bookkeeping tables in any schema of the database, and skips
    // creating them in ours when another schema (another tenant, a test) already has them.
    ...(engine === 'postgres' && { migrationTableSchema: await currentSchema(db) }),
  });
}

async function currentSchema(db: Kysely<DatabaseSchema>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema)
    throw new Error('The PostgreSQL connection has no current schema (check search_path)');
  return schema;
}

export function openStorage(target: DatabaseTarget, options: EngineOptions): Storage {
  // PostgreSQL's migrations run on a connection of their own without the statement time limit:
  // migration 007 builds an index in ~4.5 s for 1M customers (benchmark VM), against a default
  // limit of 5 s, and a larger registry could otherwise never start the new version. SQLite has
  // no statement limit, and an in-memory database lives on its one connection.
  const openMigrationDb =
    target.engine === 'postgres'
      ? () => createKysely(target, { ...options, poolSize: 1, unboundedStatements: true }).db
      : undefined;
  return new KyselyStorage(createKysely(target, options), options.readCacheRows, openMigrationDb);
}
