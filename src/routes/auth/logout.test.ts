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

function logout(headers: Record<string, string>) {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers });
}

function list(headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: '/api/v1/customer', headers });
}

function expectUnauthenticated(response: Awaited<ReturnType<typeof list>>, label = '') {
  expect(response.statusCode, label).toBe(401);
  expect(response.headers['www-authenticate'], label).toBe('Bearer');
  expect(response.json(), label).toEqual(errorEnvelope(401, 'unauthenticated'));
}

describe('POST /api/v1/auth/logout → 200', () => {
  it('answers the success envelope without needing an Idempotency-Key', async () => {
    const response = await logout(acme.auth);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Successfully logged out',
      data: { message: 'Successfully logged out' },
    });
  });

  it('revokes only the presented token', async () => {
    const second = await login(t, acme.accountId, acme.appSecret);
    const other = await createBusiness(t, 'Other');
    expect((await logout(acme.auth)).statusCode).toBe(200);
    expect((await list(bearer(second))).statusCode).toBe(200);
    expect((await list(other.auth)).statusCode).toBe(200);
    expect(
      (await list({ 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret })).statusCode,
    ).toBe(200);
  });

  it('accepts a JSON content type with an empty body', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...acme.auth, 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode).toBe(200);
    expectUnauthenticated(await list(acme.auth));
  });

  it('with the X-Api-Key pair has nothing to revoke: the pair and tokens keep working', async () => {
    const pair = { 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret };
    expect((await logout(pair)).statusCode).toBe(200);
    expect((await list(pair)).statusCode).toBe(200);
    expect((await list(acme.auth)).statusCode).toBe(200);
  });
});

describe('POST /api/v1/auth/logout → 401', () => {
  it('the token is refused everywhere afterwards', async () => {
    expect((await logout(acme.auth)).statusCode).toBe(200);
    expectUnauthenticated(await list(acme.auth), 'customer route');
    expectUnauthenticated(
      await t.app.inject({ method: 'GET', url: '/api/v1/auth/refresh-token', headers: acme.auth }),
      'refresh',
    );
    expectUnauthenticated(await logout(acme.auth), 'second logout');
  });

  it('refuses a request without a token', async () => {
    expectUnauthenticated(await logout({}));
  });

  it('refuses an expired token', async () => {
    t.clock.advance(600_000);
    expectUnauthenticated(await logout(acme.auth));
  });

  it('a logout after the clock moves on still revokes a live token for good', async () => {
    t.clock.advance(599_000);
    expect((await logout(acme.auth)).statusCode).toBe(200);
    expectUnauthenticated(await list(acme.auth));
  });
});

describe('/api/v1/auth/logout → 405', () => {
  it('answers GET with 405 and an Allow header naming POST', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/logout',
      headers: acme.auth,
    });
    expect(response.statusCode).toBe(405);
    expect(response.json()).toEqual(errorEnvelope(405, 'method_not_allowed'));
    expect(String(response.headers.allow)).toContain('POST');
    expect((await list(acme.auth)).statusCode).toBe(200);
  });
});
