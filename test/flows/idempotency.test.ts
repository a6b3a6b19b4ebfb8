import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toTimestamp } from '../../src/lib/timestamps.js';
import type { CustomerRepository } from '../../src/storage/customer-repository.js';
import { memoryStorage, storageWith } from '../helpers/storage-with.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  customerBody,
  errorEnvelope,
  idempotencyKey,
  login,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/** SPEC §5: Idempotency-Key on every write under /api/v1 except /api/v1/auth/*. */

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

function post(
  app: TestApp,
  business: TestBusiness,
  key: string | undefined,
  payload: unknown,
  url = '/api/v1/customer',
) {
  return app.app.inject({
    method: 'POST',
    url,
    headers: { ...business.auth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: payload as Record<string, unknown>,
  });
}

async function listTotal(app: TestApp, business: TestBusiness): Promise<number> {
  const response = await app.app.inject({
    method: 'GET',
    url: '/api/v1/customer',
    headers: business.auth,
  });
  expect(response.statusCode).toBe(200);
  return response.json().pagination.total;
}

function expectFreshAnswer(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['idempotent-replayed']).toBeUndefined();
}

function expectReplayOf(replay: LightMyRequestResponse, first: LightMyRequestResponse) {
  expect(replay.statusCode).toBe(first.statusCode);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.headers['content-type']).toMatch(/^application\/json/);
  expect(replay.body).toBe(first.body);
}

describe('replay: same key, same request', () => {
  it('answers the first response again, byte for byte, with Idempotent-Replayed, and creates once', async () => {
    const key = idempotencyKey();
    const body = customerBody();
    const first = await post(t, acme, key, body);
    expectFreshAnswer(first, 201);
    expect(first.json().status_code).toBe(201);

    t.clock.advance(5_000);
    const second = await post(t, acme, key, body);
    const third = await post(t, acme, key, body);
    expectReplayOf(second, first);
    expectReplayOf(third, first);
    expect(await listTotal(t, acme)).toBe(1);
  });

  it('treats the same body with keys in another order (at every depth) as the same request', async () => {
    const key = idempotencyKey();
    const email = `order.${idempotencyKey()}@example.com`;
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: { ...acme.auth, 'idempotency-key': key, 'content-type': 'application/json' },
      payload: `{"customer_name":"Ann","customer_email":"${email}","customer_phone":"+19203751411","customer_country":"USA","customer_address":{"city":"Anytown","zipcode":"12345"}}`,
    });
    expectFreshAnswer(first, 201);
    const reordered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: { ...acme.auth, 'idempotency-key': key, 'content-type': 'application/json' },
      payload: `{ "customer_address": {"zipcode": "12345", "city": "Anytown"}, "customer_country": "USA",
        "customer_phone": "+19203751411", "customer_email": "${email}", "customer_name": "Ann" }`,
    });
    expectReplayOf(reordered, first);
    expect(await listTotal(t, acme)).toBe(1);
  });

  it('replays an update without applying it again', async () => {
    const customer = await createCustomer(t, acme, { customer_name: 'Before' });
    const key = idempotencyKey();
    const url = `/api/v1/customer/${customer.customer_id}`;
    const update = (name: string, k: string) =>
      t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...acme.auth, 'idempotency-key': k },
        payload: { customer_name: name },
      });
    const first = await update('After', key);
    expectFreshAnswer(first, 200);
    expect(first.json().data.customer_name).toBe('After');
    // Another change in between; the replay must neither undo it nor report it.
    t.clock.advance(1_000);
    expectFreshAnswer(await update('Later', idempotencyKey()), 200);
    t.clock.advance(1_000);
    const replay = await update('After', key);
    expectReplayOf(replay, first);
    const current = await t.app.inject({ method: 'GET', url, headers: acme.auth });
    expect(current.json().data.customer_name).toBe('Later');
  });
});

describe('422 idempotency_key_reused: same key, another request', () => {
  it('refuses a different body and does not execute it', async () => {
    const key = idempotencyKey();
    expectFreshAnswer(await post(t, acme, key, customerBody()), 201);
    const other = await post(t, acme, key, customerBody());
    expect(other.statusCode).toBe(422);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));
    expect(await listTotal(t, acme)).toBe(1);
  });

  it('refuses the same key and body on another path', async () => {
    const customer = await createCustomer(t, acme);
    const key = idempotencyKey();
    const body = { customer_name: 'Renamed' };
    const first = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/customer/${customer.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': key },
      payload: body,
    });
    expectFreshAnswer(first, 200);
    const another = await createCustomer(t, acme);
    const elsewhere = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/customer/${another.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': key },
      payload: body,
    });
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));
    const untouched = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${another.customer_id}`,
      headers: acme.auth,
    });
    expect(untouched.json().data.customer_name).toBe(another.customer_name);
  });

  it('refuses the same key, path and body with another method', async () => {
    const customer = await createCustomer(t, acme);
    const key = idempotencyKey();
    const url = `/api/v1/customer/${customer.customer_id}`;
    const body = { customer_name: 'Renamed' };
    const put = await t.app.inject({
      method: 'PUT',
      url,
      headers: { ...acme.auth, 'idempotency-key': key },
      payload: body,
    });
    expectFreshAnswer(put, 200);
    const patch = await t.app.inject({
      method: 'PATCH',
      url,
      headers: { ...acme.auth, 'idempotency-key': key },
      payload: body,
    });
    expect(patch.statusCode).toBe(422);
    expect(patch.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));
  });

  it('refuses a create key reused on an update', async () => {
    const key = idempotencyKey();
    const body = customerBody();
    const created = await post(t, acme, key, body);
    expectFreshAnswer(created, 201);
    const update = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/customer/${created.json().data.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': key },
      payload: body,
    });
    expect(update.statusCode).toBe(422);
    expect(update.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));
  });
});

describe('409 idempotency_key_in_use: same key while the first request runs', () => {
  it('20 concurrent requests with one key create exactly one customer', async () => {
    const key = idempotencyKey();
    const body = customerBody();
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(t, acme, key, body)));
    const fresh = responses.filter(
      (r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined,
    );
    expect(fresh).toHaveLength(1);
    const original = fresh[0]!;
    for (const response of responses) {
      if (response === original) continue;
      if (response.statusCode === 201) {
        expectReplayOf(response, original);
      } else {
        expect(response.statusCode, response.body).toBe(409);
        expect(response.json()).toEqual(errorEnvelope(409, 'idempotency_key_in_use'));
        expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    }
    expect(await listTotal(t, acme)).toBe(1);
  });

  it('answers 409 with Retry-After while the holder is held mid-flight, then replays', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let held = false;
    const inner = memoryStorage();
    const gated = await createTestApp({
      storage: storageWith(
        {
          idempotency: {
            async find(businessId, key, now) {
              if (!held) {
                held = true;
                entered();
                await gate;
              }
              return inner.idempotency.find(businessId, key, now);
            },
          },
        },
        inner,
      ),
    });
    try {
      const business = await createBusiness(gated, 'Gated');
      const key = idempotencyKey();
      const body = customerBody();
      const first = post(gated, business, key, body);
      await holding;
      const concurrent = await post(gated, business, key, body);
      expect(concurrent.statusCode).toBe(409);
      expect(concurrent.json()).toEqual(errorEnvelope(409, 'idempotency_key_in_use'));
      expect(Number(concurrent.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(concurrent.headers['x-request-id']).toBeTruthy();
      release();
      const original = await first;
      expectFreshAnswer(original, 201);
      expectReplayOf(await post(gated, business, key, body), original);
      expect(await listTotal(gated, business)).toBe(1);
    } finally {
      release();
      await gated.close();
    }
  });
});

describe('400: missing or invalid key', () => {
  const missing = {
    status: 'failed',
    status_code: 400,
    message: 'Request failed.',
    data: {
      error: 'Idempotency-Key is required for this request.',
      code: 'idempotency_key_missing',
    },
  };

  it('requires the key on create, update (PUT and PATCH) and secret rotation', async () => {
    const customer = await createCustomer(t, acme);
    const requests = [
      { method: 'POST' as const, url: '/api/v1/customer', payload: customerBody() },
      {
        method: 'PUT' as const,
        url: `/api/v1/customer/${customer.customer_id}`,
        payload: { customer_name: 'X' },
      },
      {
        method: 'PATCH' as const,
        url: `/api/v1/customer/${customer.customer_id}`,
        payload: { customer_name: 'X' },
      },
      { method: 'POST' as const, url: '/api/v1/generate-secret', payload: {} },
    ];
    for (const request of requests) {
      const response = await t.app.inject({ ...request, headers: acme.auth });
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(400);
      expect(response.json()).toEqual(missing);
    }
    expect(await listTotal(t, acme)).toBe(1);
    const unchanged = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${customer.customer_id}`,
      headers: acme.auth,
    });
    expect(unchanged.json().data.customer_name).toBe(customer.customer_name);
    // The secret was not rotated: the old one still logs in.
    await expect(login(t, acme.accountId, acme.appSecret)).resolves.toEqual(expect.any(String));
  });

  it('counts an empty key as missing', async () => {
    const response = await post(t, acme, '', customerBody());
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(missing);
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['non-ASCII characters', 'clé-idempotence'],
    ['a control character', 'key\u0001with-control'],
    ['a tab', 'key\twith-tab'],
    ['DEL', 'key\u007f'],
  ])('refuses a key with %s', async (_label, key) => {
    const response = await post(t, acme, key, customerBody());
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(errorEnvelope(400, 'idempotency_key_invalid'));
    expect(await listTotal(t, acme)).toBe(0);
  });

  it('accepts 255 printable ASCII characters, spaces and punctuation included', async () => {
    for (const key of ['k'.repeat(255), 'a key with spaces ~!@#$%^&*()', '1']) {
      const response = await post(t, acme, key, customerBody());
      expectFreshAnswer(response, 201);
    }
    expect(await listTotal(t, acme)).toBe(3);
  });

  it('does not ask for a key on login, logout, refresh or reads', async () => {
    const loginResponse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { account_id: acme.accountId, app_secret: acme.appSecret },
    });
    expect(loginResponse.statusCode).toBe(200);
    const token = loginResponse.json().data.access_token;
    const refresh = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/refresh-token',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refresh.statusCode).toBe(200);
    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${refresh.json().data.access_token}` },
    });
    expect(logout.statusCode, logout.body).toBe(200);
    const customer = await createCustomer(t, acme);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${customer.customer_id}`,
      headers: acme.auth,
    });
    expect(del.statusCode).toBe(200);
  });
});

describe('scope: keys belong to one business', () => {
  it('lets two businesses use the same key for their own creates', async () => {
    const globex = await createBusiness(t, 'Globex');
    const key = idempotencyKey();
    const body = customerBody();
    const mine = await post(t, acme, key, body);
    const theirs = await post(t, globex, key, body);
    expectFreshAnswer(mine, 201);
    expectFreshAnswer(theirs, 201);
    expect(theirs.json().data.customer_id).not.toBe(mine.json().data.customer_id);
    expect(await listTotal(t, acme)).toBe(1);
    expect(await listTotal(t, globex)).toBe(1);
    // And a different body under the same key is still judged per business.
    const reuse = await post(t, globex, key, customerBody());
    expect(reuse.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));
  });
});

describe('scope: the business, not the credential', () => {
  it('replays for the same business after a token refresh and with the X-Api-Key pair', async () => {
    const key = idempotencyKey();
    const body = customerBody();
    const first = await post(t, acme, key, body);
    expectFreshAnswer(first, 201);
    const refreshed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/refresh-token',
      headers: acme.auth,
    });
    expect(refreshed.statusCode).toBe(200);
    const newToken = {
      ...acme,
      auth: { authorization: `Bearer ${refreshed.json().data.access_token}` },
    };
    expectReplayOf(await post(t, newToken, key, body), first);
    const keyPair = {
      ...acme,
      auth: { 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret },
    };
    expectReplayOf(await post(t, keyPair, key, body), first);
    expect(await listTotal(t, newToken)).toBe(1);
  });

  it('rotates the app secret once per key and replays the same new secret', async () => {
    const key = idempotencyKey();
    const rotate = (business: TestBusiness) =>
      post(t, business, key, {}, '/api/v1/generate-secret');
    const first = await rotate(acme);
    expectFreshAnswer(first, 200);
    const secret = first.json().data.app_secret as string;
    expect(secret).not.toBe(acme.appSecret);
    // Tokens issued before the rotation are revoked; the client logs in with the new secret.
    const token = await login(t, acme.accountId, secret);
    const again = { ...acme, auth: { authorization: `Bearer ${token}` } };
    const replay = await rotate(again);
    expectReplayOf(replay, first);
    // Not rotated a second time: the secret from the first answer still works.
    await expect(login(t, acme.accountId, secret)).resolves.toEqual(expect.any(String));
  });
});

describe('kept outcomes: 2xx and 4xx, not 5xx', () => {
  it('keeps a 422 duplicate-email outcome and replays it even after the email is free again', async () => {
    const existing = await createCustomer(t, acme);
    const key = idempotencyKey();
    const body = customerBody({ customer_email: existing.customer_email });
    const first = await post(t, acme, key, body);
    expectFreshAnswer(first, 422);
    expect(first.json()).toEqual({
      status: 'failed',
      status_code: 422,
      message: 'Request failed.',
      data: { customer_email: ['Customer email already exists.'] },
    });
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${existing.customer_id}`,
      headers: acme.auth,
    });
    expect(deleted.statusCode).toBe(200);
    const replay = await post(t, acme, key, body);
    expectReplayOf(replay, first);
    expect(await listTotal(t, acme)).toBe(0);
  });

  it('keeps a 404 outcome of an update', async () => {
    const key = idempotencyKey();
    const url = '/api/v1/customer/0190a6f4-0000-7000-8000-000000000000';
    const send = () =>
      t.app.inject({
        method: 'PUT',
        url,
        headers: { ...acme.auth, 'idempotency-key': key },
        payload: { customer_name: 'Nobody' },
      });
    const first = await send();
    expectFreshAnswer(first, 404);
    expect(first.json()).toEqual(errorEnvelope(404, 'customer_not_found', 'Customer not found'));
    expectReplayOf(await send(), first);
  });

  it('does not keep a 500: the retry with the same key runs and succeeds', async () => {
    let failures = 1;
    const flaky = await createTestApp({
      storage: storageWith({
        customers: {
          async insert(customer) {
            if (failures > 0) {
              failures -= 1;
              throw new Error('disk on fire');
            }
            // `this` is the transaction's repository the override was attached to.
            return Object.getPrototypeOf(this).insert(customer);
          },
        } as Partial<CustomerRepository>,
      }),
    });
    try {
      const business = await createBusiness(flaky, 'Flaky');
      const key = idempotencyKey();
      const body = customerBody();
      const failed = await post(flaky, business, key, body);
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toEqual(errorEnvelope(500, 'internal_error'));
      expect(await listTotal(flaky, business)).toBe(0);
      const retry = await post(flaky, business, key, body);
      expectFreshAnswer(retry, 201);
      expectReplayOf(await post(flaky, business, key, body), retry);
      expect(await listTotal(flaky, business)).toBe(1);
    } finally {
      await flaky.close();
    }
  });

  it('does not keep a 503 either', async () => {
    let failures = 1;
    const down = await createTestApp({
      storage: storageWith({
        customers: {
          async insert(customer) {
            if (failures > 0) {
              failures -= 1;
              throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
                code: 'ECONNREFUSED',
              });
            }
            return Object.getPrototypeOf(this).insert(customer);
          },
        } as Partial<CustomerRepository>,
      }),
    });
    try {
      const business = await createBusiness(down, 'Down');
      const key = idempotencyKey();
      const body = customerBody();
      const failed = await post(down, business, key, body);
      expect(failed.statusCode).toBe(503);
      expect(failed.json()).toEqual(errorEnvelope(503, 'service_unavailable'));
      expect(Number(failed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const retry = await post(down, business, key, body);
      expectFreshAnswer(retry, 201);
      expect(await listTotal(down, business)).toBe(1);
    } finally {
      await down.close();
    }
  });
});

describe('retention: IDEMPOTENCY_TTL_SECONDS (default 86400)', () => {
  it('remembers a key until the TTL passes, then treats it as new', async () => {
    const key = idempotencyKey();
    const first = await post(t, acme, key, customerBody());
    expectFreshAnswer(first, 201);

    t.clock.advance(86_399 * 1000);
    let business = { ...acme, token: await login(t, acme.accountId, acme.appSecret) };
    business = { ...business, auth: { authorization: `Bearer ${business.token}` } };
    const stillKept = await post(t, business, key, customerBody());
    expect(stillKept.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));

    t.clock.advance(2 * 1000);
    business = { ...business, token: await login(t, acme.accountId, acme.appSecret) };
    business = { ...business, auth: { authorization: `Bearer ${business.token}` } };
    const reused = await post(t, business, key, customerBody());
    expectFreshAnswer(reused, 201);
    expect(reused.json().data.customer_id).not.toBe(first.json().data.customer_id);
    // The renewed key now guards the new request: another body is refused again.
    const another = await post(t, business, key, customerBody());
    expect(another.json()).toEqual(errorEnvelope(422, 'idempotency_key_reused'));
    expect(await listTotal(t, business)).toBe(2);
  });

  it('purges records past their TTL from storage', async () => {
    const key = idempotencyKey();
    expectFreshAnswer(await post(t, acme, key, customerBody()), 201);
    const later = () => toTimestamp(t.clock.now());
    expect(await t.storage.idempotency.deleteExpired(later(), 100)).toBe(0);
    t.clock.advance(86_401 * 1000);
    expect(await t.storage.idempotency.deleteExpired(later(), 100)).toBe(1);
    expect(await t.storage.idempotency.find(acme.businessId, key, later())).toBeUndefined();
  });

  it('honours a configured TTL', async () => {
    const short = await createTestApp({ env: { IDEMPOTENCY_TTL_SECONDS: '60' } });
    try {
      const business = await createBusiness(short, 'Short');
      const key = idempotencyKey();
      expectFreshAnswer(await post(short, business, key, customerBody()), 201);
      short.clock.advance(59 * 1000);
      expect((await post(short, business, key, customerBody())).statusCode).toBe(422);
      short.clock.advance(2 * 1000);
      expectFreshAnswer(await post(short, business, key, customerBody()), 201);
    } finally {
      await short.close();
    }
  });
});

describe('storage: stored responses are encrypted', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-idem-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the response body only as ciphertext in idempotency_keys', async () => {
    const path = join(dir, 'x.db');
    const onDisk = await createTestApp({ env: { DATABASE_URL: `sqlite:${path}` } });
    try {
      const business = await createBusiness(onDisk, 'Disk');
      const key = idempotencyKey();
      const body = customerBody({ customer_name: 'Plaintext Canary' });
      const first = await post(onDisk, business, key, body);
      expectFreshAnswer(first, 201);
      const reader = new SQLite(path, { readonly: true, fileMustExist: true });
      try {
        const rows = reader
          .prepare(
            'select business_id, idempotency_key, response_status, response_body from idempotency_keys',
          )
          .all() as Array<Record<string, unknown>>;
        expect(rows).toHaveLength(1);
        const row = rows[0]!;
        expect(row.business_id).toBe(business.businessId);
        expect(row.idempotency_key).toBe(key);
        expect(row.response_status).toBe(201);
        const stored = String(row.response_body);
        expect(stored).toMatch(/^v1:/);
        expect(stored).not.toContain('Plaintext Canary');
        expect(stored).not.toContain(String(body.customer_email));
        expect(stored).not.toContain(first.json().data.customer_id);
        expect(stored).not.toContain('status_code');
      } finally {
        reader.close();
      }
      expectReplayOf(await post(onDisk, business, key, body), first);
    } finally {
      await onDisk.close();
    }
  });
});
