/**
 * Table shapes as Kysely sees them. Timestamps are text in the wire format (see
 * lib/timestamps.ts) so that both engines store, compare and return them identically.
 * Every tenant-owned table leads with `business_id`: it is the distribution column when the
 * tables are sharded by business (docs/scaling.md).
 */

export interface BusinessesTable {
  business_id: string;
  account_id: string;
  name: string;
  email: string;
  secret_hash: string;
  created_at: string;
  updated_at: string;
}

export interface AccessTokensTable {
  business_id: string;
  jti: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface CustomersTable {
  business_id: string;
  customer_id: string;
  customer_name: string;
  customer_email: string;
  /** Lower-cased email: the case-insensitive uniqueness key and the `email` filter's column. */
  email_lower: string;
  /** Lower-cased name (Unicode-aware, done in JS: SQLite's lower() only folds ASCII) for `search`. */
  name_lower: string;
  customer_phone: string;
  customer_country: string;
  /** JSON text of the address object, or null. */
  customer_address: string | null;
  customer_type: string;
  customer_status: string;
  customer_kyc_status: string;
  customer_kyc_reject_reason: string | null;
  can_create_vc: number;
  can_create_va: number;
  kyc_verified_date: string | null;
  /** AES-256-GCM ciphertext of the identity-document fields; never leaves the service. */
  identity_document: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/**
 * Live (non-deleted) customers per business, kept in the same transaction as every insert and
 * delete, so an unfiltered `total` reads a few rows instead of counting the table. A business's
 * live count and version are the sums over its rows (migration 006); each transaction moves one
 * row, so concurrent writers to one business rarely wait for each other.
 */
export interface CustomerCountShardsTable {
  business_id: string;
  shard: number;
  /** This row's share of the live count: may be negative (a delete counted on another row). */
  live_customers: number;
  /** This row's share of the version, which goes up with every change to a customer (005). */
  version: number;
}

export interface IdempotencyKeysTable {
  business_id: string;
  idempotency_key: string;
  fingerprint: string;
  response_status: number;
  response_body: string;
  created_at: string;
  expires_at: string;
}

export interface OutboxEventsTable {
  business_id: string;
  event_id: string;
  event_type: string;
  customer_id: string | null;
  /** JSON text of the event's `payload`. */
  payload: string;
  created_at: string;
  /** When the webhook dispatcher fanned the event out; null until then. */
  dispatched_at: string | null;
}

export interface WebhookEndpointsTable {
  business_id: string;
  endpoint_id: string;
  url: string;
  /** JSON array of subscribed event types; `["*"]` is every event. */
  events: string;
  enabled: number;
  /** AES-GCM ciphertext of the signing secret: deliveries must be signed with it. */
  secret: string;
  /** The secret before the last regenerate, still signed with until it expires (24 h). */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  business_id: string;
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The exact JSON body sent (and signed) on every attempt. */
  body: string;
  /** `pending`, `delivered`, `failed` or `cancelled` (endpoint deleted). */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  /** The dispatcher that claimed the delivery, and until when its claim holds. */
  lease_token: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  business_id: string;
  delivery_id: string;
  attempt: number;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempted_at: string;
  response_status: number | null;
  error: string | null;
  next_retry_at: string | null;
}

/** One KYC submission; every submitted field is in `sealed_data`, encrypted. */
export interface KycSubmissionsTable {
  business_id: string;
  submission_id: string;
  customer_id: string;
  kyc_type: string;
  provider: string;
  sealed_data: string;
  submitted_at: string;
}

/** Every move of a customer's KYC status, with who made it and why. */
export interface KycHistoryTable {
  business_id: string;
  customer_id: string;
  entry_id: string;
  from_status: string;
  to_status: string;
  cause: string;
  actor: string;
  /** JSON arrays of strings. */
  reasons: string;
  requirements_due: string;
  submission_id: string | null;
  created_at: string;
}

/** A provider decision waiting to be asked for; claimed with a lease so it runs once. */
export interface KycJobsTable {
  business_id: string;
  job_id: string;
  customer_id: string;
  submission_id: string;
  provider: string;
  provider_reference: string | null;
  due_at: string;
  attempts: number;
  claim_token: string | null;
  lease_expires_at: string | null;
  created_at: string;
}

export interface DatabaseSchema {
  businesses: BusinessesTable;
  access_tokens: AccessTokensTable;
  customers: CustomersTable;
  customer_count_shards: CustomerCountShardsTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox_events: OutboxEventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  kyc_submissions: KycSubmissionsTable;
  kyc_history: KycHistoryTable;
  kyc_jobs: KycJobsTable;
}
