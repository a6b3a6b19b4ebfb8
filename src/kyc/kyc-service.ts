import { customerEvent, previousAttributes } from '../customers/customer-events.js';
import { customerNotFound } from '../customers/customer-service.js';
import { type FieldErrors, FieldValidationError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import { isUuid, uuidv7 } from '../lib/ids.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { KycHistoryRecord, KycJobRecord } from '../storage/kyc-repository.js';
import type { CustomerRecord } from '../storage/records.js';
import type { Repositories } from '../storage/storage.js';
import { type KycSubmissionInput, typeFieldErrors } from './kyc-fields.js';
import { moveKyc } from './kyc-moves.js';
import { flagsFor, statusFromKyc } from './kyc-states.js';
import type { KycVault } from './kyc-vault.js';
import type { KycProvider, ProviderOutcome } from './providers/provider.js';

export interface KycStatusReport {
  customer: CustomerRecord;
  history: KycHistoryRecord[];
  rejectionReasons: string[];
  requirementsDue: string[];
}

/** The operator's actor name in history. */
export const OPERATOR = 'operator';

/**
 * KYC use cases (SPEC §10). Writes take the transaction's repositories from the caller, so each
 * move commits with whatever else the caller writes (the idempotency record, the job's completion).
 */
export class KycService {
  constructor(
    private readonly clock: Clock,
    private readonly vault: KycVault,
    readonly provider: KycProvider,
  ) {}

  /** Throws the whole 422 field map of a submission: the schema's errors plus the rules that
   * depend on `type` and on today's date. */
  assertValidSubmission(body: unknown, schemaErrors: FieldErrors | undefined): void {
    const today = this.clock.now().toISOString().slice(0, 10);
    const invalid = typeFieldErrors(body, schemaErrors ?? {}, today);
    if (invalid) throw new FieldValidationError(invalid);
  }

  /** Stores the sealed submission, schedules the provider's decision and moves to under_review. */
  async submit(
    repos: Repositories,
    businessId: string,
    input: KycSubmissionInput,
    cause: 'submission' | 'resubmission',
  ): Promise<CustomerRecord> {
    const customer = await this.find(repos, businessId, input.customer_id);
    if (customer.type !== input.type) {
      throw new FieldValidationError({
        type: [`The type field must match the customer's type (${customer.type}).`],
      });
    }
    const now = this.clock.now();
    const submissionId = uuidv7(now.getTime());
    // The move is checked first: a refused submission stores nothing.
    const moved = await moveKyc(
      repos,
      customer,
      { to: 'under_review', cause, actor: 'business', submissionId },
      now,
    );
    await repos.kyc.insertSubmission({
      businessId,
      submissionId,
      customerId: customer.customerId,
      kycType: input.type,
      provider: this.provider.name,
      sealedData: this.vault.seal(businessId, customer.customerId, submissionId, input),
      submittedAt: toTimestamp(now),
    });
    await repos.kyc.insertJob({
      businessId,
      jobId: uuidv7(now.getTime()),
      customerId: customer.customerId,
      submissionId,
      provider: this.provider.name,
      providerReference: null,
      dueAt: toTimestamp(this.provider.firstCheckAt(now)),
      attempts: 0,
      claimToken: null,
      leaseExpiresAt: null,
      createdAt: toTimestamp(now),
    });
    return moved;
  }

  async status(repos: Repositories, businessId: string, customerId: string) {
    const customer = await this.find(repos, businessId, customerId);
    const history = await repos.kyc.listHistory(businessId, customerId);
    const last = history.at(-1);
    const current = last?.to === customer.kycStatus ? last : undefined;
    return {
      customer,
      history,
      rejectionReasons: customer.kycStatus === 'rejected' ? (current?.reasons ?? []) : [],
      requirementsDue: customer.kycStatus === 'incomplete' ? (current?.requirementsDue ?? []) : [],
    } satisfies KycStatusReport;
  }

  /** The decrypted submission a job is about, for the provider; undefined if it is gone. */
  async submissionFor(repos: Repositories, job: KycJobRecord) {
    const stored = await repos.kyc.findSubmission(job.businessId, job.submissionId);
    if (!stored) return undefined;
    return this.vault.open(job.businessId, job.customerId, job.submissionId, stored.sealedData);
  }

  /**
   * Applies a provider's outcome for a job the caller has just completed or rescheduled in this
   * transaction. An outcome about a submission that is no longer the customer's current one, or
   * for a customer no longer waiting on the provider (an operator decided, it was deleted), is
   * dropped: it changes nothing.
   */
  async applyOutcome(repos: Repositories, job: KycJobRecord, outcome: ProviderOutcome) {
    if (outcome.decision === 'pending') return;
    const customer = await repos.customers.findLive(job.businessId, job.customerId);
    if (!customer || !['under_review', 'manual_review'].includes(customer.kycStatus)) return;
    const history = await repos.kyc.listHistory(job.businessId, job.customerId);
    const latestSubmission = history.findLast((entry) => entry.submissionId !== null);
    if (latestSubmission?.submissionId !== job.submissionId) return;
    if (outcome.decision === 'manual_review' && customer.kycStatus === 'manual_review') return;
    await moveKyc(
      repos,
      customer,
      {
        to: outcome.decision,
        cause: 'provider_decision',
        actor: `provider:${job.provider}`,
        reasons: 'reasons' in outcome ? outcome.reasons : [],
        requirementsDue: 'requirementsDue' in outcome ? outcome.requirementsDue : [],
        submissionId: job.submissionId,
      },
      this.clock.now(),
    );
  }

  /** `clientele kyc approve|reject`: from under_review or manual_review only. */
  async operatorDecide(
    repos: Repositories,
    customerId: string,
    decision: { to: 'approved' } | { to: 'rejected'; reason: string },
  ): Promise<CustomerRecord> {
    const customer = await this.findForOperator(repos, customerId);
    const reasons = decision.to === 'rejected' ? [decision.reason] : [];
    const moved = await moveKyc(
      repos,
      customer,
      { to: decision.to, cause: 'operator_decision', actor: OPERATOR, reasons },
      this.clock.now(),
    );
    // The operator decided: a provider answer still due must not move the customer again.
    await repos.kyc.deleteJobsOf(customer.businessId, customer.customerId);
    return moved;
  }

  /**
   * `clientele customer suspend|reactivate`. Suspension zeroes `can_create_*`; reactivation
   * restores the status and flags the KYC state gives. Repeating either changes nothing.
   */
  async setSuspended(repos: Repositories, customerId: string, suspended: boolean) {
    const customer = await this.findForOperator(repos, customerId);
    if ((customer.status === 'suspended') === suspended) return { customer, changed: false };
    const status = suspended ? 'suspended' : statusFromKyc(customer.kycStatus);
    const now = this.clock.now();
    const updated = await repos.customers.setKycState(customer.businessId, customerId, {
      status,
      kycStatus: customer.kycStatus,
      kycRejectReason: customer.kycRejectReason,
      ...flagsFor({ kycStatus: customer.kycStatus, status }),
      kycVerifiedDate: customer.kycVerifiedDate,
      updatedAt: toTimestamp(now),
    });
    if (!updated) throw customerNotFound();
    await repos.events.append(
      customerEvent('customer.updated', updated, now, previousAttributes(customer, updated)),
    );
    return { customer: updated, changed: true };
  }

  private async find(repos: Repositories, businessId: string, customerId: string) {
    if (!isUuid(customerId)) throw customerNotFound();
    const customer = await repos.customers.findLive(businessId, customerId);
    if (!customer) throw customerNotFound();
    return customer;
  }

  private async findForOperator(repos: Repositories, customerId: string) {
    if (!isUuid(customerId)) throw customerNotFound();
    const businessId = await repos.customers.findBusinessIdOf(customerId);
    if (businessId === undefined) throw customerNotFound();
    return this.find(repos, businessId, customerId);
  }
}
