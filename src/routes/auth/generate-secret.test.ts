import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createTestApp,
  errorEnvelope,
  idempotencyKey,
  login,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';
import { BusinessService } from '../../businesses/business-service.js';
import { toTimestamp } from '../../lib/timestamps.js';

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const pair = (business: TestBusiness, secret = business.appSecret) => ({
  'x-api-key': business.accountId,
  'x-api-secret': secret,
});

function generateSecret(headers: Record<string, string>) {
  return t.app.inject({ method: 'POST', url: '/api/v1/generate-secret', headers });
}

function loginWith(accountId: string, appSecret: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { account_id: accountId, app_secret: appSecret },
  });
}

function list(headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: '/api/v1/customer', headers });
}

function expectUnauthenticated(response: Awaited<ReturnType<typeof list>>, label = '') {
  expect(response.statusCode, label).toBe(401);
  expect(response.headers['www-authenticate'], label).toBe('Bearer');
  expect(response.json(), label).toEqual(errorEnvelope(401, 'unauthenticated'));
}

/** Old secret refused (login and key pair), new secret accepted (login and key pair). */
async function expectRotated(business: TestBusiness, newSecret: string) {
  const oldLogin = await loginWith(business.accountId, business.appSecret);
  expect(oldLogin.statusCode).toBe(401);
  expect(oldLogin.json()).toEqual(errorEnvelope(401, 'invalid_credentials'));
  expectUnauthenticated(await list(pair(business)), 'old key pair');
  const newLogin = await loginWith(business.accountId, newSecret);
  expect(newLogin.statusCode).toBe(200);
  expect((await list(bearer(newLogin.json().data.access_token))).statusCode).toBe(200);
  expect((await list(pair(business, newSecret))).statusCode).toBe(200);
}

describe('POST /api/v1/generate-secret → 200', () => {
  it('returns a new high-entropy secret, shown in the data envelope', async () => {
    const response = await generateSecret({ ...acme.auth, 'idempotency-key': idempotencyKey() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: { app_secret: expect.any(String) },
    });
    const secret: string = response.json().data.app_secret;
    expect(secret).not.toBe(acme.appSecret);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(new Set(secret).size).toBeGreaterThanOrEqual(16);
  });

  it('the old secret stops working at once and the new one works', async () => {
    const response = await generateSecret({ ...acme.auth, 'idempotency-key': idempotencyKey() });
    await expectRotated(acme, response.json().data.app_secret);
  });

  it('revokes every token issued before the rotation, the caller’s included', async () => {
    const second = await login(t, acme.accountId, acme.appSecret);
    const third = await login(t, acme.accountId, acme.appSecret);
    const response = await generateSecret({
      ...bearer(second),
      'idempotency-key': idempotencyKey(),
    });
    expect(response.statusCode).toBe(200);
    for (const [label, token] of [
      ['first', acme.token],
      ['caller', second],
      ['third', third],
    ] as const) {
      expectUnauthenticated(await list(bearer(token)), label);
    }
  });

  it('works with the X-Api-Key pair, after which that pair is refused', async () => {
    const response = await generateSecret({ ...pair(acme), 'idempotency-key': idempotencyKey() });
    expect(response.statusCode).toBe(200);
    expectUnauthenticated(await list(acme.auth), 'token from before');
    await expectRotated(acme, response.json().data.app_secret);
  });

  it('leaves other businesses alone', async () => {
    const other = await createBusiness(t, 'Other');
    await generateSecret({ ...acme.auth, 'idempotency-key': idempotencyKey() });
    expect((await list(other.auth)).statusCode).toBe(200);
    expect((await loginWith(other.accountId, other.appSecret)).statusCode).toBe(200);
  });

  it('replays the same secret for a repeated Idempotency-Key without rotating again', async () => {
    const key = idempotencyKey();
    const first = await generateSecret({ ...acme.auth, 'idempotency-key': key });
    expect(first.statusCode).toBe(200);
    const secret: string = first.json().data.app_secret;
    const token = await login(t, acme.accountId, secret);
    const again = await generateSecret({ ...bearer(token), 'idempotency-key': key });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    // No second rotation: the secret and the token made with it still work.
    expect((await list(bearer(token))).statusCode).toBe(200);
    expect((await loginWith(acme.accountId, secret)).statusCode).toBe(200);
  });

  it('stores the new secret only as a hash, and not in the clear in the idempotency record', async () => {
    const key = idempotencyKey();
    const response = await generateSecret({ ...acme.auth, 'idempotency-key': key });
    const secret: string = response.json().data.app_secret;
    const business = await t.storage.businesses.findById(acme.businessId);
    expect(business).toBeDefined();
    expect(JSON.stringify(business)).not.toContain(secret);
    const record = await t.storage.idempotency.find(
      acme.businessId,
      key,
      toTimestamp(t.clock.now()),
    );
    expect(record).toBeDefined();
    expect(JSON.stringify(record)).not.toContain(secret);
  });
});

describe('POST /api/v1/generate-secret → 400', () => {
  it('requires an Idempotency-Key, and rotates nothing without one', async () => {
    const response = await generateSecret(acme.auth);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(
      errorEnvelope(
        400,
        'idempotency_key_missing',
        'Idempotency-Key is required for this request.',
      ),
    );
    expect((await list(acme.auth)).statusCode).toBe(200);
    expect((await loginWith(acme.accountId, acme.appSecret)).statusCode).toBe(200);
  });

  it('refuses an Idempotency-Key that is not 1–255 printable ASCII characters', async () => {
    for (const key of ['k'.repeat(256), 'tab\tkey', 'clé']) {
      const response = await generateSecret({ ...acme.auth, 'idempotency-key': key });
      expect(response.statusCode, key).toBe(400);
      expect(response.json().status_code).toBe(400);
      expect(response.body).not.toContain('app_secret');
    }
    expect((await loginWith(acme.accountId, acme.appSecret)).statusCode).toBe(200);
  });
});

describe('POST /api/v1/generate-secret → 401', () => {
  it('refuses a request without credentials before looking at the Idempotency-Key', async () => {
    expectUnauthenticated(await generateSecret({}), 'no key');
    expectUnauthenticated(await generateSecret({ 'idempotency-key': idempotencyKey() }), 'key');
    expect((await loginWith(acme.accountId, acme.appSecret)).statusCode).toBe(200);
  });

  it('refuses a token revoked by an earlier rotation', async () => {
    await generateSecret({ ...acme.auth, 'idempotency-key': idempotencyKey() });
    expectUnauthenticated(
      await generateSecret({ ...acme.auth, 'idempotency-key': idempotencyKey() }),
    );
  });
});

describe('operator rotation (BusinessService.rotateSecret, as the CLI runs it)', () => {
  it('revokes the tokens and the old secret at once; the new secret works', async () => {
    const second = await login(t, acme.accountId, acme.appSecret);
    const service = new BusinessService(t.storage, t.clock);
    const secret = await t.storage.transaction((repos) =>
      service.rotateSecret(repos, acme.businessId),
    );
    expectUnauthenticated(await list(acme.auth), 'first token');
    expectUnauthenticated(await list(bearer(second)), 'second token');
    await expectRotated(acme, secret);
  });

  it('does nothing when its transaction rolls back', async () => {
    const service = new BusinessService(t.storage, t.clock);
    await expect(
      t.storage.transaction(async (repos) => {
        await service.rotateSecret(repos, acme.businessId);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await list(acme.auth)).statusCode).toBe(200);
    expect((await loginWith(acme.accountId, acme.appSecret)).statusCode).toBe(200);
  });
});
