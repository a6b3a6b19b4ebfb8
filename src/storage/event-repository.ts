import type { Kysely, Selectable } from 'kysely';
import { supportsRowLocks } from './dialect.js';
import { translated } from './errors.js';
import type { OutboxEventRecord } from './records.js';
import type { DatabaseSchema, OutboxEventsTable } from './schema.js';
import type { TemplateWrites, WriteTemplate } from './statement-templates.js';

/**
 * The transactional outbox. Append inside the change's transaction; dispatch reads it later. In
 * a transaction, `append` and `markDispatched` are closing writes (closing-writes.ts): made at its
 * end, so the transaction itself does not see them.
 */
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

/** Written with every change to a customer. */
const appendEvent: WriteTemplate = (db, param) =>
  db.insertInto('outbox_events').values({
    business_id: param<string>(0),
    event_id: param<string>(1),
    event_type: param<string>(2),
    customer_id: param<string | null>(3),
    payload: param<string>(4),
    created_at: param<string>(5),
    dispatched_at: null,
  });

/** Once for every event, by the dispatcher. */
const markEventDispatched: WriteTemplate = (db, param) =>
  db
    .updateTable('outbox_events')
    .set({ dispatched_at: param<string>(2) })
    .where('business_id', '=', param<string>(0))
    .where('event_id', '=', param<string>(1));

export class KyselyEventRepository implements EventRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly writes: TemplateWrites,
  ) {}

  append(event: OutboxEventRecord): Promise<void> {
    return translated(async () => {
      await this.writes.runLast(appendEvent, [
        event.businessId,
        event.eventId,
        event.eventType,
        event.customerId,
        JSON.stringify(event.payload),
        event.createdAt,
      ]);
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
      await this.writes.runLast(markEventDispatched, [businessId, eventId, at]);
    });
  }
}
