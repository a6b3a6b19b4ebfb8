import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KycJobRunner } from '../../src/kyc/kyc-job-runner.js';
import { openStorage } from '../../src/storage/storage.js';
import { createPostgresSchema, skipReason, type TestDatabase } from '../helpers/databases.js';
import { decideNow, individualKyc, kycOf, submitKyc } from '../helpers/kyc.js';
import { createBusiness, createCustomer, createTestApp } from '../helpers/test-app.js';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  type ServerProcess,
  seedCustomerBody,
  startServer,
} from '../process/server-process.js';

/** KYC due jobs on PostgreSQL shared by several runners: each decision is made exactly once. */
const reason = skipReason('TEST_DATABASE_URL');
const CUSTOMERS = 12;

async function decisionsPerCustomer(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ customer_id: string; n: string }>(
      "select customer_id, count(*) as n from kyc_history where cause = 'provider_decision' group by customer_id",
    );
    return new Map(rows.map((row) => [row.customer_id, Number(row.n)]));
  } finally {
    await client.end();
  }
}

async function approvedEvents(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from outbox_events where event_type = 'customer.kyc.approved'",
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe.skipIf(reason)('KYC jobs with two runners on one PostgreSQL', () => {
  let schema: TestDatabase;
  beforeAll(async () => {
    schema = await createPostgresSchema();
  });
  afterAll(() => schema?.drop());

  it('two runners draining the same due jobs at once decide each exactly once', async () => {
    const env = {
      DATABASE_URL: schema.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    };
    const t = await createTestApp({ env });
    const other = openStorage(t.config.database, {
      poolSize: 4,
      statementTimeoutMs: 5000,
      readCacheRows: 10_000,
    });
    try {
      const acme = await createBusiness(t);
      const ids: string[] = [];
      for (let i = 0; i < CUSTOMERS; i++) {
        const { customer_id } = await createCustomer(t, acme);
        expect((await submitKyc(t, acme, individualKyc(customer_id))).statusCode).toBe(200);
        ids.push(customer_id);
      }
      const { service, runner } = kycOf(t);
      // Small batches, so the two runners interleave their claims.
      const a = new KycJobRunner(t.storage, t.clock, service, t.app.log, { batchSize: 2 });
      const b = new KycJobRunner(other, t.clock, service, t.app.log, { batchSize: 2 });
      t.clock.advance(t.config.kycSandboxDelaySeconds * 1000);
      const done = await Promise.all([a.runDue(), b.runDue(), runner.runDue()]);
      // Each job was finished by exactly one of the three.
      expect(done.reduce((sum, n) => sum + n, 0)).toBe(CUSTOMERS);
      expect(await decideNow(t, runner)).toBe(0);
      const decisions = await decisionsPerCustomer(schema.url);
      expect(ids.map((id) => decisions.get(id))).toEqual(ids.map(() => 1));
      expect(await approvedEvents(schema.url)).toBe(CUSTOMERS);
    } finally {
      await other.close();
      await t.close();
    }
  });
});

describe.skipIf(reason)(
  'KYC with two server processes on one PostgreSQL',
  { timeout: PROCESS_TIMEOUT_MS },
  () => {
    let schema: TestDatabase;
    let servers: ServerProcess[];
    let token: string;

    beforeAll(async () => {
      schema = await createPostgresSchema();
      const cwd = await makeTempDir();
      const env = {
        DATABASE_URL: schema.url,
        JWT_SECRET: randomBytes(32).toString('hex'),
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'warn',
        KYC_SANDBOX_DELAY_SECONDS: '2',
      };
      const credentials = await createBusinessWithCli(env, cwd);
      servers = await Promise.all([startServer({ cwd, env }), startServer({ cwd, env })]);
      token = await loginOverHttp(servers[0]!.baseUrl, credentials);
    }, PROCESS_TIMEOUT_MS);
    afterAll(async () => {
      await killAllServers();
      await cleanupTempDirs();
      await schema?.drop();
    }, PROCESS_TIMEOUT_MS);

    const post = async (server: ServerProcess, path: string, body: unknown) => {
      const response = await localFetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return ((await response.json()) as { data: { customer_id: string } }).data;
    };

    it('every submission is decided once, whichever instance took it', async () => {
      const ids: string[] = [];
      for (let i = 0; i < CUSTOMERS; i++) {
        const server = servers[i % 2]!;
        const { customer_id } = await post(server, '/api/v1/customer', seedCustomerBody());
        await post(server, '/api/v1/verification/verify-customer', individualKyc(customer_id));
        ids.push(customer_id);
      }
      const deadline = Date.now() + 60_000;
      let decisions = await decisionsPerCustomer(schema.url);
      while (ids.some((id) => !decisions.has(id)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        decisions = await decisionsPerCustomer(schema.url);
      }
      // Both instances keep polling; give them several more rounds to decide anything twice.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      decisions = await decisionsPerCustomer(schema.url);
      expect(ids.map((id) => decisions.get(id))).toEqual(ids.map(() => 1));
      expect(await approvedEvents(schema.url)).toBe(CUSTOMERS);
    });
  },
);
