import type { Kysely, Selectable } from 'kysely';
import { supportsRowLocks } from './dialect.js';
import { translated } from './errors.js';
import type { OutboxEventRecord } from './records.js';
import type { DatabaseSchema, OutboxEventsTable } from './schema.js';

/** The transactional outbox. Append inside the change's transaction; dispatch reads it later. */
export interface EventRepository {
  append(event: OutboxEventRecord): Promise<void>;
  /** Events not dispatched yet, oldest first. */
  listUndispatched(limit: number): Promise<OutboxEventRecord[]>;
  /**
   * Like `listUndispatched`, for fanning out inside a transaction: on PostgreSQL the rows are
   * locked with SKIP LOCKED, so concurrent dispatchers take disjoint events.
   */
  claimUndispatched(limit: number): Promise<OutboxEventRecord[]>;
  /** Events of one business, oldest first (for tests and audits). */
  listForBusiness(businessId: string): Promise<OutboxEventRecord[]>;
  markDispatched(businessId: string, eventId: string, at: string): Promise<void>;
}

function toRecord(row: Selectable<OutboxEventsTable>): OutboxEventRecord {
  return {
    businessId: row.business_id,
    eventId: row.event_id,
    eventType: row.event_type,
    customerId: row.customer_id,
    payload: JSON.parse(row.payload),
    createdAt: row.created_at,
  };
}

export class KyselyEventRepository implements EventRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  append(event: OutboxEventRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('outbox_events')
        .values({
          business_id: event.businessId,
          event_id: event.eventId,
          event_type: event.eventType,
          customer_id: event.customerId,
          payload: JSON.stringify(event.payload),
          created_at: event.createdAt,
          dispatched_at: null,
        })
        .execute();
    });
  }

  listUndispatched(limit: number): Promise<OutboxEventRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('outbox_events')
        .selectAll()
        .where('dispatched_at', 'is', null)
        .orderBy('created_at')
        .orderBy('event_id')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    });
  }

  claimUndispatched(limit: number): Promise<OutboxEventRecord[]> {
    return translated(async () => {
      let query = this.db
        .selectFrom('outbox_events')
        .selectAll()
        .where('dispatched_at', 'is', null)
        .orderBy('created_at')
        .orderBy('event_id')
        .limit(limit);
      if (supportsRowLocks(this.db)) query = query.forUpdate().skipLocked();
      return (await query.execute()).map(toRecord);
    });
  }

  listForBusiness(businessId: string): Promise<OutboxEventRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('outbox_events')
        .selectAll()
        .where('business_id', '=', businessId)
        .orderBy('created_at')
        .orderBy('event_id')
        .execute();
      return rows.map(toRecord);
    });
  }

  markDispatched(businessId: string, eventId: string, at: string): Promise<void> {
    return translated(async () => {
      await this.db
        .updateTable('outbox_events')
        .set({ dispatched_at: at })
        .where('business_id', '=', businessId)
        .where('event_id', '=', eventId)
        .execute();
    });
  }
}
