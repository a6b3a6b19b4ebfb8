import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifySchema, type RouteOptions } from 'fastify';
import { AuthService } from './businesses/auth-service.js';
import { BusinessService } from './businesses/business-service.js';
import { LoginThrottle } from './businesses/login-throttle.js';
import type { Config } from './config.js';
import { CustomerService } from './customers/customer-service.js';
import { IdentityDocumentVault } from './customers/identity-documents.js';
import { createAuthenticate } from './http/authenticate.js';
import { registerErrorHandling, sendAppError } from './http/error-handler.js';
import { type FastPath, serverWithFastPaths } from './http/fast-path.js';
import { IdempotencyGuard, requireIdempotencyKey } from './http/idempotency.js';
import { registerJsonBodyParser } from './http/json-body-parser.js';
import { lazyRequestLogger } from './http/logger.js';
import { registerMetrics } from './http/metrics.js';
import { createRateLimit, RequestBudget } from './http/rate-limit.js';
import { requestIdFor } from './http/request-id.js';
import { RouteMethods } from './http/route-methods.js';
import { buildSharedSerializers } from './http/serialization.js';
import { createValidatorCompiler } from './http/validation.js';
import { createKycService } from './kyc/create-kyc-service.js';
import { AppError } from './lib/app-error.js';
import type { Clock } from './lib/clock.js';
import { DataCipher } from './lib/encryption.js';
import type { RateLimitStore } from './lib/fixed-window-limiter.js';
import { signingKeyFrom } from './lib/jwt.js';
import { VersionedCache } from './lib/versioned-cache.js';
import { createListCustomersFastPath } from './routes/customers/list-customers-fast-path.js';
import { createRetrieveFastPath } from './routes/customers/retrieve-customer-fast-path.js';
import { registerRoutes } from './routes/index.js';
import type { App, RouteContext } from './routes/route-context.js';
import type { Storage } from './storage/storage.js';
import { type HostResolver, systemResolver } from './webhooks/address-guard.js';
import { WebhookService } from './webhooks/webhook-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Shutdown, step one: every response from now on carries `Connection: close`, so keep-alive
     * clients leave after their current request instead of sending one on a connection that
     * `close()` is about to destroy (which resets it).
     */
    startDraining(): void;
  }
}

/** Secrets resolved at start (from the environment, or the data folder on the SQLite default). */
export interface AppSecrets {
  jwtSecret: string;
  dataEncryptionKey: Buffer;
}

export interface AppDependencies {
  config: Readonly<Config>;
  storage: Storage;
  clock: Clock;
  logger: FastifyBaseLogger;
  secrets: AppSecrets;
  rateLimitStore: RateLimitStore;
  /** DNS for the webhook SSRF guard; tests inject one that never asks real DNS. */
  resolveHost?: HostResolver;
}

export const TOKEN_ISSUER = 'clientele';

const BYTES_PER_MEGABYTE = 1_000_000;

const OPENAPI_INFO = {
  title: 'Clientele',
  version: '1.0.0',
  description:
    'Self-hostable customer registry for payment platforms, wire-compatible with the Yativo customer API.',
};

/**
 * Documents the Idempotency-Key header on the routes that require it. It is checked by the
 * `requireIdempotencyKey` hook (so a missing key is SPEC's 400, not a schema 422), so it is added
 * to the document here rather than to the route's validation schema.
 */
function documentIdempotencyKey({
  schema,
  url,
  route,
}: {
  schema: FastifySchema;
  url: string;
  route: RouteOptions;
}) {
  const hooks = [route.onRequest ?? []].flat();
  if (!hooks.includes(requireIdempotencyKey)) return { schema, url };
  const header = Type.Object({
    'idempotency-key': Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Makes the request safe to retry: the first response is replayed for 24 h.',
    }),
  });
  return { schema: { ...schema, headers: header }, url };
}

/** Builds the HTTP application from its dependencies; does no I/O of its own. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, storage, clock, secrets } = deps;
  // The fast paths exist once the routes' context does (below); until then, and for every
  // request they do not take, Fastify answers.
  let fastPaths: FastPath[] = [];
  const app = Fastify({
    serverFactory: serverWithFastPaths(() => fastPaths),
    loggerInstance: deps.logger,
    childLoggerFactory: lazyRequestLogger,
    schemaController: { compilersFactory: { buildSerializer: buildSharedSerializers } },
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdFor,
    trustProxy: false,
    // A request that reaches a connection still open during close is served, not answered with
    // Fastify's own (non-envelope) 503: it is in flight as far as its client can tell.
    return503OnClosing: false,
    // Long ids still reach the route (and get the same 404 as any malformed id); Node's header
    // size limit bounds the URL anyway.
    routerOptions: { maxParamLength: 8192, ignoreTrailingSlash: true },
    // URLs the router cannot decode get the contract's envelope too.
    // (They bypass the hooks, so the request id header is set here.)
    frameworkErrors: (_error, request, reply) =>
      sendAppError(
        reply.header('x-request-id', request.id),
        new AppError('bad_request', 'The request URL is malformed.'),
      ),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeMethods = new RouteMethods();
  app.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
  // While shutting down, ask keep-alive clients to reconnect elsewhere, so closing the server
  // does not wait for their idle connections.
  let closing = false;
  app.decorate('startDraining', () => {
    closing = true;
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback style rather than async: this runs for every response, and an async hook costs a
  // promise and a microtask turn each time.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.setValidatorCompiler(createValidatorCompiler());
  registerJsonBodyParser(app);
  registerErrorHandling(app, routeMethods);

  await app.register(swagger, {
    transform: documentIdempotencyKey,
    // Shared schemas are named by their $id in the document ("Customer", "ErrorEnvelope").
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      servers: [{ url: config.publicBaseUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          apiSecret: { type: 'apiKey', in: 'header', name: 'X-Api-Secret' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const cipher = new DataCipher(secrets.dataEncryptionKey);
  const auth = new AuthService(storage, clock, new LoginThrottle(deps.rateLimitStore, clock), {
    signingKeys: { current: signingKeyFrom(secrets.jwtSecret), previous: [] },
    issuer: TOKEN_ISSUER,
    tokenTtlSeconds: config.tokenTtlSeconds,
  });
  const budget = new RequestBudget(deps.rateLimitStore, clock, config.rateLimitPerMinute);
  const authenticated = [createAuthenticate(auth), createRateLimit(budget)];
  const context: RouteContext = {
    config,
    storage,
    auth,
    businesses: new BusinessService(storage, clock),
    customers: new CustomerService(clock, new IdentityDocumentVault(cipher)),
    idempotency: new IdempotencyGuard(storage, clock, cipher, config.idempotencyTtlSeconds),
    webhooks: new WebhookService(clock, cipher, {
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
      resolve: deps.resolveHost ?? systemResolver,
    }),
    kyc: createKycService(config, clock, cipher),
    authenticated,
    authenticatedWrite: [...authenticated, requireIdempotencyKey],
    metrics: registerMetrics(app, storage),
    listPages: new VersionedCache<Buffer>(
      config.listCacheMegabytes * BYTES_PER_MEGABYTE,
      (body) => body.length,
    ),
    // A total is a number under a key of at most ~1 KB: a sixteenth of the pages' memory (2 MB
    // by default) holds thousands of filters, and LIST_CACHE_MB=0 turns both off.
    listTotals: new VersionedCache<number>(
      (config.listCacheMegabytes * BYTES_PER_MEGABYTE) / 16,
      () => 8,
    ),
  };
  registerRoutes(app, context);
  const fastPathEnvironment = { log: app.log, metrics: context.metrics, draining: () => closing };
  fastPaths = [createRetrieveFastPath(context, budget, fastPathEnvironment)];
  // It only answers kept pages: with the page cache off (LIST_CACHE_MB=0) it would only add a read.
  if (config.listCacheMegabytes > 0) {
    fastPaths.push(createListCustomersFastPath(context, budget, fastPathEnvironment));
  }
  return app;
}
