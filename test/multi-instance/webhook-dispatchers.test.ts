import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSchema, skipReason, type TestDatabase } from '../helpers/databases.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  type ServerProcess,
  seedCustomerBody,
  startServer,
} from '../process/server-process.js';

/**
 * Issue 6 "Done when" 4: two built server processes over one PostgreSQL database, both running
 * their dispatcher while 1,000 customers are created through both. The receiver counts by
 * `webhook-id`: every event arrives, none twice (it always answers 200, so a second copy could
 * only come from two dispatchers sending the same attempt), and the log has every attempt.
 */
const reason = skipReason('TEST_DATABASE_URL');
const CHANGES = 1000;
const CONCURRENCY = 16;
const TIMEOUT_MS = 300_000;

describe.skipIf(reason)('two dispatchers over one PostgreSQL', { timeout: TIMEOUT_MS }, () => {
  let schema: TestDatabase;
  let receiver: WebhookReceiver;
  let servers: ServerProcess[];

  beforeAll(async () => {
    schema = await createPostgresSchema();
    receiver = await WebhookReceiver.start();
  }, TIMEOUT_MS);
  afterAll(async () => {
    await killAllServers();
    await receiver.close();
    await cleanupTempDirs();
    await schema.drop();
  }, TIMEOUT_MS);

  it('delivers each of 1,000 events exactly once', async () => {
    const cwd = await makeTempDir();
    const env = {
      DATABASE_URL: schema.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    };
    const credentials = await createBusinessWithCli(env, cwd);
    servers = [];
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      servers.push(
        await startServer({
          cwd,
          port,
          env: { ...env, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
        }),
      );
    }
    const token = await loginOverHttp(servers[0]!.baseUrl, credentials);
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
      const text = await response.text();
      if (response.status !== 201) throw new Error(`${path}: ${response.status} ${text}`);
      return JSON.parse(text).data;
    };
    await post(servers[0]!, '/api/v1/business/webhook', {
      url: receiver.url(),
      events: ['customer.created'],
    });

    const created = new Set<string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CHANGES) {
          const index = next++;
          const customer = await post(servers[index % 2]!, '/api/v1/customer', seedCustomerBody());
          created.add(customer.customer_id);
        }
      }),
    );
    expect(created.size).toBe(CHANGES);

    const events = () => receiver.ofType('customer.created');
    const deadline = Date.now() + 120_000;
    while (events().length < CHANGES && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Give a duplicate sender time to show itself.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const ids = events().map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(CHANGES);
    expect(new Set(ids).size).toBe(CHANGES);
    expect(new Set(events().map((r) => r.json.payload.customer_id as string))).toEqual(created);

    const db = new pg.Client({ connectionString: schema.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        `select status, attempts, count(*)::int as n from webhook_deliveries
          where event_type = 'customer.created' group by status, attempts`,
      );
      expect(rows).toEqual([{ status: 'delivered', attempts: 1, n: CHANGES }]);
      const logged = await db.query(
        `select count(*)::int as n from webhook_attempts
          where event_type = 'customer.created' and response_status = 200`,
      );
      expect(logged.rows[0].n).toBe(CHANGES);
      const undispatched = await db.query(
        'select count(*)::int as n from outbox_events where dispatched_at is null',
      );
      expect(undispatched.rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });
});
