import type { Kysely } from 'kysely';

/**
 * `customer_counts.version`: goes up with every change to any customer of the business, in the
 * change's own transaction. A list page computed at version v is the same page for as long as
 * the business is at v, which is what lets the list route keep pages (routes/customers). Frozen
 * once shipped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('customer_counts')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customer_counts').dropColumn('version').execute();
}
