import { type Kysely, sql } from 'kysely';

/**
 * The transactional outbox: every customer change writes its event here in the change's own
 * transaction; the webhook dispatcher fans events out to endpoints afterwards.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox_events')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('dispatched_at', 'text')
    .addPrimaryKeyConstraint('outbox_events_pk', ['business_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('outbox_events_undispatched')
    .on('outbox_events')
    .columns(['created_at', 'event_id'])
    .where(sql.ref('dispatched_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox_events').execute();
}
