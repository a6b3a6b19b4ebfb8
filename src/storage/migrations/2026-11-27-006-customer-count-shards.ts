import { type Kysely, sql } from 'kysely';

/**
 * `customer_counts` becomes `customer_count_shards`: a business's live count and version are the
 * sums of a few rows, each transaction moving one of them (storage/customer-count-changes.ts).
 * With one row, every write to a business's customers locked that row until COMMIT and
 * concurrent writers to one business waited for each other on PostgreSQL. Existing counts move to
 * shard 0, so totals and versions carry on from where they were. Frozen once shipped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customer_count_shards')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('live_customers', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_count_shards_pk', ['business_id', 'shard'])
    .execute();
  await sql`insert into customer_count_shards (business_id, shard, live_customers, version)
    select business_id, 0, live_customers, version from customer_counts`.execute(db);
  await db.schema.dropTable('customer_counts').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customer_counts')
    .addColumn('business_id', 'text', (c) => c.primaryKey())
    .addColumn('live_customers', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into customer_counts (business_id, live_customers, version)
    select business_id, sum(live_customers), sum(version) from customer_count_shards
    group by business_id`.execute(db);
  await db.schema.dropTable('customer_count_shards').execute();
}
