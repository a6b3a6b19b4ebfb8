import { decisiveName } from '../kyc-fields.js';
import type { KycProvider, ProviderCheck, ProviderOutcome } from './provider.js';

export const SANDBOX_REJECT_REASON = 'Sandbox: the identity could not be verified.';
export const SANDBOX_REVIEW_REASON = 'Sandbox: flagged for manual review.';

/**
 * The offline provider (SPEC §10): decides `delaySeconds` after submission from the last name
 * (individuals) or business name (businesses), compared without case or surrounding spaces:
 * `Reject` → rejected, `Review` → manual review, `Incomplete` → incomplete, else approved.
 */
export class SandboxProvider implements KycProvider {
  readonly name = 'sandbox';

  constructor(private readonly delaySeconds: number) {}

  firstCheckAt(submittedAt: Date): Date {
    return new Date(submittedAt.getTime() + this.delaySeconds * 1000);
  }

  async check({ submission }: ProviderCheck): Promise<ProviderOutcome> {
    switch (decisiveName(submission).trim().toLowerCase()) {
      case 'reject':
        return { decision: 'rejected', reasons: [SANDBOX_REJECT_REASON] };
      case 'review':
        return { decision: 'manual_review', reasons: [SANDBOX_REVIEW_REASON] };
      case 'incomplete':
        return {
          decision: 'incomplete',
          requirementsDue:
            submission.type === 'business' ? ['business_formation_document'] : ['proof_of_address'],
        };
      default:
        return { decision: 'approved' };
    }
  }
}
