import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createTestApp,
  errorEnvelope,
  login,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function refresh(headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: '/api/v1/auth/refresh-token', headers });
}

function list(headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: '/api/v1/customer', headers });
}

function verified(token: string) {
  return jwtVerify(token, new TextEncoder().encode(t.secrets.jwtSecret), {
    algorithms: ['HS256'],
    issuer: 'clientele',
    currentDate: t.clock.now(),
  });
}

function expectUnauthenticated(response: Awaited<ReturnType<typeof list>>, label = '') {
  expect(response.statusCode, label).toBe(401);
  expect(response.headers['www-authenticate'], label).toBe('Bearer');
  expect(response.json(), label).toEqual(errorEnvelope(401, 'unauthenticated'));
}

describe('GET /api/v1/auth/refresh-token → 200', () => {
  it('returns a new token in the login envelope, signed HS256 for the same business', async () => {
    t.clock.advance(30_000);
    const response = await refresh(acme.auth);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: { access_token: expect.any(String), token_type: 'bearer', expires_in: 600 },
    });
    const token: string = response.json().data.access_token;
    expect(token).not.toBe(acme.token);
    expect(decodeProtectedHeader(token)).toEqual(decodeProtectedHeader(acme.token));
    const fresh = (await verified(token)).payload;
    const old = (await verified(acme.token)).payload;
    const now = Math.floor(t.clock.now().getTime() / 1000);
    expect(fresh).toEqual({ ...old, iat: now, nbf: now, exp: now + 600, jti: expect.any(String) });
    expect(fresh.jti).not.toBe(old.jti);
    expect(fresh.sub).toBe(acme.businessId);
  });

  it('the new token works and outlives the old one’s expiry', async () => {
    t.clock.advance(500_000);
    const token: string = (await refresh(acme.auth)).json().data.access_token;
    t.clock.advance(200_000); // past the first token's exp
    expect((await list(bearer(token))).statusCode).toBe(200);
  });

  it('works with the X-Api-Key pair, which keeps working', async () => {
    const pair = { 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret };
    const response = await refresh(pair);
    expect(response.statusCode).toBe(200);
    expect((await list(bearer(response.json().data.access_token))).statusCode).toBe(200);
    expect((await list(pair)).statusCode).toBe(200);
    expect((await list(acme.auth)).statusCode).toBe(200);
  });

  it('leaves the business’s other tokens and other businesses alone', async () => {
    const second = await login(t, acme.accountId, acme.appSecret);
    const other = await createBusiness(t, 'Other');
    expect((await refresh(acme.auth)).statusCode).toBe(200);
    expect((await list(bearer(second))).statusCode).toBe(200);
    expect((await list(other.auth)).statusCode).toBe(200);
  });
});

describe('GET /api/v1/auth/refresh-token → 401', () => {
  it('revokes the presented token: it fails on every later request', async () => {
    const response = await refresh(acme.auth);
    expect(response.statusCode).toBe(200);
    expectUnauthenticated(await list(acme.auth), 'old token on a customer route');
    expectUnauthenticated(await refresh(acme.auth), 'old token refreshed again');
    expect((await list(bearer(response.json().data.access_token))).statusCode).toBe(200);
  });

  it('refuses a request without a token', async () => {
    expectUnauthenticated(await refresh({}));
  });

  it('refuses an expired token: a refresh cannot extend a dead session', async () => {
    t.clock.advance(600_000);
    expectUnauthenticated(await refresh(acme.auth));
  });

  it('refuses a logged-out token', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: acme.auth });
    expectUnauthenticated(await refresh(acme.auth));
  });

  it('exchanges one token at most once, even for concurrent refreshes', async () => {
    const responses = await Promise.all([refresh(acme.auth), refresh(acme.auth)]);
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([200, 401]);
    const winner = responses.find((response) => response.statusCode === 200)!;
    expect((await list(bearer(winner.json().data.access_token))).statusCode).toBe(200);
  });
});

describe('/api/v1/auth/refresh-token → 405', () => {
  it('answers POST with 405 and an Allow header naming GET', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh-token',
      headers: acme.auth,
    });
    expect(response.statusCode).toBe(405);
    expect(response.json()).toEqual(errorEnvelope(405, 'method_not_allowed'));
    expect(String(response.headers.allow)).toContain('GET');
  });
});
