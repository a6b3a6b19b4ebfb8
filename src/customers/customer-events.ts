import { uuidv7 } from '../lib/ids.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { CustomerRecord, OutboxEventRecord } from '../storage/records.js';
import { type CustomerView, presentCustomer } from './customer-view.js';

export type CustomerEventType =
  | 'customer.created'
  | 'customer.updated'
  | 'customer.deleted'
  | 'customer.kyc.approved'
  | 'customer.kyc.rejected';

/** Wire fields whose old values `previous_attributes` reports; `updated_at` always moves. */
const TRACKED_FIELDS = (
  Object.keys(presentCustomer({} as CustomerRecord)) as Array<keyof CustomerView>
).filter((field) => field !== 'updated_at');

/** The changed fields' values before the change, as the `customer.updated` payload carries them. */
export function previousAttributes(
  before: CustomerRecord,
  after: CustomerRecord,
): Partial<CustomerView> {
  const old = presentCustomer(before);
  const now = presentCustomer(after);
  const changed: Partial<CustomerView> = {};
  for (const field of TRACKED_FIELDS) {
    if (JSON.stringify(old[field]) !== JSON.stringify(now[field])) {
      Object.assign(changed, { [field]: old[field] });
    }
  }
  return changed;
}

/**
 * An outbox event about a customer (SPEC §9). Its payload is the customer as the API shows it —
 * never identity documents — plus `previous_attributes` for updates.
 */
export function customerEvent(
  type: CustomerEventType,
  customer: CustomerRecord,
  at: Date,
  previous?: Partial<CustomerView>,
): OutboxEventRecord {
  return {
    businessId: customer.businessId,
    eventId: uuidv7(at.getTime()),
    eventType: type,
    customerId: customer.customerId,
    payload: { ...presentCustomer(customer), ...(previous && { previous_attributes: previous }) },
    createdAt: toTimestamp(at),
  };
}
