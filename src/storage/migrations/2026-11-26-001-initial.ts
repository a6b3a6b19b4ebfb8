import { type Kysely, sql } from 'kysely';

/** Frozen: never edit a migration that has shipped; add a new one. Portable DDL only. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('businesses')
    .addColumn('business_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('access_tokens')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('access_tokens_pk', ['business_id', 'jti'])
    .execute();
  await db.schema
    .createIndex('access_tokens_expiry')
    .on('access_tokens')
    .columns(['expires_at'])
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('customer_email', 'text', (c) => c.notNull())
    .addColumn('email_lower', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('customer_phone', 'text', (c) => c.notNull())
    .addColumn('customer_country', 'text', (c) => c.notNull())
    .addColumn('customer_address', 'text')
    .addColumn('customer_type', 'text', (c) => c.notNull())
    .addColumn('customer_status', 'text', (c) => c.notNull())
    .addColumn('customer_kyc_status', 'text', (c) => c.notNull())
    .addColumn('customer_kyc_reject_reason', 'text')
    .addColumn('can_create_vc', 'integer', (c) => c.notNull())
    .addColumn('can_create_va', 'integer', (c) => c.notNull())
    .addColumn('kyc_verified_date', 'text')
    .addColumn('identity_document', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addPrimaryKeyConstraint('customers_pk', ['business_id', 'customer_id'])
    .execute();
  await db.schema
    .createIndex('customers_live_email')
    .on('customers')
    .columns(['business_id', 'email_lower'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('customers_live_newest')
    .on('customers')
    .columns(['business_id', 'created_at', 'customer_id'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('customer_counts')
    .addColumn('business_id', 'text', (c) => c.primaryKey())
    .addColumn('live_customers', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['business_id', 'idempotency_key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expiry')
    .on('idempotency_keys')
    .columns(['expires_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'customer_counts',
    'customers',
    'access_tokens',
    'businesses',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
