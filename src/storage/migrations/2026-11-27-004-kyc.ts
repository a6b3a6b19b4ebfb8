import type { Kysely } from 'kysely';

/**
 * KYC lifecycle (SPEC §10): submissions (sealed: personal fields and documents are ciphertext),
 * the per-customer history of status moves, and the provider's due jobs, stored so that a
 * decision survives a restart. Frozen once shipped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kyc_submissions')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('submission_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('kyc_type', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    /** AES-256-GCM ciphertext of every submitted field (names, birth date, ids, documents). */
    .addColumn('sealed_data', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kyc_submissions_pk', ['business_id', 'submission_id'])
    .execute();
  await db.schema
    .createIndex('kyc_submissions_by_customer')
    .on('kyc_submissions')
    .columns(['business_id', 'customer_id', 'submitted_at'])
    .execute();

  await db.schema
    .createTable('kyc_history')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('requirements_due', 'text', (c) => c.notNull())
    .addColumn('submission_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kyc_history_pk', ['business_id', 'customer_id', 'entry_id'])
    .execute();

  await db.schema
    .createTable('kyc_jobs')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('submission_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_reference', 'text')
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('claim_token', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kyc_jobs_pk', ['business_id', 'job_id'])
    .execute();
  await db.schema.createIndex('kyc_jobs_due').on('kyc_jobs').columns(['due_at']).execute();
  await db.schema
    .createIndex('kyc_jobs_by_customer')
    .on('kyc_jobs')
    .columns(['business_id', 'customer_id'])
    .execute();

  // The operator CLI names a customer by id alone (`clientele kyc approve <customer_id>`).
  await db.schema
    .createIndex('customers_by_customer_id')
    .on('customers')
    .column('customer_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('customers_by_customer_id').execute();
  await db.schema.dropTable('kyc_jobs').execute();
  await db.schema.dropTable('kyc_history').execute();
  await db.schema.dropTable('kyc_submissions').execute();
}
