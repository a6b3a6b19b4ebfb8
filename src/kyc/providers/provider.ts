import type { KycSubmissionInput } from '../kyc-fields.js';

/**
 * A verification provider: the one thing a real KYC vendor integration implements (one file in
 * this folder, registered in ./index.ts). The lifecycle stores the submission, then asks
 * `check` at `firstCheckAt` — from a stored due job, outside any database transaction, so a
 * provider may call its vendor's API — until it answers with a decision.
 */
export interface KycProvider {
  /** Stored with each submission and job, and shown in history as `provider:<name>`. */
  readonly name: string;
  /** When to first ask for a decision about a submission made at `submittedAt`. */
  firstCheckAt(submittedAt: Date): Date;
  /** Asked when the job is due. May throw: the job is retried later with backoff. */
  check(request: ProviderCheck): Promise<ProviderOutcome>;
}

export interface ProviderCheck {
  customerId: string;
  submissionId: string;
  /** The decrypted submission. Never log it. */
  submission: KycSubmissionInput;
  /** What the previous `pending` outcome asked to keep (a vendor's case id), or null. */
  reference: string | null;
  /** How many times this job was asked before. */
  attempts: number;
  now: Date;
}

export type ProviderOutcome =
  | { decision: 'approved' }
  | { decision: 'rejected'; reasons: string[] }
  | { decision: 'incomplete'; requirementsDue: string[] }
  /** A person must look; with `checkAgainAt` the provider is asked again then (it may decide). */
  | { decision: 'manual_review'; reasons?: string[]; checkAgainAt?: Date }
  /** No decision yet: ask again at `checkAgainAt`, keeping `reference`. */
  | { decision: 'pending'; reference: string | null; checkAgainAt: Date };
