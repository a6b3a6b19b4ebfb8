import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  onRequestHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { AuthService } from '../businesses/auth-service.js';
import type { BusinessService } from '../businesses/business-service.js';
import type { Config } from '../config.js';
import type { CustomerService } from '../customers/customer-service.js';
import type { IdempotencyGuard } from '../http/idempotency.js';
import type { AppMetrics } from '../http/metrics.js';
import type { KycService } from '../kyc/kyc-service.js';
import type { VersionedCache } from '../lib/versioned-cache.js';
import type { Storage } from '../storage/storage.js';
import type { WebhookService } from '../webhooks/webhook-service.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Everything a route handler may use; built once in app.ts. */
export interface RouteContext {
  config: Readonly<Config>;
  storage: Storage;
  auth: AuthService;
  businesses: BusinessService;
  customers: CustomerService;
  idempotency: IdempotencyGuard;
  webhooks: WebhookService;
  kyc: KycService;
  /** onRequest hooks: authentication then the per-business rate limit. */
  authenticated: onRequestHookHandler[];
  /** onRequest hooks for writes: authenticated, then the Idempotency-Key check. */
  authenticatedWrite: onRequestHookHandler[];
  /** Prometheus metrics of this app, shown by GET /metrics. */
  metrics: AppMetrics;
  /** List pages as sent, kept by `listPageKey` (routes/customers/list-customers.ts). */
  listPages: VersionedCache<Buffer>;
  /** Each filter's total, kept by `listTotalKey`: the pages of one filter share it. */
  listTotals: VersionedCache<number>;
}

/** OpenAPI security requirement of every authenticated route: a bearer token or the key pair. */
export const AUTHENTICATED: Array<Record<string, string[]>> = [
  { bearerAuth: [] },
  { apiKey: [], apiSecret: [] },
];
