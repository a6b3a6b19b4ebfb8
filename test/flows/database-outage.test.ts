import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSchema, skipReason, type TestDatabase } from '../helpers/databases.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  errorEnvelope,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

const reason = skipReason('TEST_DATABASE_URL');
const STATEMENT_TIMEOUT_MS = 1000;

/** Polls until `check` passes or `timeoutMs` runs out; returns the milliseconds it took. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe.skipIf(reason)('PostgreSQL outage: 503 while down, recovery without restart', () => {
  let proxy: TcpProxy;
  let schema: TestDatabase;
  let t: TestApp;
  let acme: TestBusiness;
  let customerId: string;

  beforeAll(async () => {
    const target = new URL(process.env.TEST_DATABASE_URL as string);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    schema = await createPostgresSchema();
    const viaProxy = new URL(schema.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await createTestApp({
      env: {
        DATABASE_URL: viaProxy.toString(),
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        JWT_SECRET: randomBytes(32).toString('hex'),
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      },
    });
    acme = await createBusiness(t);
    customerId = (await createCustomer(t, acme)).customer_id;
  });

  afterAll(async () => {
    proxy.restore();
    await t?.close();
    await proxy?.stop();
    await schema?.drop();
  });

  const retrieve = () =>
    t.app.inject({ method: 'GET', url: `/api/v1/customer/${customerId}`, headers: acme.auth });

  for (const outage of ['refuse', 'blackhole'] as const) {
    it(`answers 503 envelopes during a ${outage} outage and 200 again once it ends`, async () => {
      expect((await retrieve()).statusCode).toBe(200);
      proxy[outage]();

      const started = Date.now();
      const during = await retrieve();
      expect(Date.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS * 3 + 500);
      expect(during.statusCode).toBe(503);
      expect(during.headers['retry-after']).toBeDefined();
      expect(during.json()).toEqual(errorEnvelope(503, 'service_unavailable'));
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);

      proxy.restore();
      const recoveredIn = await within(5000, async () => (await retrieve()).statusCode === 200);
      expect(recoveredIn).toBeLessThan(5000);
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    });
  }
});
