import type { Kysely, Selectable } from 'kysely';
import { supportsRowLocks } from './dialect.js';
import { translated } from './errors.js';
import type { KycStatus } from './records.js';
import type { DatabaseSchema, KycHistoryTable, KycJobsTable } from './schema.js';

export interface KycSubmissionRecord {
  businessId: string;
  submissionId: string;
  customerId: string;
  kycType: 'individual' | 'business';
  provider: string;
  /** Ciphertext of the submitted fields; only the KYC vault opens it. */
  sealedData: string;
  submittedAt: string;
}

/** Who or what moved a customer's KYC status. */
export type KycCause = 'submission' | 'resubmission' | 'provider_decision' | 'operator_decision';

export interface KycHistoryRecord {
  businessId: string;
  customerId: string;
  entryId: string;
  from: KycStatus;
  to: KycStatus;
  cause: KycCause;
  /** `business` (the API caller), `operator` (the CLI) or `provider:<name>`. */
  actor: string;
  reasons: string[];
  requirementsDue: string[];
  submissionId: string | null;
  createdAt: string;
}

export interface KycJobRecord {
  businessId: string;
  jobId: string;
  customerId: string;
  submissionId: string;
  provider: string;
  providerReference: string | null;
  dueAt: string;
  attempts: number;
  /** Set while a runner holds the job; its completion must present the same token. */
  claimToken: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
}

/** KYC submissions, history and due jobs, one business at a time (except the job claim). */
export interface KycRepository {
  insertSubmission(submission: KycSubmissionRecord): Promise<void>;
  findSubmission(
    businessId: string,
    submissionId: string,
  ): Promise<KycSubmissionRecord | undefined>;
  appendHistory(entry: KycHistoryRecord): Promise<void>;
  /** Oldest first. */
  listHistory(businessId: string, customerId: string): Promise<KycHistoryRecord[]>;
  insertJob(job: KycJobRecord): Promise<void>;
  /**
   * Leases up to `limit` jobs that are due and not leased (or whose lease ran out) to
   * `claimToken` until `leaseUntil`. Call inside a transaction: on PostgreSQL the rows are picked
   * with `FOR UPDATE SKIP LOCKED`, so concurrent instances never claim the same job.
   */
  claimDueJobs(
    now: string,
    leaseUntil: string,
    claimToken: string,
    limit: number,
  ): Promise<KycJobRecord[]>;
  /** Deletes the job if `claimToken` still holds it; false when another runner took it over. */
  completeJob(businessId: string, jobId: string, claimToken: string): Promise<boolean>;
  /** Asks again at `dueAt` (releasing the lease) if `claimToken` still holds the job. */
  rescheduleJob(
    job: Pick<KycJobRecord, 'businessId' | 'jobId' | 'providerReference' | 'dueAt' | 'attempts'>,
    claimToken: string,
  ): Promise<boolean>;
  /** Drops a customer's pending jobs: an operator decided before the provider. */
  deleteJobsOf(businessId: string, customerId: string): Promise<void>;
  listJobsOf(businessId: string, customerId: string): Promise<KycJobRecord[]>;
}

function toHistory(row: Selectable<KycHistoryTable>): KycHistoryRecord {
  return {
    businessId: row.business_id,
    customerId: row.customer_id,
    entryId: row.entry_id,
    // Only the KYC service writes these columns, with values of these types.
    from: row.from_status as KycStatus,
    to: row.to_status as KycStatus,
    cause: row.cause as KycCause,
    actor: row.actor,
    reasons: JSON.parse(row.reasons),
    requirementsDue: JSON.parse(row.requirements_due),
    submissionId: row.submission_id,
    createdAt: row.created_at,
  };
}

function toJob(row: Selectable<KycJobsTable>): KycJobRecord {
  return {
    businessId: row.business_id,
    jobId: row.job_id,
    customerId: row.customer_id,
    submissionId: row.submission_id,
    provider: row.provider,
    providerReference: row.provider_reference,
    dueAt: row.due_at,
    attempts: Number(row.attempts),
    claimToken: row.claim_token,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
  };
}

export class KyselyKycRepository implements KycRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  insertSubmission(s: KycSubmissionRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('kyc_submissions')
        .values({
          business_id: s.businessId,
          submission_id: s.submissionId,
          customer_id: s.customerId,
          kyc_type: s.kycType,
          provider: s.provider,
          sealed_data: s.sealedData,
          submitted_at: s.submittedAt,
        })
        .execute();
    });
  }

  findSubmission(businessId: string, submissionId: string) {
    return translated(async (): Promise<KycSubmissionRecord | undefined> => {
      const row = await this.db
        .selectFrom('kyc_submissions')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('submission_id', '=', submissionId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        businessId: row.business_id,
        submissionId: row.submission_id,
        customerId: row.customer_id,
        kycType: row.kyc_type === 'business' ? 'business' : 'individual',
        provider: row.provider,
        sealedData: row.sealed_data,
        submittedAt: row.submitted_at,
      };
    });
  }

  appendHistory(e: KycHistoryRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('kyc_history')
        .values({
          business_id: e.businessId,
          customer_id: e.customerId,
          entry_id: e.entryId,
          from_status: e.from,
          to_status: e.to,
          cause: e.cause,
          actor: e.actor,
          reasons: JSON.stringify(e.reasons),
          requirements_due: JSON.stringify(e.requirementsDue),
          submission_id: e.submissionId,
          created_at: e.createdAt,
        })
        .execute();
    });
  }

  listHistory(businessId: string, customerId: string): Promise<KycHistoryRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('kyc_history')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('customer_id', '=', customerId)
        .orderBy('entry_id')
        .execute();
      return rows.map(toHistory);
    });
  }

  insertJob(job: KycJobRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('kyc_jobs')
        .values({
          business_id: job.businessId,
          job_id: job.jobId,
          customer_id: job.customerId,
          submission_id: job.submissionId,
          provider: job.provider,
          provider_reference: job.providerReference,
          due_at: job.dueAt,
          attempts: job.attempts,
          claim_token: job.claimToken,
          lease_expires_at: job.leaseExpiresAt,
          created_at: job.createdAt,
        })
        .execute();
    });
  }

  claimDueJobs(
    now: string,
    leaseUntil: string,
    claimToken: string,
    limit: number,
  ): Promise<KycJobRecord[]> {
    return translated(async () => {
      let query = this.db
        .selectFrom('kyc_jobs')
        .select(['business_id', 'job_id'])
        .where('due_at', '<=', now)
        .where((eb) =>
          eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]),
        )
        .orderBy('due_at')
        .limit(limit);
      if (supportsRowLocks(this.db)) query = query.forUpdate().skipLocked();
      const due = await query.execute();
      const claimed: KycJobRecord[] = [];
      for (const { business_id, job_id } of due) {
        const row = await this.db
          .updateTable('kyc_jobs')
          .set({ claim_token: claimToken, lease_expires_at: leaseUntil })
          .where('business_id', '=', business_id)
          .where('job_id', '=', job_id)
          .returningAll()
          .executeTakeFirst();
        if (row) claimed.push(toJob(row));
      }
      return claimed;
    });
  }

  completeJob(businessId: string, jobId: string, claimToken: string): Promise<boolean> {
    return translated(async () => {
      const result = await this.db
        .deleteFrom('kyc_jobs')
        .where('business_id', '=', businessId)
        .where('job_id', '=', jobId)
        .where('claim_token', '=', claimToken)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }

  rescheduleJob(
    job: Pick<KycJobRecord, 'businessId' | 'jobId' | 'providerReference' | 'dueAt' | 'attempts'>,
    claimToken: string,
  ): Promise<boolean> {
    return translated(async () => {
      const result = await this.db
        .updateTable('kyc_jobs')
        .set({
          provider_reference: job.providerReference,
          due_at: job.dueAt,
          attempts: job.attempts,
          claim_token: null,
          lease_expires_at: null,
        })
        .where('business_id', '=', job.businessId)
        .where('job_id', '=', job.jobId)
        .where('claim_token', '=', claimToken)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  deleteJobsOf(businessId: string, customerId: string): Promise<void> {
    return translated(async () => {
      await this.db
        .deleteFrom('kyc_jobs')
        .where('business_id', '=', businessId)
        .where('customer_id', '=', customerId)
        .execute();
    });
  }

  listJobsOf(businessId: string, customerId: string): Promise<KycJobRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('kyc_jobs')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('customer_id', '=', customerId)
        .execute();
      return rows.map(toJob);
    });
  }
}
