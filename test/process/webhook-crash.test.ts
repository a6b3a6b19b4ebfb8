import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
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
 * Issue 6 "Done when" 3: the built server is killed (SIGKILL) after a change committed and
 * before its event could be delivered (the receiver is down); after a restart the event is
 * still delivered, once.
 */
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await killAllServers();
  await receiver?.close();
  await cleanupTempDirs();
}, PROCESS_TIMEOUT_MS);

async function post(baseUrl: string, path: string, token: string, body: unknown) {
  const response = await localFetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': `crash-${randomUUID()}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`${path} answered ${response.status}: ${text}`);
  return JSON.parse(text).data;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('SIGKILL between the commit and the delivery', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('the event is delivered after a restart', async () => {
    const dir = await makeTempDir();
    const port = await freePort();
    const env = { ...sqliteEnv(dir, port), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    const credentials = await createBusinessWithCli(env, dir);
    const first = await startServer({ cwd: dir, env, port });
    const token = await loginOverHttp(first.baseUrl, credentials);
    const receiverPort = await freePort(); // nothing listens there yet
    await post(first.baseUrl, '/api/v1/business/webhook', token, {
      url: `http://127.0.0.1:${receiverPort}/hooks`,
      events: ['customer.created'],
    });
    const customer = await post(first.baseUrl, '/api/v1/customer', token, seedCustomerBody());
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    receiver = await WebhookReceiver.start(receiverPort);
    const second = await startServer({ cwd: dir, env, port });
    const created = () =>
      receiver!
        .ofType('customer.created')
        .filter((r) => r.json.payload.customer_id === customer.customer_id);
    // At most one backoff step (10 s ± 25 %) if the first server got to try the dead receiver.
    await waitFor(() => created().length > 0, 60_000);
    expect(created()).toHaveLength(1);
    expect(created()[0]?.json.payload).toEqual(customer);
    await second.stop('SIGTERM');
    expect(created()).toHaveLength(1);
  });
});
