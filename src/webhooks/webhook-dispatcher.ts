import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { uuidv7 } from '../lib/ids.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { Repositories, Storage } from '../storage/storage.js';
import type { WebhookDeliveryRecord } from '../storage/webhook-delivery-repository.js';
import type { WebhookEndpointRecord } from '../storage/webhook-endpoint-repository.js';
import { nextRetryAt, type Random } from './retry-schedule.js';
import { signatureHeaders } from './signing.js';
import { eventBody, subscribes } from './webhook-events.js';
import type { WebhookSender } from './webhook-sender.js';
import type { WebhookService } from './webhook-service.js';

const FAN_OUT_BATCH = 200;
const SEND_BATCH = 50;
/** A claim outlives the longest attempt by a wide margin; after it a crashed dispatcher's
 * deliveries are taken over by another instance. */
const LEASE_MS = 60_000;
const POLL_INTERVAL_MS = 1000;

export interface DispatcherOptions {
  storage: Storage;
  clock: Clock;
  sender: WebhookSender;
  webhooks: WebhookService;
  logger: FastifyBaseLogger;
  random?: Random;
  pollIntervalMs?: number;
}

/**
 * Moves outbox events to endpoints (SPEC §9). Runs in every instance: fan-out claims events and
 * sending claims deliveries in transactions (SKIP LOCKED on PostgreSQL, the single writer on
 * SQLite), so two instances never fan out the same event or send the same attempt.
 * Tests call `runOnce()` with a fake clock; servers call `start()`.
 */
export class WebhookDispatcher {
  private readonly random: Random;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Fans out every undispatched event, then sends every due delivery once. */
  async runOnce(): Promise<void> {
    while ((await this.fanOut()) > 0);
    const leaseToken = randomUUID();
    while (!this.stopped && (await this.sendDue(leaseToken)) > 0);
  }

  start(): void {
    const loop = () => {
      this.running = this.runOnce()
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error }, 'webhook dispatch failed; will retry'),
        )
        .finally(() => {
          if (!this.stopped)
            this.timer = setTimeout(loop, this.options.pollIntervalMs ?? POLL_INTERVAL_MS);
        });
    };
    loop();
  }

  /** Stops polling and waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.options.sender.close();
  }

  /**
   * One transaction: claim events, create their deliveries, mark them dispatched (the marks are
   * closing writes: on PostgreSQL one statement for the whole batch).
   */
  private fanOut(): Promise<number> {
    const { storage, clock } = this.options;
    return storage.transaction(async (repos) => {
      const events = await repos.events.claimUndispatched(FAN_OUT_BATCH);
      const endpointsOf = new Map<string, WebhookEndpointRecord[]>();
      const now = clock.now();
      const timestamp = toTimestamp(now);
      for (const event of events) {
        let endpoints = endpointsOf.get(event.businessId);
        if (!endpoints) {
          endpoints = await repos.webhookEndpoints.list(event.businessId);
          endpointsOf.set(event.businessId, endpoints);
        }
        let body: string | undefined;
        for (const endpoint of endpoints) {
          if (!endpoint.enabled || !subscribes(endpoint, event.eventType)) continue;
          // Made only for an event someone subscribes to: most businesses have no endpoint.
          body ??= eventBody(event.eventType, event.eventId, event.createdAt, event.payload);
          await repos.webhookDeliveries.insert({
            businessId: event.businessId,
            deliveryId: uuidv7(now.getTime()),
            endpointId: endpoint.endpointId,
            eventId: event.eventId,
            eventType: event.eventType,
            body,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: timestamp,
            createdAt: timestamp,
            updatedAt: timestamp,
          });
        }
        await repos.events.markDispatched(event.businessId, event.eventId, timestamp);
      }
      return events.length;
    });
  }

  private async sendDue(leaseToken: string): Promise<number> {
    const { storage, clock } = this.options;
    const now = clock.now();
    const lease = { token: leaseToken, expiresAt: toTimestamp(new Date(now.getTime() + LEASE_MS)) };
    const claimed = await storage.transaction((repos) =>
      repos.webhookDeliveries.claimDue(toTimestamp(now), lease, SEND_BATCH),
    );
    await Promise.all(claimed.map((delivery) => this.attempt(delivery, leaseToken)));
    return claimed.length;
  }

  private async attempt(delivery: WebhookDeliveryRecord, leaseToken: string): Promise<void> {
    const { storage, clock, sender, webhooks } = this.options;
    const endpoint = await storage.webhookEndpoints.find(delivery.businessId, delivery.endpointId);
    if (!endpoint?.enabled) {
      await this.inTransaction((repos) =>
        repos.webhookDeliveries.cancelPending(
          delivery.businessId,
          delivery.endpointId,
          toTimestamp(clock.now()),
        ),
      );
      return;
    }
    const sentAt = clock.now();
    const headers = signatureHeaders(
      delivery.eventId,
      sentAt,
      delivery.body,
      webhooks.signingSecrets(endpoint, sentAt),
    );
    const outcome = await sender.send(endpoint.url, delivery.body, headers);
    const attempt = delivery.attempts + 1;
    const delivered = outcome.error === null;
    const retryAt = delivered
      ? null
      : nextRetryAt(new Date(delivery.createdAt), sentAt, attempt, this.random);
    const recorded = await this.inTransaction((repos) =>
      repos.webhookDeliveries.recordAttempt(
        {
          businessId: delivery.businessId,
          deliveryId: delivery.deliveryId,
          attempt,
          endpointId: delivery.endpointId,
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          attemptedAt: toTimestamp(sentAt),
          responseStatus: outcome.status,
          error: outcome.error,
          nextRetryAt: retryAt && toTimestamp(retryAt),
        },
        leaseToken,
        delivered ? 'delivered' : retryAt ? 'pending' : 'failed',
      ),
    );
    if (!recorded) {
      this.options.logger.warn(
        { deliveryId: delivery.deliveryId },
        'webhook lease lost before the attempt was recorded',
      );
    }
  }

  private inTransaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.options.storage.transaction(work);
  }
}
