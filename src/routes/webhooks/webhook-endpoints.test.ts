import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createTestApp,
  errorEnvelope,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';
import { registerWebhook } from '../../../test/helpers/webhook-dispatch.js';

/** The management routes of SPEC §9; issue 6 "Done when" 7 (another business → 404). */
let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t);
});
afterEach(() => t.close());

const URL_A = 'https://hooks.example.com/a';
const URL_B = 'https://hooks.example.com/b';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function write(business: TestBusiness, method: 'POST' | 'PUT', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
    ...(payload !== undefined && { payload: payload as Record<string, unknown> }),
  });
}

describe('POST /api/v1/business/webhook', () => {
  it('201 with the endpoint and its secret', async () => {
    const response = await write(acme, 'POST', '/api/v1/business/webhook', {
      url: URL_A,
      events: ['customer.created', 'customer.deleted'],
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 201,
      message: 'Webhook registered successfully',
      data: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        url: URL_A,
        events: ['customer.created', 'customer.deleted'],
        enabled: true,
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
        created_at: expect.stringMatching(TIMESTAMP),
        updated_at: expect.stringMatching(TIMESTAMP),
      },
    });
  });

  it('events omitted means all; the secret is stored encrypted', async () => {
    const hook = await registerWebhook(t, acme, { url: URL_A });
    expect(hook.events).toEqual(['*']);
    const [stored] = await t.storage.webhookEndpoints.list(acme.businessId);
    expect(stored?.secret).not.toContain(hook.secret.slice(6));
  });

  it('registering a URL again updates that endpoint instead of adding one', async () => {
    const first = await registerWebhook(t, acme, { url: URL_A, events: ['customer.created'] });
    const again = await registerWebhook(t, acme, { url: URL_A, events: ['customer.updated'] });
    expect(again.id).toBe(first.id);
    expect(again.secret).toBe(first.secret);
    expect(again.events).toEqual(['customer.updated']);
    expect(await t.storage.webhookEndpoints.list(acme.businessId)).toHaveLength(1);
  });

  it('422 past 10 endpoints per business', async () => {
    for (let i = 0; i < 10; i += 1) await registerWebhook(t, acme, { url: `${URL_A}/${i}` });
    const response = await write(acme, 'POST', '/api/v1/business/webhook', { url: URL_B });
    expect(response.statusCode).toBe(422);
    expect(response.json().data).toEqual({
      url: ['A business can register at most 10 webhook endpoints.'],
    });
  });

  it('422 for unknown event types, a missing url and unknown fields', async () => {
    const response = await write(acme, 'POST', '/api/v1/business/webhook', {
      events: ['customer.exploded'],
      colour: 'red',
    });
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().data).sort()).toEqual(['colour', 'events.0', 'url']);
  });

  it('400 without an Idempotency-Key', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/business/webhook',
      headers: acme.auth,
      payload: { url: URL_A },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(errorEnvelope(400, 'idempotency_key_missing'));
  });
});

describe('GET, PUT, DELETE and regenerate', () => {
  it('lists the business own endpoints without secrets', async () => {
    const hook = await registerWebhook(t, acme, { url: URL_A });
    await registerWebhook(t, await createBusiness(t, 'Globex'), { url: URL_B });
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/business/webhook',
      headers: acme.auth,
    });
    expect(response.statusCode).toBe(200);
    const { secret: _secret, ...listed } = hook;
    expect(response.json().data).toEqual([listed]);
    expect(response.body).not.toContain('whsec_');
  });

  it('PUT changes url, events and enabled; absent fields stay', async () => {
    const hook = await registerWebhook(t, acme, { url: URL_A });
    const response = await write(acme, 'PUT', `/api/v1/business/webhook/${hook.id}`, {
      url: URL_B,
      enabled: false,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toMatchObject({
      id: hook.id,
      url: URL_B,
      events: ['*'],
      enabled: false,
    });
    expect(response.json().data).not.toHaveProperty('secret');
  });

  it('regenerate returns a new secret; DELETE removes the endpoint', async () => {
    const hook = await registerWebhook(t, acme, { url: URL_A });
    const regenerated = await write(
      acme,
      'POST',
      `/api/v1/business/webhook/${hook.id}/regenerate-secret`,
    );
    expect(regenerated.statusCode).toBe(200);
    expect(regenerated.json().data.secret).not.toBe(hook.secret);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/business/webhook/${hook.id}`,
      headers: acme.auth,
    });
    expect(deleted.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Webhook deleted successfully',
      data: { message: 'Webhook deleted successfully', id: hook.id },
    });
    expect(await t.storage.webhookEndpoints.list(acme.businessId)).toEqual([]);
  });
});

describe('another business’s endpoint → 404', () => {
  it('cannot see, change, regenerate, retry or delete it, and nothing changes', async () => {
    const hook = await registerWebhook(t, acme, { url: URL_A });
    const [delivery] = await t.storage.webhookDeliveries.listForBusiness(acme.businessId);
    const globex = await createBusiness(t, 'Globex');
    const before = await t.storage.webhookEndpoints.list(acme.businessId);
    const base = `/api/v1/business/webhook/${hook.id}`;
    const attempts = [
      () => t.app.inject({ method: 'GET', url: `${base}/deliveries`, headers: globex.auth }),
      () => write(globex, 'PUT', base, { enabled: false }),
      () => write(globex, 'POST', `${base}/regenerate-secret`),
      () => write(globex, 'POST', `${base}/deliveries/${delivery?.deliveryId}/retry`),
      () => t.app.inject({ method: 'DELETE', url: base, headers: globex.auth }),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json()).toEqual(errorEnvelope(404, 'webhook_not_found', 'Webhook not found'));
    }
    // The same answer as for an id that does not exist at all, or is not a UUID.
    for (const id of ['0190a6f4-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const response = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/business/webhook/${id}`,
        headers: acme.auth,
      });
      expect(response.json()).toEqual(errorEnvelope(404, 'webhook_not_found', 'Webhook not found'));
    }
    expect(await t.storage.webhookEndpoints.list(acme.businessId)).toEqual(before);
    const globexList = await t.app.inject({
      method: 'GET',
      url: '/api/v1/business/webhook',
      headers: globex.auth,
    });
    expect(globexList.json().data).toEqual([]);
  });

  it('a delivery of another endpoint cannot be retried through mine', async () => {
    const mine = await registerWebhook(t, acme, { url: URL_A });
    await registerWebhook(t, acme, { url: URL_B });
    const deliveries = await t.storage.webhookDeliveries.listForBusiness(acme.businessId);
    const ofB = deliveries.find((d) => d.endpointId !== mine.id);
    const response = await write(
      acme,
      'POST',
      `/api/v1/business/webhook/${mine.id}/deliveries/${ofB?.deliveryId}/retry`,
    );
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(errorEnvelope(404, 'webhook_delivery_not_found'));
  });
});
