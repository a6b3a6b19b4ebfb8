import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { AuthService } from './businesses/auth-service.js';
import { BusinessService } from './businesses/business-service.js';
import { LoginThrottle } from './businesses/login-throttle.js';
import type { Config } from './config.js';
import { CustomerService } from './customers/customer-service.js';
import { IdentityDocumentVault } from './customers/identity-documents.js';
import { createAuthenticate } from './http/authenticate.js';
import { registerErrorHandling } from './http/error-handler.js';
import { IdempotencyGuard, requireIdempotencyKey } from './http/idempotency.js';
import { registerJsonBodyParser } from './http/json-body-parser.js';
import { createRateLimit } from './http/rate-limit.js';
import { requestIdFor } from './http/request-id.js';
import { RouteMethods } from './http/route-methods.js';
import { createValidatorCompiler } from './http/validation.js';
import type { Clock } from './lib/clock.js';
import { DataCipher } from './lib/encryption.js';
import type { RateLimitStore } from './lib/fixed-window-limiter.js';
import { signingKeyFrom } from './lib/jwt.js';
import { registerRoutes } from './routes/index.js';
import type { App, RouteContext } from './routes/route-context.js';
import type { Storage } from './storage/storage.js';

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
}

export const TOKEN_ISSUER = 'clientele';

const OPENAPI_INFO = {
  title: 'Clientele',
  version: '1.0.0',
  description:
    'Self-hostable customer registry for payment platforms, wire-compatible with the Yativo customer API.',
};

/** Builds the HTTP application from its dependencies; does no I/O of its own. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, storage, clock, secrets } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdFor,
    trustProxy: false,
    return503OnClosing: true,
    // Parameters are capped well above any id; longer paths are not ours anyway.
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeMethods = new RouteMethods();
  app.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setValidatorCompiler(createValidatorCompiler());
  registerJsonBodyParser(app);
  registerErrorHandling(app, routeMethods);

  await app.register(swagger, {
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
  const authenticated = [
    createAuthenticate(auth),
    createRateLimit(deps.rateLimitStore, clock, config.rateLimitPerMinute),
  ];
  const context: RouteContext = {
    config,
    storage,
    auth,
    businesses: new BusinessService(storage, clock),
    customers: new CustomerService(clock, new IdentityDocumentVault(cipher)),
    idempotency: new IdempotencyGuard(storage, clock, cipher, config.idempotencyTtlSeconds),
    authenticated,
    authenticatedWrite: [...authenticated, requireIdempotencyKey],
  };
  registerRoutes(app, context);
  return app;
}
