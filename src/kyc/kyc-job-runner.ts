import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { KycJobRecord } from '../storage/kyc-repository.js';
import type { Storage } from '../storage/storage.js';
import type { KycService } from './kyc-service.js';
import type { ProviderOutcome } from './providers/provider.js';

export interface KycJobRunnerOptions {
  /** How often `start()` looks for due jobs. */
  intervalMs?: number;
  /** How long a claim lasts: a runner that dies holding a job delays it by at most this. */
  leaseSeconds?: number;
  batchSize?: number;
}

const MAX_BACKOFF_SECONDS = 3600;

/**
 * Runs the provider's due jobs (SPEC §10): every instance runs one. A job is claimed with a
 * lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two instances never claim the same one), the
 * provider is asked outside any transaction, and the job's completion commits in the same
 * transaction as the decision — only while the claim is still ours — so each decision is
 * applied exactly once, across restarts and instances.
 */
export class KycJobRunner {
  private readonly intervalMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly kyc: KycService,
    private readonly logger: FastifyBaseLogger,
    options: KycJobRunnerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.leaseMs = (options.leaseSeconds ?? 60) * 1000;
    this.batchSize = options.batchSize ?? 20;
  }

  /** Runs every job due now; resolves with how many were finished. Calls overlap into one run. */
  runDue(): Promise<number> {
    this.current ??= this.drain().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  /** Polls for due jobs until `stop()`. */
  start(): void {
    const tick = async () => {
      try {
        await this.runDue();
      } catch (error) {
        this.logger.warn({ err: error }, 'kyc jobs: run failed; will retry');
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the run in progress, so the database can be closed after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current?.catch(() => {});
  }

  private async drain(): Promise<number> {
    let finished = 0;
    let claimed: KycJobRecord[];
    do {
      const token = randomUUID();
      const now = this.clock.now();
      claimed = await this.storage.transaction((repos) =>
        repos.kyc.claimDueJobs(
          toTimestamp(now),
          toTimestamp(new Date(now.getTime() + this.leaseMs)),
          token,
          this.batchSize,
        ),
      );
      for (const job of claimed) if (await this.run(job, token)) finished += 1;
    } while (claimed.length === this.batchSize && !this.stopped);
    return finished;
  }

  private async run(job: KycJobRecord, token: string): Promise<boolean> {
    try {
      const submission = await this.kyc.submissionFor(this.storage, job);
      // A job without its submission has nothing to decide; it is only completed.
      const outcome = submission
        ? await this.kyc.provider.check({
            customerId: job.customerId,
            submissionId: job.submissionId,
            submission,
            reference: job.providerReference,
            attempts: job.attempts,
            now: this.clock.now(),
          })
        : undefined;
      return await this.storage.transaction(async (repos) => {
        const later = outcome && checkAgainAt(outcome);
        const held = later
          ? await repos.kyc.rescheduleJob(
              {
                ...job,
                ...reference(outcome),
                dueAt: toTimestamp(later),
                attempts: job.attempts + 1,
              },
              token,
            )
          : await repos.kyc.completeJob(job.businessId, job.jobId, token);
        // Our lease ran out and another runner took the job over: it decides, not us.
        if (!held) return false;
        if (outcome) await this.kyc.applyOutcome(repos, job, outcome);
        this.logger.info(
          { customerId: job.customerId, jobId: job.jobId, decision: outcome?.decision },
          'kyc provider outcome applied',
        );
        return true;
      });
    } catch (error) {
      this.logger.warn({ err: error, jobId: job.jobId }, 'kyc job failed; will retry');
      await this.retryLater(job, token);
      return false;
    }
  }

  /** Exponential backoff, so a provider outage is not hammered. */
  private async retryLater(job: KycJobRecord, token: string): Promise<void> {
    const delaySeconds = Math.min(2 ** job.attempts * 5, MAX_BACKOFF_SECONDS);
    const dueAt = new Date(this.clock.now().getTime() + delaySeconds * 1000);
    await this.storage
      .transaction((repos) =>
        repos.kyc.rescheduleJob(
          { ...job, dueAt: toTimestamp(dueAt), attempts: job.attempts + 1 },
          token,
        ),
      )
      .catch((error: unknown) => {
        // The lease runs out on its own; the job is picked up again then.
        this.logger.warn({ err: error, jobId: job.jobId }, 'kyc job could not be rescheduled');
      });
  }
}

function checkAgainAt(outcome: ProviderOutcome): Date | undefined {
  if (outcome.decision === 'pending') return outcome.checkAgainAt;
  if (outcome.decision === 'manual_review') return outcome.checkAgainAt;
  return undefined;
}

function reference(outcome: ProviderOutcome) {
  return outcome.decision === 'pending' ? { providerReference: outcome.reference } : {};
}
