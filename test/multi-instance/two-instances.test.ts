import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import {
  createPostgresSchema,
  skipReason,
  TEST_REDIS_URL,
  type TestDatabase,
} from '../helpers/databases.js';
import {
  type Credentials,
  cleanupTempDirs,
  createBusinessWithCli,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  type ServerProcess,
  seedCustomerBody,
  startServer,
} from '../process/server-process.js';

/**
 * Two built server processes over one PostgreSQL database (and one Redis): the shape of a
 * production deployment behind a load balancer (issue: PostgreSQL and many instances).
 */
const reason = skipReason('TEST_DATABASE_URL') ?? skipReason('TEST_REDIS_URL');
const RATE_LIMIT = 200;

describe.skipIf(reason)('two instances over one PostgreSQL', () => {
  let schema: TestDatabase;
  let env: Record<string, string>;
  let cwd: string;
  let a: ServerProcess;
  let b: ServerProcess;

  const newBusiness = async (name: string): Promise<Credentials & { token: string }> => {
    const credentials = await createBusinessWithCli(
      env,
      cwd,
      name,
      `${name.toLowerCase()}@example.com`,
    );
    return { ...credentials, token: await loginOverHttp(a.baseUrl, credentials) };
  };

  const create = (server: ServerProcess, token: string, key: string, body: unknown) =>
    localFetch(`${server.baseUrl}/api/v1/customer`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': key,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });

  const list = async (server: ServerProcess, token: string) => {
    const response = await localFetch(`${server.baseUrl}/api/v1/customer?per_page=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      data: Array<{ customer_id: string }>;
      pagination: { total: number };
    };
  };

  beforeAll(async () => {
    schema = await createPostgresSchema();
    cwd = await makeTempDir();
    env = {
      DATABASE_URL: schema.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      REDIS_URL: TEST_REDIS_URL as string,
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([startServer({ cwd, env }), startServer({ cwd, env })]);
  }, 60_000);

  afterAll(async () => {
    await killAllServers();
    await schema?.drop();
    await cleanupTempDirs();
  });

  it('50 concurrent creates with one Idempotency-Key over both instances make one customer', async () => {
    const acme = await newBusiness('Acme');
    const key = `shared-${randomBytes(6).toString('hex')}`;
    const body = seedCustomerBody();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => create(i % 2 === 0 ? a : b, acme.token, key, body)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const fresh = responses.filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') !== 'true',
    );
    expect(fresh).toHaveLength(1);
    const ids = new Set(
      await Promise.all(
        responses
          .filter((response) => response.status === 201)
          .map(
            async (response) =>
              ((await response.json()) as { data: { customer_id: string } }).data.customer_id,
          ),
      ),
    );
    expect(ids.size).toBe(1);
    expect((await list(b, acme.token)).pagination.total).toBe(1);
  });

  it('a list page instance B has kept shows a change made through instance A on its next request', async () => {
    const acme = await newBusiness('Lister');
    const first = await create(a, acme.token, `first-${randomBytes(6).toString('hex')}`, {
      ...seedCustomerBody(),
      customer_email: 'first-listed@example.com',
    });
    expect(first.status).toBe(201);
    // Asked twice, so B serves the second from its kept pages.
    expect((await list(b, acme.token)).pagination.total).toBe(1);
    expect((await list(b, acme.token)).pagination.total).toBe(1);
    const second = await create(a, acme.token, `second-${randomBytes(6).toString('hex')}`, {
      ...seedCustomerBody(),
      customer_email: 'second-listed@example.com',
    });
    expect(second.status).toBe(201);
    const { customer_id } = ((await second.json()) as { data: { customer_id: string } }).data;
    const after = await list(b, acme.token);
    expect(after.pagination.total).toBe(2);
    expect(after.data[0]?.customer_id).toBe(customer_id);
  });

  it('a token revoked through instance A is refused by instance B on its next request', async () => {
    const acme = await newBusiness('Revoker');
    const headers = { authorization: `Bearer ${acme.token}` };
    expect((await localFetch(`${b.baseUrl}/api/v1/customer`, { headers })).status).toBe(200);
    const logout = await localFetch(`${a.baseUrl}/api/v1/auth/logout`, { method: 'POST', headers });
    expect(logout.status).toBe(200);
    expect((await localFetch(`${b.baseUrl}/api/v1/customer`, { headers })).status).toBe(401);
  });

  it('with REDIS_URL, the rate limit counts requests to both instances together', async () => {
    // Stay inside one rate-limit window (a minute) for the whole test.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000)
      await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    const acme = await newBusiness('Limited');
    const headers = { authorization: `Bearer ${acme.token}` };
    const remaining: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i++) {
      const response = await localFetch(
        `${(i % 2 === 0 ? a : b).baseUrl}/api/v1/customer?per_page=1`,
        { headers },
      );
      expect(response.status).toBe(200);
      remaining.push(Number(response.headers.get('x-ratelimit-remaining')));
    }
    expect(remaining.at(-1)).toBe(0);
    expect(new Set(remaining).size).toBe(RATE_LIMIT);
    for (const server of [a, b]) {
      const refused = await localFetch(`${server.baseUrl}/api/v1/customer`, { headers });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).not.toBeNull();
    }
  });

  it('kill -9 of one instance under write load loses no acknowledged customer; the other keeps serving', async () => {
    const acme = await newBusiness('Survivor');
    const acknowledged: string[] = [];
    // Bounded load: the business's requests stay under RATE_LIMIT, so nothing is throttled.
    const MAX_ATTEMPTS = RATE_LIMIT - 40;
    let attempts = 0;
    const writer = async (server: ServerProcess) => {
      while (attempts < MAX_ATTEMPTS) {
        attempts += 1;
        try {
          const key = randomBytes(8).toString('hex');
          const response = await create(server, acme.token, key, seedCustomerBody());
          if (response.status === 201) {
            acknowledged.push(
              ((await response.json()) as { data: { customer_id: string } }).data.customer_id,
            );
          }
        } catch {
          if (server === a) return; // the killed instance's connections fail: expected
        }
      }
    };
    const writers = [writer(a), writer(a), writer(b), writer(b)];
    while (acknowledged.length < 30) await new Promise((resolve) => setTimeout(resolve, 10));
    await a.stop('SIGKILL');
    const acknowledgedAtKill = acknowledged.length;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(acknowledgedAtKill);
    // Check the database itself: every acknowledged customer is committed.
    const storage = openStorage(
      { engine: 'postgres', url: schema.url },
      { poolSize: 2, statementTimeoutMs: 5000, readCacheRows: 10_000 },
    );
    try {
      const business = await storage.businesses.findByAccountId(acme.account_id);
      for (const id of acknowledged) {
        expect(await storage.customers.findLive(business!.businessId, id), id).toBeDefined();
      }
    } finally {
      await storage.close();
    }
    const response = await localFetch(`${b.baseUrl}/api/v1/customer?per_page=1`, {
      headers: { authorization: `Bearer ${acme.token}` },
    });
    expect(response.status).toBe(200);
    // A create in flight on the killed instance may have committed without its answer arriving.
    const { total } = ((await response.json()) as { pagination: { total: number } }).pagination;
    expect(total).toBeGreaterThanOrEqual(acknowledged.length);
    expect(total).toBeLessThanOrEqual(acknowledged.length + 2);
  });
});
