import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  seedCustomerBody,
  sqliteEnv,
  startServer,
} from './server-process.js';

/**
 * A 201 is a promise: whatever the server acknowledged must survive the process being killed
 * outright (SIGKILL, no shutdown hook) the instant after the acknowledgement.
 */

interface Acknowledged {
  customerId: string;
  email: string;
  idempotencyKey: string;
  body: Record<string, unknown>;
}

async function create(baseUrl: string, token: string): Promise<Acknowledged> {
  const idempotencyKey = `crash-${randomUUID()}`;
  const body = seedCustomerBody();
  const response = await localFetch(`${baseUrl}/api/v1/customer`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`create answered ${response.status}: ${text}`);
  return {
    customerId: JSON.parse(text).data.customer_id,
    email: String(body.customer_email),
    idempotencyKey,
    body,
  };
}

afterEach(async () => {
  await killAllServers();
  await cleanupTempDirs();
}, PROCESS_TIMEOUT_MS);

describe('SIGKILL right after a 201', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('every acknowledged customer is retrievable after a restart on the same file', async () => {
    const dir = await makeTempDir();
    const port = await freePort();
    const env = sqliteEnv(dir, port);
    const credentials = await createBusinessWithCli(env, dir);
    const first = await startServer({ cwd: dir, env, port });
    const token = await loginOverHttp(first.baseUrl, credentials);

    const acknowledged: Acknowledged[] = [];
    for (let i = 0; i < 5; i++) acknowledged.push(await create(first.baseUrl, token));

    // A concurrent burst; the process dies in the same tick as the burst's last 201 arrives.
    const burst = 12;
    let pending = burst;
    await Promise.all(
      Array.from({ length: burst }, async () => {
        const ack = await create(first.baseUrl, token);
        acknowledged.push(ack);
        pending -= 1;
        if (pending === 0) first.child.kill('SIGKILL');
      }),
    );
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(acknowledged).toHaveLength(5 + burst);

    const second = await startServer({ cwd: dir, env: sqliteEnv(dir, port), port });
    const token2 = await loginOverHttp(second.baseUrl, credentials);
    for (const ack of acknowledged) {
      const response = await localFetch(`${second.baseUrl}/api/v1/customer/${ack.customerId}`, {
        headers: { authorization: `Bearer ${token2}` },
      });
      const text = await response.text();
      expect(response.status, `${ack.customerId}: ${text}`).toBe(200);
      expect(JSON.parse(text).data).toMatchObject({
        customer_id: ack.customerId,
        customer_email: ack.email,
        customer_name: 'Test Customer',
      });
    }

    const list = await localFetch(`${second.baseUrl}/api/v1/customer?per_page=100`, {
      headers: { authorization: `Bearer ${token2}` },
    });
    expect(list.status).toBe(200);
    const listed = (await list.json()) as {
      data: Array<{ customer_id: string }>;
      pagination: { total: number };
    };
    expect(listed.pagination.total).toBe(acknowledged.length);
    expect(new Set(listed.data.map((c) => c.customer_id))).toEqual(
      new Set(acknowledged.map((a) => a.customerId)),
    );

    // The idempotency record committed with the change: the last request replays, it is not
    // executed a second time.
    const last = acknowledged[acknowledged.length - 1]!;
    const replay = await localFetch(`${second.baseUrl}/api/v1/customer`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token2}`,
        'content-type': 'application/json',
        'idempotency-key': last.idempotencyKey,
      },
      body: JSON.stringify(last.body),
    });
    const replayText = await replay.text();
    expect(replay.status, replayText).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(JSON.parse(replayText).data.customer_id).toBe(last.customerId);
  });
});
