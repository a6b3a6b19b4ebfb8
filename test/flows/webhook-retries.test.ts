import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';
import {
  createDispatcher,
  expectSignedWith,
  registerWebhook,
} from '../helpers/webhook-dispatch.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { freePort } from '../process/server-process.js';

/** Issue 6 "Done when" 2: failing receivers are retried on the schedule (fake clock, jitter
 * fixed at its midpoint: 10 s, 20 s, 40 s, …) until they answer 2xx; the log shows each try. */
let t: TestApp;
let acme: TestBusiness;
let receivers: WebhookReceiver[];
let dispatchers: WebhookDispatcher[];

const SECOND = 1000;

beforeEach(async () => {
  t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  acme = await createBusiness(t);
  receivers = [];
  dispatchers = [];
});
afterEach(async () => {
  await Promise.all(dispatchers.map((d) => d.stop()));
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});

async function receiver(port?: number): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(port);
  receivers.push(started);
  return started;
}

function dispatcher(timeoutMs?: number): WebhookDispatcher {
  const created = createDispatcher(t, { timeoutMs });
  dispatchers.push(created);
  return created;
}

/** The API key pair: unlike a token, it does not expire while the fake clock runs for days. */
const keyPair = () => ({ 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret });

interface LoggedAttempt {
  delivery_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  attempted_at: string;
  response_status: number | null;
  error: string | null;
  next_retry_at: string | null;
}

async function deliveryLog(
  endpointId: string,
  type = 'customer.created',
): Promise<LoggedAttempt[]> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/business/webhook/${endpointId}/deliveries?per_page=100`,
    headers: keyPair(),
  });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().data as LoggedAttempt[]).filter((a) => a.event_type === type);
}

/** An endpoint that already got its webhook_updated, and one customer.created pending. */
async function endpointWithPendingEvent(url: string, run: WebhookDispatcher) {
  const hook = await registerWebhook(t, acme, { url, events: ['customer.created'] });
  await run.runOnce();
  const customer = await createCustomer(t, acme);
  return { hook, customer };
}

const at = (iso: string | null) => new Date(String(iso)).getTime();

describe('a failing receiver is retried until it answers 2xx', () => {
  it('500, 500, then 200: three attempts 10 s and 20 s apart, each in the log', async () => {
    const r = await receiver();
    const run = dispatcher();
    const { hook } = await endpointWithPendingEvent(r.url(), run);
    r.behave = () => ({ status: 500 });
    await run.runOnce();
    t.clock.advance(10 * SECOND - 1);
    await run.runOnce();
    expect(r.ofType('customer.created')).toHaveLength(1); // not due before its time
    t.clock.advance(1);
    await run.runOnce();
    expect(r.ofType('customer.created')).toHaveLength(2);
    t.clock.advance(20 * SECOND);
    r.behave = () => ({ status: 204 });
    await run.runOnce();
    const sent = r.ofType('customer.created');
    expect(sent).toHaveLength(3);
    // Every attempt carries the same event id (receivers dedupe by it), each freshly signed.
    expect(new Set(sent.map((s) => s.headers['webhook-id'])).size).toBe(1);
    for (const request of sent) expectSignedWith(request, hook.secret, t.clock.now());

    const log = await deliveryLog(hook.id);
    expect(log.map((a) => [a.attempt, a.response_status])).toEqual([
      [3, 204],
      [2, 500],
      [1, 500],
    ]);
    expect(log[0]?.next_retry_at).toBeNull();
    expect(log[1]?.error).toBe('HTTP 500');
    expect(at(log[2]!.next_retry_at) - at(log[2]!.attempted_at)).toBe(10 * SECOND);
    expect(at(log[1]!.next_retry_at) - at(log[1]!.attempted_at)).toBe(20 * SECOND);
    await run.runOnce();
    t.clock.advance(3600 * SECOND);
    await run.runOnce();
    expect(r.ofType('customer.created')).toHaveLength(3);
  });

  it('a receiver that never answers times out, then is retried', async () => {
    const r = await receiver();
    const run = dispatcher(300);
    const { hook } = await endpointWithPendingEvent(r.url(), run);
    r.behave = () => 'hang';
    await run.runOnce();
    r.behave = () => ({ status: 200 });
    t.clock.advance(10 * SECOND);
    await run.runOnce();
    const log = await deliveryLog(hook.id);
    expect(log.map((a) => [a.attempt, a.response_status, a.error])).toEqual([
      [2, 200, null],
      [1, null, 'timed out after 300 ms'],
    ]);
  });

  it('connection refused, then the receiver comes up on that port', async () => {
    const port = await freePort();
    const run = dispatcher();
    const hook = await registerWebhook(t, acme, {
      url: `http://127.0.0.1:${port}/hooks`,
      events: ['customer.created'],
    });
    await createCustomer(t, acme);
    await run.runOnce();
    const r = await receiver(port);
    t.clock.advance(10 * SECOND);
    await run.runOnce(); // webhook_updated's own retry and the event's
    expect(r.ofType('customer.created')).toHaveLength(1);
    const log = await deliveryLog(hook.id);
    expect(log.map((a) => [a.attempt, a.response_status])).toEqual([
      [2, 200],
      [1, null],
    ]);
    expect(log[1]?.error).toMatch(/ECONNREFUSED/);
  });

  it('a receiver that answers only after 10 s fails the 5 s limit and is retried', async () => {
    const r = await receiver();
    const run = dispatcher(); // the real 5 s limit
    const { hook } = await endpointWithPendingEvent(r.url(), run);
    r.behave = () => ({ status: 200, delayMs: 10_000 });
    const started = Date.now();
    await run.runOnce();
    expect(Date.now() - started).toBeLessThan(9000);
    r.behave = () => ({ status: 200 });
    t.clock.advance(10 * SECOND);
    await run.runOnce();
    const log = await deliveryLog(hook.id);
    expect(log.map((a) => [a.attempt, a.response_status, a.error])).toEqual([
      [2, 200, null],
      [1, null, 'timed out after 5000 ms'],
    ]);
  }, 30_000);

  it('gives up after 3 days; a manual retry then sends it again', async () => {
    const r = await receiver();
    const run = dispatcher();
    const { hook } = await endpointWithPendingEvent(r.url(), run);
    r.behave = () => ({ status: 503 });
    const start = t.clock.now().getTime();
    await run.runOnce();
    for (let guard = 0; guard < 50; guard += 1) {
      const [latest] = await deliveryLog(hook.id);
      if (latest?.next_retry_at === null) break;
      t.clock.advance(at(latest!.next_retry_at) - t.clock.now().getTime());
      await run.runOnce();
    }
    const log = await deliveryLog(hook.id);
    const last = log[0]!;
    expect(last.next_retry_at).toBeNull();
    expect(at(last.attempted_at) - start).toBeLessThanOrEqual(3 * 86_400 * SECOND);
    expect(at(last.attempted_at) - start).toBeGreaterThan(2 * 86_400 * SECOND);
    expect(log.length).toBeGreaterThan(10);
    const delivery = (await t.storage.webhookDeliveries.listForBusiness(acme.businessId)).find(
      (d) => d.deliveryId === last.delivery_id,
    );
    expect(delivery?.status).toBe('failed');
    t.clock.advance(86_400 * SECOND);
    await run.runOnce();
    expect(r.ofType('customer.created')).toHaveLength(log.length);

    r.behave = () => ({ status: 200 });
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/v1/business/webhook/${hook.id}/deliveries/${last.delivery_id}/retry`,
      headers: { ...keyPair(), 'idempotency-key': idempotencyKey() },
    });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json().data).toMatchObject({ delivery_id: last.delivery_id, status: 'pending' });
    await run.runOnce();
    expect(r.ofType('customer.created')).toHaveLength(log.length + 1);
    expect((await deliveryLog(hook.id))[0]).toMatchObject({ response_status: 200, error: null });
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const r = await receiver();
    const elsewhere = await receiver();
    const run = dispatcher();
    const { hook } = await endpointWithPendingEvent(r.url(), run);
    r.behave = () => ({ status: 307, headers: { location: elsewhere.url() } });
    await run.runOnce();
    expect(elsewhere.received).toEqual([]);
    expect(await deliveryLog(hook.id)).toMatchObject([
      { attempt: 1, response_status: 307, error: 'redirect not followed' },
    ]);
  });

  it('deleting the endpoint stops its pending deliveries', async () => {
    const r = await receiver();
    const run = dispatcher();
    const { hook } = await endpointWithPendingEvent(r.url(), run);
    r.behave = () => ({ status: 500 });
    await run.runOnce();
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/business/webhook/${hook.id}`,
      headers: acme.auth,
    });
    expect(deleted.statusCode).toBe(200);
    t.clock.advance(3600 * SECOND);
    await run.runOnce();
    expect(r.ofType('customer.created')).toHaveLength(1);
    const deliveries = await t.storage.webhookDeliveries.listForBusiness(acme.businessId);
    expect(deliveries.find((d) => d.eventType === 'customer.created')?.status).toBe('cancelled');
  });
});
