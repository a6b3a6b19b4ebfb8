import { customerEvent, previousAttributes } from '../customers/customer-events.js';
import { customerNotFound } from '../customers/customer-service.js';
import { uuidv7 } from '../lib/ids.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { KycCause } from '../storage/kyc-repository.js';
import type { CustomerRecord, KycState, KycStatus } from '../storage/records.js';
import type { Repositories } from '../storage/storage.js';
import { assertAllowedMove, capabilityFlag, statusAfterKyc } from './kyc-states.js';

export interface KycMove {
  to: KycStatus;
  cause: KycCause;
  actor: string;
  reasons?: string[];
  requirementsDue?: string[];
  submissionId?: string | null;
}

/**
 * Makes one KYC move in the caller's transaction: checks it is allowed (409 otherwise, before any
 * write), sets the KYC-derived customer columns, appends the history entry, and writes the
 * events — `customer.kyc.approved`/`customer.kyc.rejected` and `customer.updated` — to the
 * outbox, so the change, its history and its events commit together or not at all.
 */
export async function moveKyc(
  repos: Repositories,
  customer: CustomerRecord,
  move: KycMove,
  now: Date,
): Promise<CustomerRecord> {
  assertAllowedMove(move.cause, customer.kycStatus, move.to);
  const at = toTimestamp(now);
  const reasons = move.reasons ?? [];
  const status = statusAfterKyc(customer.status, move.to);
  const flag = capabilityFlag(move.to, status);
  const state: KycState = {
    status,
    kycStatus: move.to,
    kycRejectReason: move.to === 'rejected' ? reasons.join(' ') || 'Rejected.' : null,
    canCreateVc: flag,
    canCreateVa: flag,
    // The first approval's date stays, whatever happens later.
    kycVerifiedDate: customer.kycVerifiedDate ?? (move.to === 'approved' ? at : null),
    updatedAt: at,
  };
  const updated = await repos.customers.setKycState(
    customer.businessId,
    customer.customerId,
    state,
  );
  if (!updated) throw customerNotFound();
  await repos.kyc.appendHistory({
    businessId: customer.businessId,
    customerId: customer.customerId,
    entryId: uuidv7(now.getTime()),
    from: customer.kycStatus,
    to: move.to,
    cause: move.cause,
    actor: move.actor,
    reasons,
    requirementsDue: move.requirementsDue ?? [],
    submissionId: move.submissionId ?? null,
    createdAt: at,
  });
  if (move.to === 'approved') {
    await repos.events.append(customerEvent('customer.kyc.approved', updated, now));
  } else if (move.to === 'rejected') {
    await repos.events.append(customerEvent('customer.kyc.rejected', updated, now));
  }
  await repos.events.append(
    customerEvent('customer.updated', updated, now, previousAttributes(customer, updated)),
  );
  return updated;
}
