import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BusinessService } from '../../src/businesses/business-service.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { FakeClock } from '../../src/lib/clock.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/lib/fixed-window-limiter.js';
import type { App } from '../../src/routes/route-context.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import type { HostResolver } from '../../src/webhooks/address-guard.js';
import {
  createPostgresSchema,
  createSqliteFile,
  ROUTES_ON_POSTGRES,
  ROUTES_ON_SQLITE_FILE,
  type TestDatabase,
} from './databases.js';
import { TEST_RESOLVER } from './webhook-receiver.js';

/**
 * An app on a fresh in-memory SQLite database with a fake clock, capturing every log line.
 * `TestApp.storage` is the same storage the app uses, for direct inspection.
 */
export interface TestApp {
  app: App;
  storage: Storage;
  clock: FakeClock;
  config: Readonly<Config>;
  /** Every log line the app wrote, raw. */
  logs: string[];
  secrets: { jwtSecret: string; dataEncryptionKey: Buffer };
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  storage?: Storage;
  clock?: FakeClock;
  rateLimitStore?: RateLimitStore;
  /** DNS for webhook URLs; by default a fixed map, so no test asks real DNS. */
  resolveHost?: HostResolver;
}

/** Where the route suites run when no test chooses (TEST_ENGINE); undefined: in memory. */
async function routesDatabase(): Promise<TestDatabase | undefined> {
  if (ROUTES_ON_POSTGRES) return createPostgresSchema();
  if (ROUTES_ON_SQLITE_FILE) return createSqliteFile();
  return undefined;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // With TEST_ENGINE set the same route suites run on a fresh PostgreSQL schema or SQLite file.
  const useDefault = !options.storage && !options.env?.DATABASE_URL;
  const database = useDefault ? await routesDatabase() : undefined;
  const config = loadConfig({
    DATABASE_URL: database?.url ?? 'sqlite::memory:',
    PUBLIC_BASE_URL: 'https://api.example.test',
    LOG_LEVEL: 'info',
    ...(database && {
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    }),
    ...options.env,
  });
  const storage =
    options.storage ??
    openStorage(config.database, {
      poolSize: 4,
      statementTimeoutMs: 5000,
      readCacheRows: config.readCacheRows,
    });
  await storage.migrate();
  const clock = options.clock ?? new FakeClock(new Date());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    dataEncryptionKey: randomBytes(32),
  };
  const rateLimitStore = options.rateLimitStore ?? new MemoryRateLimitStore();
  const app = await buildApp({
    config,
    storage,
    clock,
    logger: createLogger(config.logLevel, sink),
    secrets,
    rateLimitStore,
    resolveHost: options.resolveHost ?? TEST_RESOLVER,
  });
  await app.ready();
  return {
    app,
    storage,
    clock,
    config,
    logs,
    secrets,
    close: async () => {
      await app.close();
      await storage.close();
      await database?.drop();
    },
  };
}

export interface TestBusiness {
  businessId: string;
  accountId: string;
  appSecret: string;
  token: string;
  /** Headers that authenticate as this business with its bearer token. */
  auth: Record<string, string>;
}

/** A new business, logged in. */
export async function createBusiness(t: TestApp, name = 'Acme'): Promise<TestBusiness> {
  const { business, appSecret } = await new BusinessService(t.storage, t.clock).create(
    name,
    `${name.toLowerCase().replace(/\W+/g, '')}@example.com`,
  );
  const token = await login(t, business.accountId, appSecret);
  return {
    businessId: business.businessId,
    accountId: business.accountId,
    appSecret,
    token,
    auth: { authorization: `Bearer ${token}` },
  };
}

export async function login(t: TestApp, accountId: string, appSecret: string): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { account_id: accountId, app_secret: appSecret },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return response.json().data.access_token;
}

let sequence = 0;

/** A valid create body; every call gets a distinct email. */
export function customerBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    customer_name: 'Test Customer',
    customer_email: `customer${sequence}.${randomBytes(3).toString('hex')}@example.com`,
    customer_phone: '+19203751411',
    customer_country: 'USA',
    customer_address: {
      city: 'Anytown',
      state: 'Anystate',
      zipcode: '12345',
      street: '1234 Elm Street',
      number: '5678',
      country: 'USA',
    },
    ...overrides,
  };
}

export function idempotencyKey(): string {
  return `test-${randomBytes(8).toString('hex')}`;
}

/** Creates a customer through the API and returns its wire object. */
export async function createCustomer(
  t: TestApp,
  business: TestBusiness,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown> & { customer_id: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/customer',
    headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
    payload: customerBody(overrides),
  });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`);
  return response.json().data;
}

/** The standard single-error envelope, for exact assertions. */
export function errorEnvelope(statusCode: number, code: string, error?: string) {
  return {
    status: 'failed',
    status_code: statusCode,
    message: 'Request failed.',
    data: error === undefined ? { error: expectAnyString(), code } : { error, code },
  };
}

function expectAnyString(): unknown {
  return expect.any(String);
}

export function json(response: LightMyRequestResponse): unknown {
  return JSON.parse(response.body);
}
