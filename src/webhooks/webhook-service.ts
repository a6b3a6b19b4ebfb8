import { AppError, FieldValidationError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { DataCipher } from '../lib/encryption.js';
import { isUuid, uuidv7 } from '../lib/ids.js';
import { toTimestamp } from '../lib/timestamps.js';
import { UniqueViolationError } from '../storage/errors.js';
import type { Repositories } from '../storage/storage.js';
import type {
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
} from '../storage/webhook-delivery-repository.js';
import type { WebhookEndpointRecord } from '../storage/webhook-endpoint-repository.js';
import { type AddressPolicy, webhookUrlProblem } from './address-guard.js';
import { generateWebhookSecret } from './signing.js';
import { eventBody, presentEndpoint, WEBHOOK_UPDATED } from './webhook-events.js';

export const MAX_ENDPOINTS_PER_BUSINESS = 10;
/** How long deliveries stay signed with the old secret too after a regenerate. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface EndpointInput {
  url?: string;
  events?: string[];
  enabled?: boolean;
}

/** An endpoint with its secret in clear: only what register and regenerate answer. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpointRecord;
  secret: string;
}

export interface AttemptPage {
  attempts: WebhookAttemptRecord[];
  total: number;
}

export const webhookNotFound = () => new AppError('webhook_not_found', 'Webhook not found');
const deliveryNotFound = () =>
  new AppError('webhook_delivery_not_found', 'Webhook delivery not found');

/** `[]` and `['*']` both mean every event; stored as `['*']`, otherwise deduplicated. */
function normaliseEvents(events: string[] | undefined): string[] {
  if (!events || events.length === 0 || events.includes('*')) return ['*'];
  return [...new Set(events)];
}

/**
 * Webhook endpoint use cases (SPEC §9). Writes take the caller's transaction, like customers.
 * Secrets are sealed with the DataCipher: unlike app secrets they cannot be hashed, since every
 * delivery is signed with them.
 */
export class WebhookService {
  constructor(
    private readonly clock: Clock,
    private readonly cipher: DataCipher,
    private readonly policy: AddressPolicy,
  ) {}

  /** 422 unless `url` may be an endpoint. Resolves DNS: call it before opening a transaction. */
  async assertUrlAllowed(url: string | undefined): Promise<void> {
    if (url === undefined) return;
    const problem = await webhookUrlProblem(url, this.policy);
    if (problem) throw new FieldValidationError({ url: [problem] });
  }

  async register(
    repos: Repositories,
    businessId: string,
    input: { url: string; events?: string[] },
  ): Promise<EndpointWithSecret> {
    const existing = await repos.webhookEndpoints.findByUrl(businessId, input.url);
    if (existing) {
      const endpoint = await this.update(repos, businessId, existing.endpointId, {
        events: normaliseEvents(input.events),
        enabled: true,
      });
      return { endpoint, secret: this.secretOf(endpoint) };
    }
    const endpoints = await repos.webhookEndpoints.list(businessId);
    if (endpoints.length >= MAX_ENDPOINTS_PER_BUSINESS) {
      throw new FieldValidationError({
        url: [`A business can register at most ${MAX_ENDPOINTS_PER_BUSINESS} webhook endpoints.`],
      });
    }
    const now = this.clock.now();
    const endpointId = uuidv7(now.getTime());
    const secret = generateWebhookSecret();
    const endpoint: WebhookEndpointRecord = {
      businessId,
      endpointId,
      url: input.url,
      events: normaliseEvents(input.events),
      enabled: true,
      secret: this.seal(businessId, endpointId, secret),
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: toTimestamp(now),
      updatedAt: toTimestamp(now),
    };
    await this.saving(() => repos.webhookEndpoints.insert(endpoint));
    await this.announce(repos, endpoint);
    return { endpoint, secret };
  }

  async update(
    repos: Repositories,
    businessId: string,
    endpointId: string,
    input: EndpointInput,
  ): Promise<WebhookEndpointRecord> {
    const current = await this.find(repos, businessId, endpointId);
    const now = toTimestamp(this.clock.now());
    const endpoint: WebhookEndpointRecord = {
      ...current,
      url: input.url ?? current.url,
      events: input.events === undefined ? current.events : normaliseEvents(input.events),
      enabled: input.enabled ?? current.enabled,
      updatedAt: now,
    };
    await this.saving(() => repos.webhookEndpoints.save(endpoint));
    if (!endpoint.enabled) await repos.webhookDeliveries.cancelPending(businessId, endpointId, now);
    await this.announce(repos, endpoint);
    return endpoint;
  }

  async delete(repos: Repositories, businessId: string, endpointId: string): Promise<void> {
    await this.find(repos, businessId, endpointId);
    await repos.webhookEndpoints.delete(businessId, endpointId);
    await repos.webhookDeliveries.cancelPending(
      businessId,
      endpointId,
      toTimestamp(this.clock.now()),
    );
  }

  async regenerateSecret(
    repos: Repositories,
    businessId: string,
    endpointId: string,
  ): Promise<EndpointWithSecret> {
    const current = await this.find(repos, businessId, endpointId);
    const now = this.clock.now();
    const secret = generateWebhookSecret();
    const endpoint: WebhookEndpointRecord = {
      ...current,
      secret: this.seal(businessId, endpointId, secret),
      previousSecret: current.secret,
      previousSecretExpiresAt: toTimestamp(new Date(now.getTime() + SECRET_OVERLAP_MS)),
      updatedAt: toTimestamp(now),
    };
    await repos.webhookEndpoints.save(endpoint);
    return { endpoint, secret };
  }

  list(repos: Repositories, businessId: string): Promise<WebhookEndpointRecord[]> {
    return repos.webhookEndpoints.list(businessId);
  }

  async listAttempts(
    repos: Repositories,
    businessId: string,
    endpointId: string,
    page: { page: number; perPage: number },
  ): Promise<AttemptPage> {
    await this.find(repos, businessId, endpointId);
    const [attempts, total] = await Promise.all([
      repos.webhookDeliveries.listAttempts(businessId, endpointId, {
        offset: (page.page - 1) * page.perPage,
        limit: page.perPage,
      }),
      repos.webhookDeliveries.countAttempts(businessId, endpointId),
    ]);
    return { attempts, total };
  }

  /** Makes a delivery due now, whatever its state (a failed one gets a new attempt). */
  async retry(
    repos: Repositories,
    businessId: string,
    endpointId: string,
    deliveryId: string,
  ): Promise<WebhookDeliveryRecord> {
    await this.find(repos, businessId, endpointId);
    const delivery = isUuid(deliveryId)
      ? await repos.webhookDeliveries.find(businessId, deliveryId)
      : undefined;
    if (!delivery || delivery.endpointId !== endpointId) throw deliveryNotFound();
    const now = toTimestamp(this.clock.now());
    await repos.webhookDeliveries.scheduleNow(businessId, deliveryId, now);
    return { ...delivery, status: 'pending', nextAttemptAt: now, updatedAt: now };
  }

  /** The secrets a delivery is signed with now: the current one, then the previous one while
   * its overlap lasts. */
  signingSecrets(endpoint: WebhookEndpointRecord, now: Date): [string, ...string[]] {
    const secrets: [string, ...string[]] = [this.secretOf(endpoint)];
    const { previousSecret, previousSecretExpiresAt } = endpoint;
    if (previousSecret && previousSecretExpiresAt && previousSecretExpiresAt > toTimestamp(now)) {
      secrets.push(this.cipher.decrypt(previousSecret, this.context(endpoint)));
    }
    return secrets;
  }

  private async find(
    repos: Repositories,
    businessId: string,
    endpointId: string,
  ): Promise<WebhookEndpointRecord> {
    // A malformed id names no endpoint: the same 404 as an unknown one, without a query.
    const endpoint = isUuid(endpointId)
      ? await repos.webhookEndpoints.find(businessId, endpointId)
      : undefined;
    if (!endpoint) throw webhookNotFound();
    return endpoint;
  }

  /** Queues `webhook_updated` to the endpoint, in the same transaction as its change. */
  private async announce(repos: Repositories, endpoint: WebhookEndpointRecord): Promise<void> {
    if (!endpoint.enabled) return;
    const now = this.clock.now();
    const timestamp = toTimestamp(now);
    const eventId = uuidv7(now.getTime());
    await repos.webhookDeliveries.insert({
      businessId: endpoint.businessId,
      deliveryId: uuidv7(now.getTime()),
      endpointId: endpoint.endpointId,
      eventId,
      eventType: WEBHOOK_UPDATED,
      body: eventBody(WEBHOOK_UPDATED, eventId, timestamp, presentEndpoint(endpoint)),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: timestamp,
      createdAt: timestamp,
      updatedAt: timestamp,
    });
  }

  private async saving(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (error instanceof UniqueViolationError) {
        throw new FieldValidationError({ url: ['This url is already registered.'] });
      }
      throw error;
    }
  }

  private secretOf(endpoint: WebhookEndpointRecord): string {
    return this.cipher.decrypt(endpoint.secret, this.context(endpoint));
  }

  private seal(businessId: string, endpointId: string, secret: string): string {
    return this.cipher.encrypt(secret, this.context({ businessId, endpointId }));
  }

  private context(endpoint: Pick<WebhookEndpointRecord, 'businessId' | 'endpointId'>): string {
    return `webhook-secret:${endpoint.businessId}:${endpoint.endpointId}`;
  }
}
