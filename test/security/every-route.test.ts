import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import {
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BusinessService } from '../../src/businesses/business-service.js';
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
import { registerWebhook } from '../helpers/webhook-dispatch.js';
import {
  AUTHENTICATED_ROUTES,
  type AuthenticatedRoute,
  CUSTOMER_ID_ROUTES,
  hasCustomerId,
  openApiPath,
  PUBLIC_ROUTES,
  requestFor,
  routeName,
} from './routes.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TOKEN_TTL_MS = 600_000;

let nameSequence = 0;
/** Business names must be unique (their email derives from the name). */
function uniqueName(prefix: string): string {
  nameSequence += 1;
  return `${prefix}${nameSequence}x${randomBytes(4).toString('hex')}`;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function keyPair(business: TestBusiness, secret = business.appSecret): Record<string, string> {
  return { 'x-api-key': business.accountId, 'x-api-secret': secret };
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A compact JWS over the given header and claims, HMAC-SHA256 under `secret`, whatever the header says. */
function hmacSha256Token(header: unknown, claims: unknown, secret: string): string {
  const input = `${b64json(header)}.${b64json(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A token built by jose (an implementation independent of ours). */
function forge(
  secret: string | Uint8Array,
  claims: JWTPayload,
  header: Partial<JWTHeaderParameters> & { alg?: string } = {},
): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header } as JWTHeaderParameters)
    .sign(key);
}

function nowSeconds(t: TestApp): number {
  return Math.floor(t.clock.now().getTime() / 1000);
}

function expectUnauthenticated(response: LightMyRequestResponse, label: string): void {
  expect(response.statusCode, `${label}: ${response.body}`).toBe(401);
  expect(response.headers['www-authenticate'], label).toBe('Bearer');
  expect(response.json(), label).toEqual(errorEnvelope(401, 'unauthenticated'));
  expect(String(response.headers['x-request-id']), label).toMatch(SAFE_REQUEST_ID);
}

let rsaKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
beforeAll(async () => {
  rsaKey = (await generateKeyPair('RS256')).privateKey;
});

interface CredentialContext {
  t: TestApp;
  /** The caller: a fresh business, logged in. */
  me: TestBusiness;
  /** Another tenant. */
  other: TestBusiness;
  /** The claims and kid of `me.token`, as issued by the service. */
  claims: JWTPayload;
  kid: string;
}

interface BadCredential {
  name: string;
  headers(ctx: CredentialContext): Promise<Record<string, string>>;
}

async function rotateThroughApi(t: TestApp, token: string) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/generate-secret',
    headers: { ...bearer(token), 'idempotency-key': idempotencyKey() },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data.app_secret as string;
}

async function rotateLikeTheCli(t: TestApp, business: TestBusiness): Promise<string> {
  const service = new BusinessService(t.storage, t.clock);
  return t.storage.transaction((repos) => service.rotateSecret(repos, business.businessId));
}

/** Every way of not being authenticated this suite knows. Each must answer 401 on every route. */
const BAD_CREDENTIALS: readonly BadCredential[] = [
  { name: 'no credentials at all', headers: async () => ({}) },
  { name: 'a garbage Authorization header', headers: async () => ({ authorization: 'garbage' }) },
  { name: '"Bearer" with nothing after it', headers: async () => ({ authorization: 'Bearer' }) },
  { name: '"Bearer " followed by spaces', headers: async () => ({ authorization: 'Bearer    ' }) },
  {
    name: 'Basic credentials made of account_id:app_secret',
    headers: async ({ me }) => ({
      authorization: `Basic ${Buffer.from(`${me.accountId}:${me.appSecret}`).toString('base64')}`,
    }),
  },
  {
    name: 'the app secret presented as a bearer token',
    headers: async ({ me }) => bearer(me.appSecret),
  },
  {
    name: 'the token without the Bearer scheme',
    headers: async ({ me }) => ({ authorization: me.token }),
  },
  {
    name: 'a malformed token (three undecodable segments)',
    headers: async () => bearer('abc.def.ghi'),
  },
  {
    name: 'a token with its signature segment removed',
    headers: async ({ me }) => bearer(me.token.split('.').slice(0, 2).join('.')),
  },
  {
    name: 'a token with an empty signature segment',
    headers: async ({ me }) => bearer(`${me.token.split('.').slice(0, 2).join('.')}.`),
  },
  {
    name: 'a token with a fourth segment',
    headers: async ({ me }) => bearer(`${me.token}.${me.token.split('.')[2]}`),
  },
  {
    name: 'an expired token (the clock moved past its 600 s lifetime)',
    headers: async ({ t, me }) => {
      t.clock.advance(TOKEN_TTL_MS);
      return bearer(me.token);
    },
  },
  {
    name: 'a not-yet-valid token (nbf in the future, right secret, live jti)',
    headers: async ({ t, claims, kid }) => {
      const now = nowSeconds(t);
      return bearer(
        await forge(
          t.secrets.jwtSecret,
          { ...claims, iat: now, nbf: now + 120, exp: now + 600 },
          { kid },
        ),
      );
    },
  },
  {
    name: 'a token signed with another key (same kid)',
    headers: async ({ claims, kid }) => bearer(await forge(randomBytes(32), claims, { kid })),
  },
  {
    name: 'alg "none" with no signature (jose UnsecuredJWT)',
    headers: async ({ claims }) => bearer(new UnsecuredJWT(claims).encode()),
  },
  {
    name: 'alg "none" carrying the original signature',
    headers: async ({ me, claims, kid }) => {
      const signature = me.token.split('.')[2];
      return bearer(`${b64json({ typ: 'JWT', alg: 'none', kid })}.${b64json(claims)}.${signature}`);
    },
  },
  {
    name: 'HS512 signed with the right secret',
    headers: async ({ t, claims, kid }) =>
      bearer(await forge(t.secrets.jwtSecret, claims, { alg: 'HS512', kid })),
  },
  {
    name: 'RS256 signed with an RSA key',
    headers: async ({ claims, kid }) =>
      bearer(
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
          .sign(rsaKey),
      ),
  },
  {
    name: 'an RS256 header over an HMAC-SHA256 signature with the right secret (alg confusion)',
    headers: async ({ t, claims, kid }) =>
      bearer(hmacSha256Token({ typ: 'JWT', alg: 'RS256', kid }, claims, t.secrets.jwtSecret)),
  },
  {
    name: 'a tampered payload (sub of another business) with the original signature',
    headers: async ({ me, other, claims }) => {
      const [header, , signature] = me.token.split('.');
      return bearer(`${header}.${b64json({ ...claims, sub: other.businessId })}.${signature}`);
    },
  },
  {
    name: 'a token forged with the right secret naming another business with my jti',
    headers: async ({ t, other, claims, kid }) =>
      bearer(await forge(t.secrets.jwtSecret, { ...claims, sub: other.businessId }, { kid })),
  },
  {
    name: 'a token forged with the right secret and a jti that was never issued',
    headers: async ({ t, claims, kid }) =>
      bearer(await forge(t.secrets.jwtSecret, { ...claims, jti: randomUUID() }, { kid })),
  },
  {
    name: 'a wrong iss',
    headers: async ({ t, claims, kid }) =>
      bearer(await forge(t.secrets.jwtSecret, { ...claims, iss: 'yativo' }, { kid })),
  },
  {
    name: 'no iss',
    headers: async ({ t, claims, kid }) => {
      const { iss: _dropped, ...rest } = claims;
      return bearer(await forge(t.secrets.jwtSecret, rest, { kid }));
    },
  },
  {
    name: 'an unknown kid (right secret)',
    headers: async ({ t, claims }) =>
      bearer(await forge(t.secrets.jwtSecret, claims, { kid: 'ffffffffffffffff' })),
  },
  {
    name: 'a non-numeric exp (right secret)',
    headers: async ({ t, claims, kid }) =>
      bearer(
        hmacSha256Token(
          { typ: 'JWT', alg: 'HS256', kid },
          { ...claims, exp: String(nowSeconds(t) + 600) },
          t.secrets.jwtSecret,
        ),
      ),
  },
  {
    name: 'a token revoked by logout',
    headers: async ({ t, me }) => {
      const token = await login(t, me.accountId, me.appSecret);
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: bearer(token),
      });
      expect(response.statusCode).toBe(200);
      return bearer(token);
    },
  },
  {
    name: 'the old token after a refresh',
    headers: async ({ t, me }) => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/v1/auth/refresh-token',
        headers: me.auth,
      });
      expect(response.statusCode).toBe(200);
      return me.auth;
    },
  },
  {
    name: 'a token issued before POST /api/v1/generate-secret (another session)',
    headers: async ({ t, me }) => {
      const rotator = await login(t, me.accountId, me.appSecret);
      await rotateThroughApi(t, rotator);
      return me.auth;
    },
  },
  {
    name: 'the token that called POST /api/v1/generate-secret',
    headers: async ({ t, me }) => {
      await rotateThroughApi(t, me.token);
      return me.auth;
    },
  },
  {
    name: 'a token issued before a CLI rotation',
    headers: async ({ t, me }) => {
      await rotateLikeTheCli(t, me);
      return me.auth;
    },
  },
  {
    name: 'X-Api-Key with a wrong X-Api-Secret',
    headers: async ({ me }) => keyPair(me, `sk_${randomBytes(32).toString('base64url')}`),
  },
  {
    name: 'X-Api-Key with another business’s X-Api-Secret',
    headers: async ({ me, other }) => keyPair(me, other.appSecret),
  },
  {
    name: 'an unknown X-Api-Key',
    headers: async ({ me }) => ({
      'x-api-key': `acct_${randomBytes(12).toString('hex')}`,
      'x-api-secret': me.appSecret,
    }),
  },
  { name: 'X-Api-Key alone', headers: async ({ me }) => ({ 'x-api-key': me.accountId }) },
  { name: 'X-Api-Secret alone', headers: async ({ me }) => ({ 'x-api-secret': me.appSecret }) },
  {
    name: 'the old X-Api-Secret after POST /api/v1/generate-secret',
    headers: async ({ t, me }) => {
      await rotateThroughApi(t, me.token);
      return keyPair(me);
    },
  },
  {
    name: 'the old X-Api-Secret after a CLI rotation',
    headers: async ({ t, me }) => {
      await rotateLikeTheCli(t, me);
      return keyPair(me);
    },
  },
];

/** What the caller owns, read straight from storage: a refused request must change none of it. */
async function ownedState(t: TestApp, me: TestBusiness, customerId: string | undefined) {
  return {
    business: await t.storage.businesses.findById(me.businessId),
    customerCount: await t.storage.customers.count(me.businessId, {}),
    customer:
      customerId === undefined
        ? undefined
        : await t.storage.customers.findLive(me.businessId, customerId),
  };
}

describe('the route list is complete', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('names every operation of the OpenAPI document as authenticated or public', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths as Record<string, Record<string, { security?: unknown }>>;
    const documented: string[] = [];
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        documented.push(name);
        const listed = AUTHENTICATED_ROUTES.some((route) => routeName(route) === name);
        expect(listed || PUBLIC_ROUTES.includes(name), `${name} is in neither list`).toBe(true);
        expect(operation.security !== undefined, `${name}: OpenAPI security`).toBe(listed);
      }
    }
    for (const route of AUTHENTICATED_ROUTES) {
      expect(documented, routeName(route)).toContain(routeName(route));
      expect(paths[openApiPath(route)]?.[route.method.toLowerCase()]).toBeDefined();
      expect(t.app.hasRoute({ method: route.method, url: route.path }), routeName(route)).toBe(
        true,
      );
    }
  });
});

for (const route of AUTHENTICATED_ROUTES) {
  describe(`${routeName(route)} → 401`, () => {
    let t: TestApp;
    let other: TestBusiness;
    beforeAll(async () => {
      t = await createTestApp();
      other = await createBusiness(t, uniqueName('Other'));
    });
    afterAll(() => t.close());

    for (const bad of BAD_CREDENTIALS) {
      it(`refuses ${bad.name}, changing nothing`, async () => {
        const me = await createBusiness(t, uniqueName('Me'));
        const customerId = hasCustomerId(route)
          ? (await createCustomer(t, me)).customer_id
          : undefined;
        const ctx: CredentialContext = {
          t,
          me,
          other,
          claims: decodeJwt(me.token),
          kid: String(decodeProtectedHeader(me.token).kid),
        };
        const credentials = await bad.headers(ctx);
        const before = await ownedState(t, me, customerId);
        const response = await t.app.inject(requestFor(route, { credentials, customerId }));
        expectUnauthenticated(response, bad.name);
        expect(await ownedState(t, me, customerId)).toEqual(before);
      });
    }
  });
}

describe('every authenticated route accepts its credentials', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** A business that owns a customer, a webhook endpoint and a delivery to it, with whatever
   * state the route needs first (`prepare`). */
  async function caller(route: AuthenticatedRoute) {
    const me = await createBusiness(t, uniqueName('Caller'));
    const customerId = (await createCustomer(t, me)).customer_id;
    await route.prepare?.(t, me, customerId);
    const webhookId = (await registerWebhook(t, me, { url: 'https://hooks.example.com/owned' })).id;
    const [delivery] = await t.storage.webhookDeliveries.listForBusiness(me.businessId);
    return { me, customerId, webhookId, deliveryId: delivery?.deliveryId };
  }

  for (const route of AUTHENTICATED_ROUTES) {
    const expectSuccess = (response: LightMyRequestResponse) => {
      expect(response.statusCode, response.body).toBe(route.successStatus);
      expect(response.json()).toMatchObject({
        status: 'success',
        status_code: route.successStatus,
      });
      expect(response.headers['x-ratelimit-limit']).toBe('600');
      expect(String(response.headers['x-request-id'])).toMatch(SAFE_REQUEST_ID);
    };

    it(`${routeName(route)}: a bearer token from login`, async () => {
      const { me, ...ids } = await caller(route);
      expectSuccess(await t.app.inject(requestFor(route, { credentials: me.auth, ...ids })));
    });

    it(`${routeName(route)}: the scheme name is case-insensitive ("bearer")`, async () => {
      const { me, ...ids } = await caller(route);
      const credentials = { authorization: `bearer ${me.token}` };
      expectSuccess(await t.app.inject(requestFor(route, { credentials, ...ids })));
    });

    it(`${routeName(route)}: the X-Api-Key + X-Api-Secret pair`, async () => {
      const { me, ...ids } = await caller(route);
      expectSuccess(await t.app.inject(requestFor(route, { credentials: keyPair(me), ...ids })));
    });

    it(`${routeName(route)}: a token forged by jose with the service's key, issuer and a live jti`, async () => {
      // The control for the forged negatives above: they fail for the one thing they change.
      const { me, ...ids } = await caller(route);
      const claims = decodeJwt(me.token);
      const kid = String(decodeProtectedHeader(me.token).kid);
      const token = await forge(t.secrets.jwtSecret, claims, { kid });
      expectSuccess(await t.app.inject(requestFor(route, { credentials: bearer(token), ...ids })));
    });

    it(`${routeName(route)}: a token is still valid 1 s before it expires`, async () => {
      const { me, ...ids } = await caller(route);
      t.clock.advance(TOKEN_TTL_MS - 1000);
      expectSuccess(await t.app.inject(requestFor(route, { credentials: me.auth, ...ids })));
    });
  }

  for (const route of AUTHENTICATED_ROUTES.filter((r) => r.method === 'GET')) {
    it(`HEAD ${route.path} without credentials → 401`, async () => {
      const { customerId } = await caller(route);
      const response = await t.app.inject({ ...requestFor(route, { customerId }), method: 'HEAD' });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });
  }
});

for (const route of CUSTOMER_ID_ROUTES) {
  describe(`${routeName(route)} → 404 customer_not_found`, () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await createTestApp();
    });
    afterEach(() => t.close());

    it('answers byte-identically for unknown, malformed, deleted and foreign ids, and the owner’s customers are unchanged', async () => {
      const me = await createBusiness(t, uniqueName('Me'));
      const owner = await createBusiness(t, uniqueName('Owner'));
      await createCustomer(t, owner);
      await createCustomer(t, owner);
      const ownersDeleted = await createCustomer(t, owner);
      const deletion = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/customer/${ownersDeleted.customer_id}`,
        headers: owner.auth,
      });
      expect(deletion.statusCode).toBe(200);
      const listAsOwner = () =>
        t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: owner.auth });
      const ownersListBefore = await listAsOwner();
      expect(ownersListBefore.statusCode).toBe(200);
      // Ids as the other tenant itself sees them, from its own list response.
      const foreignIds = (ownersListBefore.json().data as Array<{ customer_id: string }>).map(
        (customer) => customer.customer_id,
      );
      expect(foreignIds).toHaveLength(2);
      const retrieveAsOwner = (id: string) =>
        t.app.inject({ method: 'GET', url: `/api/v1/customer/${id}`, headers: owner.auth });
      const ownersCustomersBefore = await Promise.all(foreignIds.map(retrieveAsOwner));

      const mineDeleted = await createCustomer(t, me);
      const myDeletion = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/customer/${mineDeleted.customer_id}`,
        headers: me.auth,
      });
      expect(myDeletion.statusCode).toBe(200);

      const ids: Record<string, string> = {
        'an unknown uuid': '0190a6f4-0000-7000-8000-000000000000',
        'the nil uuid': '00000000-0000-0000-0000-000000000000',
        'a malformed id': 'not-a-uuid',
        'an SQL-looking id': "1' OR '1'='1",
        'a 150-character id': 'a'.repeat(150),
        'my deleted customer': mineDeleted.customer_id,
        'the other business’s deleted customer': ownersDeleted.customer_id,
        'the other business’s customer, upper-cased': foreignIds[0]!.toUpperCase(),
      };
      foreignIds.forEach((id, index) => {
        ids[`the other business’s customer #${index + 1} (from its list)`] = id;
      });

      const reference = await t.app.inject(requestFor(route, { credentials: me.auth }));
      expect(reference.statusCode).toBe(404);
      expect(reference.json()).toEqual(
        errorEnvelope(404, 'customer_not_found', 'Customer not found'),
      );
      for (const [credentialKind, credentials] of [
        ['bearer', me.auth],
        ['key pair', keyPair(me)],
      ] as const) {
        for (const [kind, customerId] of Object.entries(ids)) {
          const label = `${credentialKind}, ${kind}`;
          const response = await t.app.inject(requestFor(route, { credentials, customerId }));
          expect(response.statusCode, label).toBe(404);
          expect(response.body, label).toBe(reference.body);
          expect(response.headers['content-type'], label).toBe(reference.headers['content-type']);
          expect(response.headers['www-authenticate'], label).toBeUndefined();
        }
      }

      const ownersCustomersAfter = await Promise.all(foreignIds.map(retrieveAsOwner));
      ownersCustomersAfter.forEach((after, index) => {
        expect(after.statusCode).toBe(200);
        expect(after.body).toBe(ownersCustomersBefore[index]!.body);
      });
      expect((await listAsOwner()).body).toBe(ownersListBefore.body);

      // Control: the route does work for the caller's own live customer.
      const mine = await createCustomer(t, me);
      await route.prepare?.(t, me, mine.customer_id);
      const own = await t.app.inject(
        requestFor(route, { credentials: me.auth, customerId: mine.customer_id }),
      );
      expect(own.statusCode, own.body).toBe(route.successStatus);
    });
  });
}

describe('tenancy comes only from the credentials', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('no header, query or body field selects another tenant', async () => {
    const me = await createBusiness(t, uniqueName('Me'));
    const owner = await createBusiness(t, uniqueName('Owner'));
    const theirs = await createCustomer(t, owner);
    const mine = await createCustomer(t, me);
    const hints = {
      ...me.auth,
      'x-api-key': owner.accountId,
      'x-business-id': owner.businessId,
      'x-account-id': owner.accountId,
    };

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: hints });
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((c: { customer_id: string }) => c.customer_id)).toEqual([
      mine.customer_id,
    ]);

    const byEmail = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer?email=${encodeURIComponent(String(theirs.customer_email))}`,
      headers: me.auth,
    });
    expect(byEmail.statusCode).toBe(200);
    expect(byEmail.json().data).toEqual([]);
    expect(byEmail.json().pagination.total).toBe(0);

    const retrieve = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${theirs.customer_id}`,
      headers: hints,
    });
    expect(retrieve.statusCode).toBe(404);

    const create = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: { ...hints, 'idempotency-key': idempotencyKey() },
      payload: customerBody({ business_id: owner.businessId }),
    });
    expect([201, 422]).toContain(create.statusCode);
    const ownersList = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer',
      headers: owner.auth,
    });
    expect(ownersList.json().pagination.total).toBe(1);
  });
});

describe('X-Request-Id', () => {
  let t: TestApp;
  let me: TestBusiness;
  beforeEach(async () => {
    t = await createTestApp();
    me = await createBusiness(t, uniqueName('Me'));
  });
  afterEach(() => t.close());

  const outcomes: Array<[string, (id: Record<string, string>) => InjectOptions]> = [
    [
      '200 (authenticated)',
      (h) => ({ method: 'GET', url: '/api/v1/customer', headers: { ...me.auth, ...h } }),
    ],
    ['401', (h) => ({ method: 'GET', url: '/api/v1/customer', headers: h })],
    ['404 route_not_found', (h) => ({ method: 'GET', url: '/api/v1/nope', headers: h })],
    [
      '404 customer_not_found',
      (h) => ({ method: 'GET', url: '/api/v1/customer/not-a-uuid', headers: { ...me.auth, ...h } }),
    ],
    [
      '422 (login without fields)',
      (h) => ({ method: 'POST', url: '/api/v1/auth/login', headers: h, payload: {} }),
    ],
    ['200 (public)', (h) => ({ method: 'GET', url: '/healthz', headers: h })],
  ];

  for (const [outcome, request] of outcomes) {
    it(`${outcome}: a new id when none is sent, the caller's safe id echoed`, async () => {
      const fresh = await t.app.inject(request({}));
      expect(String(fresh.headers['x-request-id'])).toMatch(SAFE_REQUEST_ID);
      const echoed = await t.app.inject(request({ 'x-request-id': 'trace-01:abc.DEF_9' }));
      expect(echoed.headers['x-request-id']).toBe('trace-01:abc.DEF_9');
    });
  }

  it('keeps a 128-character id and replaces a 129-character one', async () => {
    const kept = 'k'.repeat(128);
    const response = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': kept },
    });
    expect(response.headers['x-request-id']).toBe(kept);
    const tooLong = 'k'.repeat(129);
    const replaced = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer',
      headers: { ...me.auth, 'x-request-id': tooLong },
    });
    expect(replaced.headers['x-request-id']).not.toBe(tooLong);
    expect(String(replaced.headers['x-request-id'])).toMatch(SAFE_REQUEST_ID);
  });

  for (const unsafe of [
    'has spaces in it',
    'line\r\nX-Injected: 1',
    'tab\there',
    '<script>',
    'ünïcode',
    '',
  ]) {
    it(`replaces the unsafe id ${JSON.stringify(unsafe)} with a new safe one, logged as such`, async () => {
      const responses = await Promise.all(
        [1, 2].map(() =>
          t.app.inject({
            method: 'GET',
            url: '/api/v1/customer',
            headers: { ...me.auth, 'x-request-id': unsafe },
          }),
        ),
      );
      const [first, second] = responses.map((r) => String(r.headers['x-request-id']));
      expect(first).toMatch(SAFE_REQUEST_ID);
      expect(first).not.toBe(unsafe);
      expect(second).not.toBe(first);
      expect(responses[0]!.headers['x-injected']).toBeUndefined();
      const lines = t.logs.filter((line) => line.includes(first!));
      expect(lines.length).toBeGreaterThan(0);
      if (unsafe !== '') expect(t.logs.join('')).not.toContain(JSON.stringify(unsafe).slice(1, -1));
    });
  }

  it('every log line of a request carries its id', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer',
      headers: { ...me.auth, 'x-request-id': 'trace-log-42' },
    });
    const lines = t.logs
      .map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } })
      .filter((line) => line.reqId === 'trace-log-42');
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });
});

describe('rate limit (RATE_LIMIT_PER_MINUTE=5)', () => {
  let t: TestApp;
  let me: TestBusiness;
  beforeEach(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    me = await createBusiness(t, uniqueName('Me'));
  });
  afterEach(() => t.close());

  const list = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/customer', headers });

  it('announces the budget on every authenticated response and counts it down', async () => {
    const now = nowSeconds(t);
    for (let request = 1; request <= 5; request += 1) {
      const response = await list(me.auth);
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe('5');
      expect(response.headers['x-ratelimit-remaining']).toBe(String(5 - request));
      const reset = Number(response.headers['x-ratelimit-reset']);
      expect(Number.isInteger(reset)).toBe(true);
      expect(reset).toBeGreaterThan(now);
      expect(reset).toBeLessThanOrEqual(now + 60);
    }
  });

  it('refuses the 6th request in a minute with 429 rate_limited and Retry-After', async () => {
    for (let request = 1; request <= 5; request += 1)
      expect((await list(me.auth)).statusCode).toBe(200);
    const refused = await list(me.auth);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual(errorEnvelope(429, 'rate_limited'));
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['x-ratelimit-limit']).toBe('5');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(
      nowSeconds(t) + retryAfter,
    );
  });

  it('keeps a separate budget per business', async () => {
    const other = await createBusiness(t, uniqueName('Other'));
    for (let request = 1; request <= 5; request += 1) await list(me.auth);
    expect((await list(me.auth)).statusCode).toBe(429);
    const theirs = await list(other.auth);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.headers['x-ratelimit-remaining']).toBe('4');
  });

  it('is one budget per business whatever the credentials (bearer, key pair, another token)', async () => {
    const secondToken = await login(t, me.accountId, me.appSecret);
    await list(me.auth);
    await list(keyPair(me));
    await list(bearer(secondToken));
    await list(keyPair(me));
    expect((await list(me.auth)).headers['x-ratelimit-remaining']).toBe('0');
    expect((await list(keyPair(me))).statusCode).toBe(429);
    expect((await list(bearer(secondToken))).statusCode).toBe(429);
  });

  it('is released once the Retry-After has passed on the clock', async () => {
    for (let request = 1; request <= 5; request += 1) await list(me.auth);
    const refused = await list(me.auth);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    if (retryAfter >= 2) {
      t.clock.advance((retryAfter - 1) * 1000 - 1);
      expect((await list(me.auth)).statusCode).toBe(429);
      t.clock.advance(1);
      t.clock.advance(1000);
    } else {
      t.clock.advance(retryAfter * 1000);
    }
    const released = await list(me.auth);
    expect(released.statusCode).toBe(200);
    expect(released.headers['x-ratelimit-remaining']).toBe('4');
  });

  for (const route of AUTHENTICATED_ROUTES) {
    it(`applies to ${routeName(route)}`, async () => {
      const customerId = hasCustomerId(route)
        ? (await createCustomer(t, me)).customer_id
        : undefined;
      // createCustomer spent one request of the budget.
      const spent = customerId === undefined ? 0 : 1;
      for (let request = spent + 1; request <= 5; request += 1) {
        expect((await list(me.auth)).statusCode).toBe(200);
      }
      const response = await t.app.inject(
        requestFor(route, { credentials: keyPair(me), customerId }),
      );
      expect(response.statusCode, response.body).toBe(429);
      expect(response.json()).toEqual(errorEnvelope(429, 'rate_limited'));
      expect(response.headers['retry-after']).toBeDefined();
      expect(await ownedState(t, me, customerId)).toMatchObject({
        customerCount: customerId === undefined ? 0 : 1,
      });
    });
  }
});

describe('logs', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('never contain a token, an app secret, a presented secret or the signing key', async () => {
    const me = await createBusiness(t, uniqueName('Me'));
    const other = await createBusiness(t, uniqueName('Other'));
    const wrongSecret = `sk_${randomBytes(32).toString('base64url')}`;
    const forged = await forge(randomBytes(32), decodeJwt(me.token), {
      kid: String(decodeProtectedHeader(me.token).kid),
    });
    const customer = await createCustomer(t, me);
    const refreshed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/refresh-token',
      headers: me.auth,
    });
    const refreshedToken = refreshed.json().data.access_token as string;
    const requests: Array<InjectOptions> = [
      {
        method: 'GET',
        url: `/api/v1/customer/${customer.customer_id}`,
        headers: bearer(refreshedToken),
      },
      { method: 'GET', url: '/api/v1/customer', headers: keyPair(me) },
      { method: 'GET', url: '/api/v1/customer', headers: keyPair(me, wrongSecret) },
      { method: 'GET', url: '/api/v1/customer', headers: bearer(forged) },
      { method: 'GET', url: '/api/v1/customer', headers: me.auth },
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { account_id: other.accountId, app_secret: wrongSecret },
      },
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: `{"account_id":"${other.accountId}","app_secret":"${wrongSecret}`,
      },
    ];
    for (const request of requests) await t.app.inject(request);
    const rotated = await t.app.inject({
      method: 'POST',
      url: '/api/v1/generate-secret',
      headers: { ...keyPair(other), 'idempotency-key': idempotencyKey() },
    });
    const newSecret = rotated.json().data.app_secret as string;
    const newToken = await login(t, other.accountId, newSecret);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(newToken) });

    const secrets = {
      'me.appSecret': me.appSecret,
      'me.token': me.token,
      'other.appSecret': other.appSecret,
      'other.token': other.token,
      refreshedToken,
      forged,
      wrongSecret,
      newSecret,
      newToken,
      jwtSecret: t.secrets.jwtSecret,
      dataEncryptionKeyHex: t.secrets.dataEncryptionKey.toString('hex'),
      dataEncryptionKeyBase64: t.secrets.dataEncryptionKey.toString('base64'),
    };
    const logs = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(requests.length * 2);
    expect(logs).toContain('/api/v1/customer');
    for (const [name, secret] of Object.entries(secrets)) {
      expect(logs.includes(secret), `${name} appears in the logs`).toBe(false);
      // A token's signature alone is enough to replay it.
      const signature = secret.split('.')[2];
      if (signature) expect(logs.includes(signature), `${name}'s signature is logged`).toBe(false);
    }
  });
});
