import { describe, expect, it } from 'vitest';
import { KYC_STATUSES } from '../customers/customer-fields.js';
import type { KycCause } from '../storage/kyc-repository.js';
import { isAllowedMove } from './kyc-states.js';

/** SPEC §10's diagram, written out independently of kyc-states.ts: these moves and no others. */
const ALLOWED = new Set([
  'submission: not_started → under_review',
  'resubmission: rejected → under_review',
  'resubmission: incomplete → under_review',
  'provider_decision: under_review → approved',
  'provider_decision: under_review → rejected',
  'provider_decision: under_review → manual_review',
  'provider_decision: under_review → incomplete',
  'provider_decision: manual_review → approved',
  'provider_decision: manual_review → rejected',
  'operator_decision: under_review → approved',
  'operator_decision: under_review → rejected',
  'operator_decision: manual_review → approved',
  'operator_decision: manual_review → rejected',
]);
const CAUSES: KycCause[] = ['submission', 'resubmission', 'provider_decision', 'operator_decision'];

describe('the KYC state machine', () => {
  it('allows exactly the moves of SPEC §10', () => {
    const allowed: string[] = [];
    for (const cause of CAUSES)
      for (const from of KYC_STATUSES)
        for (const to of KYC_STATUSES)
          if (isAllowedMove(cause, from, to)) allowed.push(`${cause}: ${from} → ${to}`);
    expect(new Set(allowed)).toEqual(ALLOWED);
  });
});
