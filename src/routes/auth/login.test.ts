import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createTestApp,
  errorEnvelope,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';
import { TOKEN_ISSUER } from '../../app.js';
import {
  MemoryRateLimitStore,
  type RateLimitStore,
  type WindowCount,
} from '../../lib/fixed-window-limiter.js';
import { signingKeyFrom } from '../../lib/jwt.js';

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

/** A login from the given client address (the throttle counts per account and per address). */
function loginRequest(
  accountId: unknown,
  appSecret: unknown,
  remoteAddress = '198.51.100.1',
): InjectOptions {
  return {
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { account_id: accountId, app_secret: appSecret },
    remoteAddress,
  };
}

/** The memory limiter behind a little latency, as a Redis-backed one is. */
class LimiterWithLatency implements RateLimitStore {
  private readonly inner = new MemoryRateLimitStore();
  constructor(private readonly latencyMs: number) {}
  private async hop(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }
  async increment(key: string, windowMs: number, nowMs: number): Promise<WindowCount> {
    await this.hop();
    return this.inner.increment(key, windowMs, nowMs);
  }
  async peek(key: string, windowMs: number, nowMs: number): Promise<WindowCount> {
    await this.hop();
    return this.inner.peek(key, windowMs, nowMs);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const wrongSecret = () => `sk_${randomBytes(32).toString('base64url')}`;
const unknownAccount = () => `acct_${randomBytes(12).toString('hex')}`;

function listWith(headers: Record<string, string>, remoteAddress = '198.51.100.1') {
  return t.app.inject({ method: 'GET', url: '/api/v1/customer', headers, remoteAddress });
}

function expectThrottled(response: LightMyRequestResponse, label = ''): number {
  expect(response.statusCode, `${label} ${response.body}`).toBe(429);
  expect(response.json(), label).toEqual(errorEnvelope(429, 'rate_limited'));
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter), label).toBe(true);
  expect(retryAfter, label).toBeGreaterThanOrEqual(1);
  return retryAfter;
}

/**
 * Fails with `attempt` until the throttle answers 429; returns how many failures it took. The
 * contract fixes no numbers, so the bounds are loose: a few typos are never throttled, a guesser
 * is stopped long before `cap` attempts.
 */
async function failUntilThrottled(
  attempt: (index: number) => Promise<LightMyRequestResponse>,
  expectedFailure: number,
  cap: number,
): Promise<number> {
  for (let index = 0; index < cap; index += 1) {
    const response = await attempt(index);
    if (response.statusCode === 429) {
      expect(index, 'throttled after too few failures').toBeGreaterThanOrEqual(5);
      return index;
    }
    expect(response.statusCode, response.body).toBe(expectedFailure);
  }
  throw new Error(`not throttled after ${cap} failures`);
}

describe('POST /api/v1/auth/login → 200', () => {
  it('returns a bearer token in the contract envelope', async () => {
    const response = await t.app.inject(loginRequest(acme.accountId, acme.appSecret));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: { access_token: expect.any(String), token_type: 'bearer', expires_in: 600 },
    });
    expect(Object.keys(response.json().data)).toEqual(['access_token', 'token_type', 'expires_in']);
  });

  it('signs an HS256 JWT with typ, alg and kid whose claims verify with jose', async () => {
    const response = await t.app.inject(loginRequest(acme.accountId, acme.appSecret));
    const token: string = response.json().data.access_token;
    expect(decodeProtectedHeader(token)).toEqual({
      typ: 'JWT',
      alg: 'HS256',
      kid: signingKeyFrom(t.secrets.jwtSecret).kid,
    });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(t.secrets.jwtSecret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      typ: 'JWT',
      currentDate: t.clock.now(),
    });
    const now = Math.floor(t.clock.now().getTime() / 1000);
    expect(payload).toEqual({
      sub: acme.businessId,
      iat: now,
      nbf: now,
      exp: now + 600,
      jti: expect.any(String),
      iss: 'clientele',
    });
    expect(payload.jti!.length).toBeGreaterThanOrEqual(16);
  });

  it('gives each login its own jti, and each token works on its own', async () => {
    const tokens = await Promise.all(
      [1, 2, 3].map(async () => {
        const response = await t.app.inject(loginRequest(acme.accountId, acme.appSecret));
        return response.json().data.access_token as string;
      }),
    );
    const jtis = await Promise.all(
      tokens.map(async (token) => {
        const { payload } = await jwtVerify(token, new TextEncoder().encode(t.secrets.jwtSecret), {
          currentDate: t.clock.now(),
        });
        return payload.jti;
      }),
    );
    expect(new Set(jtis).size).toBe(3);
    for (const token of tokens) {
      expect((await listWith({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
    }
  });

  it('does not need an Idempotency-Key', async () => {
    const response = await t.app.inject(loginRequest(acme.accountId, acme.appSecret));
    expect(response.statusCode).toBe(200);
  });

  it('honours TOKEN_TTL_SECONDS in expires_in and exp', async () => {
    const short = await createTestApp({ env: { TOKEN_TTL_SECONDS: '120' } });
    try {
      const business = await createBusiness(short, 'Shortlived');
      const response = await short.app.inject(loginRequest(business.accountId, business.appSecret));
      expect(response.json().data.expires_in).toBe(120);
      const token: string = response.json().data.access_token;
      const { payload } = await jwtVerify(
        token,
        new TextEncoder().encode(short.secrets.jwtSecret),
        { currentDate: short.clock.now() },
      );
      expect(payload.exp! - payload.iat!).toBe(120);
      short.clock.advance(119_000);
      const headers = { authorization: `Bearer ${token}` };
      const list = { method: 'GET' as const, url: '/api/v1/customer', headers };
      expect((await short.app.inject(list)).statusCode).toBe(200);
      short.clock.advance(1_000);
      expect((await short.app.inject(list)).statusCode).toBe(401);
    } finally {
      await short.close();
    }
  });
});

describe('POST /api/v1/auth/login → 401', () => {
  it('answers a wrong secret and an unknown account identically', async () => {
    const other = await createBusiness(t, 'Other');
    const attempts = [
      loginRequest(acme.accountId, wrongSecret()),
      loginRequest(unknownAccount(), wrongSecret()),
      loginRequest(unknownAccount(), acme.appSecret),
      loginRequest(acme.accountId, other.appSecret),
      loginRequest(acme.accountId.toUpperCase(), acme.appSecret),
      loginRequest(acme.accountId, `${acme.appSecret} `),
    ];
    const responses = [];
    for (const attempt of attempts) responses.push(await t.app.inject(attempt));
    const [first] = responses;
    expect(first!.json()).toEqual(errorEnvelope(401, 'invalid_credentials'));
    const comparable = (response: LightMyRequestResponse) => {
      const { 'x-request-id': _id, date: _date, ...headers } = response.headers;
      return { status: response.statusCode, headers, body: response.body };
    };
    for (const response of responses) expect(comparable(response)).toEqual(comparable(first!));
  });

  it('issues no token for a failed login', async () => {
    const response = await t.app.inject(loginRequest(acme.accountId, wrongSecret()));
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain('access_token');
  });
});

describe('POST /api/v1/auth/login → 422', () => {
  it('lists every missing field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: {},
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      status: 'failed',
      status_code: 422,
      message: 'Request failed.',
      data: {
        account_id: [expect.stringMatching(/required/)],
        app_secret: [expect.stringMatching(/required/)],
      },
    });
  });

  it('names the one missing field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { account_id: acme.accountId },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().data).toEqual({ app_secret: [expect.stringMatching(/required/)] });
  });

  it('refuses empty and non-string values, naming each field', async () => {
    for (const [accountId, appSecret] of [
      ['', ''],
      [123, true],
      [null, null],
    ]) {
      const response = await t.app.inject(loginRequest(accountId, appSecret));
      expect(response.statusCode, JSON.stringify([accountId, appSecret])).toBe(422);
      expect(response.json().status_code).toBe(422);
      expect(Object.keys(response.json().data).sort()).toEqual(['account_id', 'app_secret']);
    }
  });

  it('answers a request without a body with a 422 field map', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login' });
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body).toMatchObject({ status: 'failed', status_code: 422, message: 'Request failed.' });
    for (const messages of Object.values(body.data)) {
      expect(messages).toEqual([expect.any(String)]);
    }
  });
});

describe('POST /api/v1/auth/login → 400 / 415', () => {
  it('answers invalid JSON with 400 invalid_json', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"account_id":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(errorEnvelope(400, 'invalid_json'));
  });

  it('answers a form-encoded body with 415 unsupported_media_type', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `account_id=${acme.accountId}&app_secret=${acme.appSecret}`,
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual(errorEnvelope(415, 'unsupported_media_type'));
  });
});

describe('POST /api/v1/auth/login → 429 (brute force)', () => {
  it('throttles repeated failures for one account_id, then refuses even the right secret', async () => {
    // Each guess from a different address: only the account's budget can stop them.
    const failures = await failUntilThrottled(
      (index) =>
        t.app.inject(loginRequest(acme.accountId, wrongSecret(), `203.0.113.${index + 1}`)),
      401,
      50,
    );
    expect(failures).toBeLessThanOrEqual(20);
    const refused = await t.app.inject(loginRequest(acme.accountId, acme.appSecret, '192.0.2.200'));
    const retryAfter = expectThrottled(refused, 'right secret while throttled');
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.body).not.toContain('access_token');
    // The key pair is checked like a login: the account is locked there too.
    expectThrottled(
      await listWith(
        { 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret },
        '192.0.2.201',
      ),
      'key pair while the account is throttled',
    );
  });

  it('does not lock other accounts out', async () => {
    const other = await createBusiness(t, 'Other');
    await failUntilThrottled(
      (index) =>
        t.app.inject(loginRequest(acme.accountId, wrongSecret(), `203.0.113.${index + 1}`)),
      401,
      50,
    );
    const response = await t.app.inject(
      loginRequest(other.accountId, other.appSecret, '192.0.2.9'),
    );
    expect(response.statusCode).toBe(200);
  });

  it('releases the account once Retry-After has passed on the clock', async () => {
    await failUntilThrottled(
      (index) =>
        t.app.inject(loginRequest(acme.accountId, wrongSecret(), `203.0.113.${index + 1}`)),
      401,
      50,
    );
    const retryAfter = expectThrottled(
      await t.app.inject(loginRequest(acme.accountId, acme.appSecret)),
    );
    if (retryAfter >= 2) {
      t.clock.advance((retryAfter - 1) * 1000);
      expectThrottled(await t.app.inject(loginRequest(acme.accountId, acme.appSecret)), 'early');
      t.clock.advance(1000);
    } else {
      t.clock.advance(retryAfter * 1000);
    }
    const response = await t.app.inject(loginRequest(acme.accountId, acme.appSecret));
    expect(response.statusCode, response.body).toBe(200);
  });

  it('throttles failures from one client address across many account ids', async () => {
    const failures = await failUntilThrottled(
      () => t.app.inject(loginRequest(unknownAccount(), wrongSecret(), '203.0.113.66')),
      401,
      200,
    );
    expect(failures).toBeLessThanOrEqual(100);
    // Even a right pair from that address is refused; the same pair from elsewhere is not.
    expectThrottled(
      await t.app.inject(loginRequest(acme.accountId, acme.appSecret, '203.0.113.66')),
      'right pair from the throttled address',
    );
    expectThrottled(
      await listWith(
        { 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret },
        '203.0.113.66',
      ),
      'key pair from the throttled address',
    );
    const elsewhere = await t.app.inject(loginRequest(acme.accountId, acme.appSecret, '192.0.2.7'));
    expect(elsewhere.statusCode).toBe(200);
  });

  it('counts wrong X-Api-Secret attempts like failed logins', async () => {
    const failures = await failUntilThrottled(
      (index) =>
        listWith(
          { 'x-api-key': acme.accountId, 'x-api-secret': wrongSecret() },
          `203.0.113.${index + 1}`,
        ),
      401,
      50,
    );
    expect(failures).toBeLessThanOrEqual(20);
    expectThrottled(
      await listWith({ 'x-api-key': acme.accountId, 'x-api-secret': acme.appSecret }, '192.0.2.50'),
      'right key pair while throttled',
    );
    expectThrottled(
      await t.app.inject(loginRequest(acme.accountId, acme.appSecret, '192.0.2.51')),
      'login while the key pair is throttled',
    );
    // A bearer token obtained before is not a guess: it keeps working.
    expect((await listWith(acme.auth)).statusCode).toBe(200);
  });

  it('bounds the guesses per account even when they arrive concurrently (shared limiter)', async () => {
    // With REDIS_URL the limiter is a network hop away: give the store a little latency.
    const shared = await createTestApp({ rateLimitStore: new LimiterWithLatency(2) });
    try {
      const victim = await createBusiness(shared, 'Victim');
      const probe = await createBusiness(shared, 'Probe');
      const inject = (accountId: string, index: number, prefix: string) =>
        shared.app.inject(loginRequest(accountId, wrongSecret(), `${prefix}.${index + 1}`));
      // The sequential budget, measured on one account...
      const budget = await failUntilThrottled(
        (i) => inject(probe.accountId, i, '203.0.113'),
        401,
        50,
      );
      // ...is all that a burst of parallel guesses against another account may get checked.
      const burst = await Promise.all(
        Array.from({ length: budget * 5 }, (_, i) => inject(victim.accountId, i, '198.18.0')),
      );
      const checked = burst.filter((response) => response.statusCode === 401).length;
      const throttled = burst.filter((response) => response.statusCode === 429).length;
      expect(checked + throttled).toBe(burst.length);
      expect(
        checked,
        `${checked} guesses checked in one burst, budget ${budget}`,
      ).toBeLessThanOrEqual(budget);
    } finally {
      await shared.close();
    }
  });

  it('lets a burst of concurrent right logins for one account all through (shared limiter)', async () => {
    const shared = await createTestApp({ rateLimitStore: new LimiterWithLatency(2) });
    try {
      const fleet = await createBusiness(shared, 'Fleet');
      const burst = await Promise.all(
        Array.from({ length: 50 }, () =>
          shared.app.inject(loginRequest(fleet.accountId, fleet.appSecret, '203.0.113.77')),
        ),
      );
      expect(burst.map((response) => response.statusCode)).toEqual(Array(50).fill(200));
    } finally {
      await shared.close();
    }
  });

  it('does not count successful logins or validation errors as failures', async () => {
    for (let index = 0; index < 40; index += 1) {
      const ok = await t.app.inject(loginRequest(acme.accountId, acme.appSecret, '203.0.113.9'));
      expect(ok.statusCode).toBe(200);
      const invalid = await t.app.inject(loginRequest(acme.accountId, '', '203.0.113.9'));
      expect(invalid.statusCode).toBe(422);
    }
  });
});
