import type { Kysely } from 'kysely';
import { translated } from './errors.js';
import type { IdempotencyRecord } from './records.js';
import type { DatabaseSchema } from './schema.js';

/** Stored outcomes of idempotent requests, keyed by business and key. */
export interface IdempotencyRepository {
  find(businessId: string, key: string, now: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Stores the outcome unless a live record holds the key (returns false then). An expired
   * record that was not purged yet is replaced. On PostgreSQL a concurrent insert of the same key
   * waits for the other transaction and then returns false.
   */
  tryInsert(record: IdempotencyRecord): Promise<boolean>;
  /** Records the response of a key claimed by tryInsert in the same transaction. */
  complete(businessId: string, key: string, status: number, body: string): Promise<void>;
  deleteExpired(before: string): Promise<number>;
}

export class KyselyIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  find(businessId: string, key: string, now: string): Promise<IdempotencyRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('idempotency_key', '=', key)
        .where('expires_at', '>', now)
        .executeTakeFirst();
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
    });
  }

  tryInsert(record: IdempotencyRecord): Promise<boolean> {
    return translated(async () => {
      const values = {
        business_id: record.businessId,
        idempotency_key: record.key,
        fingerprint: record.fingerprint,
        response_status: record.responseStatus,
        response_body: record.responseBody,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      };
      const result = await this.db
        .insertInto('idempotency_keys')
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['business_id', 'idempotency_key'])
            .doUpdateSet(values)
            .where('idempotency_keys.expires_at', '<=', record.createdAt),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    });
  }

  complete(businessId: string, key: string, status: number, body: string): Promise<void> {
    return translated(async () => {
      await this.db
        .updateTable('idempotency_keys')
        .set({ response_status: status, response_body: body })
        .where('business_id', '=', businessId)
        .where('idempotency_key', '=', key)
        .execute();
    });
  }

  deleteExpired(before: string): Promise<number> {
    return translated(async () => {
      const result = await this.db
        .deleteFrom('idempotency_keys')
        .where('expires_at', '<=', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
