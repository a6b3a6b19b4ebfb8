import type { Kysely, Selectable } from 'kysely';
import { translated } from './errors.js';
import type { IdempotencyRecord } from './records.js';
import type { DatabaseSchema, IdempotencyKeysTable } from './schema.js';
import type { Reads, ReadTemplate, TemplateWrites, WriteTemplate } from './statement-templates.js';

/** Stored outcomes of idempotent requests, keyed by business and key. */
export interface IdempotencyRepository {
  find(businessId: string, key: string, now: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Stores the outcome unless a live record holds the key (returns false then). An expired
   * record that was not purged yet is replaced. On PostgreSQL a concurrent insert of the same key
   * waits for the other transaction and then returns false.
   */
  tryInsert(record: IdempotencyRecord): Promise<boolean>;
  /**
   * Records the response of a key claimed by tryInsert in the same transaction, as one of its
   * closing writes (closing-writes.ts).
   */
  complete(businessId: string, key: string, status: number, body: string): Promise<void>;
  /** Deletes up to `limit` records expired at `before`; returns how many it deleted. */
  deleteExpired(before: string, limit: number): Promise<number>;
}

/** Looked up before every idempotent write. */
const liveKey: ReadTemplate<Selectable<IdempotencyKeysTable>> = (db, param) =>
  db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('business_id', '=', param<string>(0))
    .where('idempotency_key', '=', param<string>(1))
    .where('expires_at', '>', param<string>(2));

/**
 * Claims a key (the values of an IdempotencyRecord, in the order of `recordValues`) unless a live
 * record holds it: a record expired at the new one's creation (`param(5)`) is replaced.
 */
const claimKey: WriteTemplate = (db, param) => {
  const values = {
    business_id: param<string>(0),
    idempotency_key: param<string>(1),
    fingerprint: param<string>(2),
    response_status: param<number>(3),
    response_body: param<string>(4),
    created_at: param<string>(5),
    expires_at: param<string>(6),
  };
  return db
    .insertInto('idempotency_keys')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns(['business_id', 'idempotency_key'])
        .doUpdateSet(values)
        .where('idempotency_keys.expires_at', '<=', param<string>(5)),
    );
};

const completeKey: WriteTemplate = (db, param) =>
  db
    .updateTable('idempotency_keys')
    .set({ response_status: param<number>(2), response_body: param<string>(3) })
    .where('business_id', '=', param<string>(0))
    .where('idempotency_key', '=', param<string>(1));

function recordValues(record: IdempotencyRecord): unknown[] {
  return [
    record.businessId,
    record.key,
    record.fingerprint,
    record.responseStatus,
    record.responseBody,
    record.createdAt,
    record.expiresAt,
  ];
}

export class KyselyIdempotencyRepository implements IdempotencyRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly reads: Reads,
    private readonly writes: TemplateWrites,
  ) {}

  async find(businessId: string, key: string, now: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.reads.firstBatched(liveKey, [businessId, key, now]);
    return (
      row && {
        businessId: row.business_id,
        key: row.idempotency_key,
        fingerprint: row.fingerprint,
        responseStatus: Number(row.response_status),
        responseBody: row.response_body,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    );
  }

  tryInsert(record: IdempotencyRecord): Promise<boolean> {
    return translated(async () => (await this.writes.run(claimKey, recordValues(record))) === 1);
  }

  complete(businessId: string, key: string, status: number, body: string): Promise<void> {
    return translated(async () => {
      await this.writes.runLast(completeKey, [businessId, key, status, body]);
    });
  }

  deleteExpired(before: string, limit: number): Promise<number> {
    return translated(async () => {
      const result = await this.db
        .deleteFrom('idempotency_keys')
        .where((eb) =>
          eb(
            eb.refTuple('business_id', 'idempotency_key'),
            'in',
            eb
              .selectFrom('idempotency_keys')
              .select(['business_id', 'idempotency_key'])
              .where('expires_at', '<=', before)
              .limit(limit)
              .$asTuple('business_id', 'idempotency_key'),
          ),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
