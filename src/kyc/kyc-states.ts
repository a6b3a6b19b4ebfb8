import { AppError } from '../lib/app-error.js';
import type { KycCause } from '../storage/kyc-repository.js';
import type { CustomerRecord, CustomerStatus, Flag, KycStatus } from '../storage/records.js';

/**
 * The KYC state machine of SPEC §10: for each cause, the moves it may make. Anything else is
 * refused with 409 `kyc_invalid_transition` before anything is written.
 */
const MOVES: Record<KycCause, Partial<Record<KycStatus, readonly KycStatus[]>>> = {
  submission: { not_started: ['under_review'] },
  resubmission: { rejected: ['under_review'], incomplete: ['under_review'] },
  provider_decision: {
    under_review: ['approved', 'rejected', 'manual_review', 'incomplete'],
    manual_review: ['approved', 'rejected'],
  },
  operator_decision: {
    under_review: ['approved', 'rejected'],
    manual_review: ['approved', 'rejected'],
  },
};

export function isAllowedMove(cause: KycCause, from: KycStatus, to: KycStatus): boolean {
  return MOVES[cause][from]?.includes(to) ?? false;
}

const VERB: Record<KycCause, string> = {
  submission: 'submit KYC',
  resubmission: 'resubmit KYC',
  provider_decision: 'record a provider decision',
  operator_decision: 'decide KYC',
};

export function assertAllowedMove(cause: KycCause, from: KycStatus, to: KycStatus): void {
  if (isAllowedMove(cause, from, to)) return;
  const allowedFrom = Object.keys(MOVES[cause]).join(' or ');
  throw new AppError(
    'kyc_invalid_transition',
    `Cannot ${VERB[cause]} (${to}) while the KYC status is ${from}; allowed from ${allowedFrom}.`,
  );
}

/** `can_create_vc`/`can_create_va`: 1 only while KYC is approved and the customer is active. */
export function capabilityFlag(kycStatus: KycStatus, status: CustomerStatus): Flag {
  return kycStatus === 'approved' && status === 'active' ? 1 : 0;
}

/** The customer's status after its KYC moved to `to`: approval activates, suspension sticks. */
export function statusAfterKyc(current: CustomerStatus, to: KycStatus): CustomerStatus {
  if (current === 'suspended') return 'suspended';
  return to === 'approved' ? 'active' : current;
}

/** The status a reactivated customer returns to: what its KYC state alone would give it. */
export function statusFromKyc(kycStatus: KycStatus): CustomerStatus {
  return kycStatus === 'approved' ? 'active' : 'pending';
}

export function flagsFor(customer: Pick<CustomerRecord, 'kycStatus' | 'status'>) {
  const flag = capabilityFlag(customer.kycStatus, customer.status);
  return { canCreateVc: flag, canCreateVa: flag };
}
