import { afterEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createTestApp,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';
import { createDispatcher, registerWebhook } from '../helpers/webhook-dispatch.js';
import { fixedResolver, WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Issue 6 "Done when" 5: the SSRF guard, at registration and at delivery. No packet leaves
 * loopback: registration never connects; delivery tests resolve names only to loopback
 * receivers (a broken guard shows as a connection to them) or, for 10.0.0.1, connect through
 * `assertLoopback`, which throws before any socket opens.
 */
const NAMES = {
  'hooks.example.com': '203.0.113.10',
  'loopback.example.com': '127.0.0.1',
  'internal.example.com': '10.1.2.3',
  'metadata.example.com': '169.254.169.254',
  // Public at registration; the delivery tests' own resolvers answer differently.
  'rebind.example.com': '203.0.113.11',
};
const ADDRESS_REFUSED =
  'The url must not point to a private, loopback, link-local or metadata address.';

let apps: TestApp[] = [];
let receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
  receivers = [];
});

async function app(allowPrivate: boolean): Promise<{ t: TestApp; acme: TestBusiness }> {
  const t = await createTestApp({
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: String(allowPrivate) },
    resolveHost: fixedResolver(NAMES),
  });
  apps.push(t);
  return { t, acme: await createBusiness(t) };
}

async function register(t: TestApp, acme: TestBusiness, url: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/business/webhook',
    headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
    payload: { url },
  });
}

function expectUrlRefused(response: { statusCode: number; json(): unknown }, message: string) {
  expect(response.statusCode).toBe(422);
  expect(response.json()).toEqual({
    status: 'failed',
    status_code: 422,
    message: 'Request failed.',
    data: { url: [message] },
  });
}

describe('registration', () => {
  it('refuses http URLs and non-public addresses with 422', async () => {
    const { t, acme } = await app(false);
    for (const url of [
      'http://127.0.0.1/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
    ]) {
      expectUrlRefused(await register(t, acme, url), 'The url must use https.');
    }
    // Over https the address alone decides.
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://loopback.example.com/hook',
      'https://internal.example.com/hook',
      'https://metadata.example.com/hook',
      'https://[::1]/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://100.64.0.1/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://0.0.0.0/hook',
    ]) {
      expectUrlRefused(await register(t, acme, url), ADDRESS_REFUSED);
    }
    expectUrlRefused(
      await register(t, acme, 'https://unknown.example.com/hook'),
      'The url host could not be resolved.',
    );
    // The control: a public address is accepted.
    expect((await register(t, acme, 'https://hooks.example.com/hook')).statusCode).toBe(201);
    expect(await t.storage.webhookEndpoints.list(acme.businessId)).toHaveLength(1);
  });

  it('refuses a non-public url on update too', async () => {
    const { t, acme } = await app(false);
    const hook = await registerWebhook(t, acme, { url: 'https://hooks.example.com/hook' });
    const response = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/business/webhook/${hook.id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { url: 'https://loopback.example.com/hook' },
    });
    expectUrlRefused(response, ADDRESS_REFUSED);
  });

  it('accepts them all with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const { t, acme } = await app(true);
    for (const url of [
      'http://127.0.0.1/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'https://loopback.example.com/hook',
    ]) {
      expect((await register(t, acme, url)).statusCode, url).toBe(201);
    }
  });
});

describe('delivery', () => {
  it('refuses a name that resolves to a non-public address at delivery time, without connecting', async () => {
    const { t, acme } = await app(false);
    const r = await WebhookReceiver.start();
    receivers.push(r);
    // Registered while the name looked public; by delivery time it resolves to the receiver
    // on loopback (DNS rebinding). A broken guard would connect to it.
    await registerWebhook(t, acme, { url: `https://rebind.example.com:${r.port}/hook` });
    const dispatcher = createDispatcher(t, {
      allowPrivateNetworks: false,
      resolve: fixedResolver({ 'rebind.example.com': '127.0.0.1' }),
    });
    await dispatcher.runOnce();
    await dispatcher.stop();
    expect(r.connections).toBe(0);
    const [delivery] = await t.storage.webhookDeliveries.listForBusiness(acme.businessId);
    const log = await t.storage.webhookDeliveries.listAttempts(
      acme.businessId,
      delivery!.endpointId,
      {
        offset: 0,
        limit: 10,
      },
    );
    expect(log).toMatchObject([
      {
        attempt: 1,
        responseStatus: null,
        error: 'refused to connect to non-public address 127.0.0.1',
      },
    ]);
    expect(delivery?.status).toBe('pending');
  });

  it('refuses a private address the resolver returns (10.0.0.1)', async () => {
    const { t, acme } = await app(false);
    await registerWebhook(t, acme, { url: 'https://rebind.example.com/hook' });
    const dispatcher = createDispatcher(t, {
      allowPrivateNetworks: false,
      resolve: fixedResolver({ 'rebind.example.com': '10.0.0.1' }),
    });
    await dispatcher.runOnce();
    await dispatcher.stop();
    const [delivery] = await t.storage.webhookDeliveries.listForBusiness(acme.businessId);
    const log = await t.storage.webhookDeliveries.listAttempts(
      acme.businessId,
      delivery!.endpointId,
      {
        offset: 0,
        limit: 10,
      },
    );
    expect(log.map((a) => a.error)).toEqual(['refused to connect to non-public address 10.0.0.1']);
  });

  it('refuses an IP-literal endpoint once private networks are no longer allowed', async () => {
    const { t, acme } = await app(true);
    const r = await WebhookReceiver.start();
    receivers.push(r);
    await registerWebhook(t, acme, { url: r.url() });
    const strict = createDispatcher(t, { allowPrivateNetworks: false });
    await strict.runOnce();
    await strict.stop();
    expect(r.connections).toBe(0);
    // The control: the same delivery, allowed, connects and is delivered.
    t.clock.advance(10_000);
    const lenient = createDispatcher(t, { allowPrivateNetworks: true });
    await lenient.runOnce();
    await lenient.stop();
    expect(r.received.map((x) => x.json['event.type'])).toEqual(['webhook_updated']);
  });
});
