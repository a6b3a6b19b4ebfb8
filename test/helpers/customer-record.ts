import { uuidv7 } from '../../src/lib/ids.js';
import type { CustomerRecord, OutboxEventRecord } from '../../src/storage/records.js';

const CREATED_AT = '2026-01-01T00:00:00.000000Z';

/**
 * A customer record as the service would store it, for tests that write through the repositories:
 * a fresh id, an email made from it, no address or identity document, not yet verified.
 */
export function customerRecord(
  businessId: string,
  overrides: Partial<CustomerRecord> = {},
): CustomerRecord {
  const customerId = overrides.customerId ?? uuidv7();
  return {
    businessId,
    customerId,
    name: 'Test Customer',
    email: `c-${customerId}@example.com`,
    phone: '+19203751411',
    country: 'USA',
    address: null,
    type: 'individual',
    status: 'pending',
    kycStatus: 'not_started',
    kycRejectReason: null,
    canCreateVc: 0,
    canCreateVa: 0,
    kycVerifiedDate: null,
    identityDocument: null,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    ...overrides,
  };
}

/** The `customer.created` outbox event of `record` (its id made from the customer's). */
export function createdEvent(record: CustomerRecord): OutboxEventRecord {
  return {
    businessId: record.businessId,
    eventId: `evt-${record.customerId}`,
    eventType: 'customer.created',
    customerId: record.customerId,
    payload: { id: record.customerId },
    createdAt: record.createdAt,
  };
}
