import type { Kysely, Selectable } from 'kysely';
import { supportsRowLocks } from './dialect.js';
import { translated } from './errors.js';
import type { DatabaseSchema, WebhookAttemptsTable, WebhookDeliveriesTable } from './schema.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** One event to one endpoint; `body` is sent byte for byte on every attempt. */
export interface WebhookDeliveryRecord {
  businessId: string;
  deliveryId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One attempt at a delivery, as the delivery log shows it. */
export interface WebhookAttemptRecord {
  businessId: string;
  deliveryId: string;
  attempt: number;
  endpointId: string;
  eventId: string;
  eventType: string;
  attemptedAt: string;
  responseStatus: number | null;
  error: string | null;
  nextRetryAt: string | null;
}

export interface DeliveryLease {
  token: string;
  expiresAt: string;
}

export interface WebhookDeliveryRepository {
  insert(delivery: WebhookDeliveryRecord): Promise<void>;
  find(businessId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined>;
  /**
   * Claims up to `limit` pending deliveries due at `now` whose lease (if any) has expired, under
   * `lease`. Call inside a transaction: on PostgreSQL the rows are locked with SKIP LOCKED, so
   * concurrent dispatchers claim disjoint sets.
   */
  claimDue(now: string, lease: DeliveryLease, limit: number): Promise<WebhookDeliveryRecord[]>;
  /**
   * Stores an attempt and the delivery's new state, only while `leaseToken` still holds the
   * delivery (so a dispatcher whose lease expired cannot overwrite another's result).
   * Returns false when the lease was lost and nothing was written.
   */
  recordAttempt(
    attempt: WebhookAttemptRecord,
    leaseToken: string,
    status: DeliveryStatus,
  ): Promise<boolean>;
  /** Makes a delivery due now again (manual retry); its attempt count continues. */
  scheduleNow(businessId: string, deliveryId: string, now: string): Promise<void>;
  /** Cancels the endpoint's pending deliveries (it was deleted). */
  cancelPending(businessId: string, endpointId: string, now: string): Promise<number>;
  /** The endpoint's attempts, newest first. */
  listAttempts(
    businessId: string,
    endpointId: string,
    page: { offset: number; limit: number },
  ): Promise<WebhookAttemptRecord[]>;
  countAttempts(businessId: string, endpointId: string): Promise<number>;
  /** Every delivery of a business, oldest first (for tests and audits). */
  listForBusiness(businessId: string): Promise<WebhookDeliveryRecord[]>;
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDeliveryRecord {
  return {
    businessId: row.business_id,
    deliveryId: row.delivery_id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    body: row.body,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttemptRecord {
  return {
    businessId: row.business_id,
    deliveryId: row.delivery_id,
    attempt: Number(row.attempt),
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    attemptedAt: row.attempted_at,
    responseStatus: row.response_status === null ? null : Number(row.response_status),
    error: row.error,
    nextRetryAt: row.next_retry_at,
  };
}

export class KyselyWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  insert(d: WebhookDeliveryRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('webhook_deliveries')
        .values({
          business_id: d.businessId,
          delivery_id: d.deliveryId,
          endpoint_id: d.endpointId,
          event_id: d.eventId,
          event_type: d.eventType,
          body: d.body,
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.nextAttemptAt,
          lease_token: null,
          lease_expires_at: null,
          created_at: d.createdAt,
          updated_at: d.updatedAt,
        })
        .execute();
    });
  }

  find(businessId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('delivery_id', '=', deliveryId)
        .executeTakeFirst();
      return row && toDelivery(row);
    });
  }

  claimDue(now: string, lease: DeliveryLease, limit: number): Promise<WebhookDeliveryRecord[]> {
    return translated(async () => {
      let query = this.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) =>
          eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]),
        )
        .orderBy('next_attempt_at')
        .limit(limit);
      if (supportsRowLocks(this.db)) query = query.forUpdate().skipLocked();
      const rows = await query.execute();
      for (const row of rows) {
        await this.db
          .updateTable('webhook_deliveries')
          .set({ lease_token: lease.token, lease_expires_at: lease.expiresAt })
          .where('business_id', '=', row.business_id)
          .where('delivery_id', '=', row.delivery_id)
          .execute();
      }
      return rows.map(toDelivery);
    });
  }

  recordAttempt(
    a: WebhookAttemptRecord,
    leaseToken: string,
    status: DeliveryStatus,
  ): Promise<boolean> {
    return translated(async () => {
      const updated = await this.db
        .updateTable('webhook_deliveries')
        .set({
          status,
          attempts: a.attempt,
          next_attempt_at: a.nextRetryAt,
          lease_token: null,
          lease_expires_at: null,
          updated_at: a.attemptedAt,
        })
        .where('business_id', '=', a.businessId)
        .where('delivery_id', '=', a.deliveryId)
        .where('lease_token', '=', leaseToken)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      await this.db
        .insertInto('webhook_attempts')
        .values({
          business_id: a.businessId,
          delivery_id: a.deliveryId,
          attempt: a.attempt,
          endpoint_id: a.endpointId,
          event_id: a.eventId,
          event_type: a.eventType,
          attempted_at: a.attemptedAt,
          response_status: a.responseStatus,
          error: a.error,
          next_retry_at: a.nextRetryAt,
        })
        .execute();
      return true;
    });
  }

  scheduleNow(businessId: string, deliveryId: string, now: string): Promise<void> {
    return translated(async () => {
      await this.db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: now, updated_at: now })
        .where('business_id', '=', businessId)
        .where('delivery_id', '=', deliveryId)
        .execute();
    });
  }

  cancelPending(businessId: string, endpointId: string, now: string): Promise<number> {
    return translated(async () => {
      const result = await this.db
        .updateTable('webhook_deliveries')
        .set({ status: 'cancelled', next_attempt_at: null, updated_at: now })
        .where('business_id', '=', businessId)
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  listAttempts(
    businessId: string,
    endpointId: string,
    page: { offset: number; limit: number },
  ): Promise<WebhookAttemptRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('endpoint_id', '=', endpointId)
        .orderBy('attempted_at', 'desc')
        .orderBy('delivery_id', 'desc')
        .orderBy('attempt', 'desc')
        .offset(page.offset)
        .limit(page.limit)
        .execute();
      return rows.map(toAttempt);
    });
  }

  countAttempts(businessId: string, endpointId: string): Promise<number> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('webhook_attempts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('business_id', '=', businessId)
        .where('endpoint_id', '=', endpointId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  listForBusiness(businessId: string): Promise<WebhookDeliveryRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('business_id', '=', businessId)
        .orderBy('created_at')
        .orderBy('delivery_id')
        .execute();
      return rows.map(toDelivery);
    });
  }
}
