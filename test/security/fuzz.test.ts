import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createCustomer,
  customerBody,
  login,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';
import { cleanupTempDirs } from '../process/server-process.js';
import {
  createSnapshottableApp,
  expectCleanLogs,
  expectUnchanged,
  expectWellFormed,
  type Snapshot,
} from './hostile-helpers.js';
import { HOSTILE_STRINGS } from './hostile-values.js';
import { AUTHENTICATED_ROUTES, type AuthenticatedRoute, PUBLIC_ROUTES } from './routes.js';

/**
 * Property-based fuzzing of every route: bodies, query strings and headers drawn by fast-check
 * (fixed seeds, bounded runs). For every request: a well-formed envelope (status_code = HTTP
 * status, JSON), no 5xx, nothing secret in it; and a rejected request changes no stored data.
 */

const RUNS_PER_ROUTE = 40;
const BASE_SEED = 20261127;

const FIELD_NAMES = [
  'customer_name',
  'customer_email',
  'customer_phone',
  'customer_country',
  'customer_type',
  'customer_address',
  'customer_status',
  'customer_idNumber',
  'customer_idFront',
  'account_id',
  'app_secret',
  'business_id',
  '__proto__',
  'constructor',
];
const QUERY_NAMES = [
  'page',
  'per_page',
  'cursor',
  'email',
  'search',
  'country',
  'customer_status',
  'kyc_status',
  'customer_type',
  'created_from',
  'created_to',
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(...Object.values(HOSTILE_STRINGS)),
);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** A JSON body: anything, or a customer-shaped object with fuzzed fields. */
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(
    fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 12 })),
    fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 })),
    { maxKeys: 8 },
  ),
  fc
    .tuple(fc.constantFrom(...FIELD_NAMES), scalar)
    .map(([field, value]) => ({ ...customerBody(), [field]: value })),
);

/** Raw payloads: JSON text, broken JSON, random text or bytes. */
const payload = fc.oneof(
  { weight: 4, arbitrary: jsonBody.map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const query = fc
  .dictionary(
    fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 8 })),
    fc.oneof(
      text,
      fc.integer().map(String),
      fc.constantFrom('1e309', '-0', '1.5', '99999999999999999999'),
    ),
    { maxKeys: 4 },
  )
  .map((params) => new URLSearchParams(params).toString());

/** Header values a client can send: printable ASCII, Latin-1 or anything a proxy passes on. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom('', ' ', 'Bearer', 'Bearer a.b.c', 'x'.repeat(256)),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/vnd.api+json',
      'multipart/form-data',
    ),
    'idempotency-key': headerValue,
    'x-request-id': headerValue,
    authorization: headerValue,
    'x-api-key': headerValue,
    'x-api-secret': headerValue,
  },
  { requiredKeys: ['content-type'] },
);

/** Everything one fuzz case sends; credentials are the caller's unless the case fuzzes them. */
const fuzzCase = fc.record({
  payload,
  query,
  headers,
  fuzzId: fc.option(text, { freq: 4 }),
  keepAuth: fc.boolean(),
});

let t: TestApp;
let snapshot: () => Promise<Snapshot>;
let me: TestBusiness;
let secret: string;
beforeEach(async () => {
  ({ t, snapshot } = await createSnapshottableApp());
  me = await createBusiness(t, `Fuzz${Date.now()}`);
  secret = me.appSecret;
});
afterEach(async () => {
  expectCleanLogs(t.logs, [me.token, secret, t.secrets.jwtSecret]);
  await t.close();
});
afterAll(() => cleanupTempDirs());

/** Logout, refresh and rotation succeed sometimes: log in again so later cases reach the route. */
async function stayLoggedIn(): Promise<void> {
  const probe = await t.app.inject({
    method: 'GET',
    url: '/api/v1/customer?per_page=1',
    headers: me.auth,
  });
  if (probe.statusCode !== 401) return;
  me.token = await login(t, me.accountId, secret);
  me.auth = { authorization: `Bearer ${me.token}` };
}

function urlFor(path: string, customerId: string, fuzzId: string | null, search: string): string {
  const id =
    fuzzId === null
      ? customerId
      : [...Buffer.from(fuzzId)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  return `${path.replace(':customer_id', id)}${search ? `?${search}` : ''}`;
}

/** Success bodies that are not envelopes by design: the OpenAPI document and Prometheus text.
 * Their failures are envelopes like any other. */
const RAW_SUCCESS: Record<string, RegExp> = {
  'GET /api/v1/openapi.json': /^application\/json/,
  'GET /metrics': /^text\/plain; version=0\.0\.4/,
};

const FUZZED: Array<Pick<AuthenticatedRoute, 'method' | 'path'> & { authenticated: boolean }> = [
  ...AUTHENTICATED_ROUTES.map((route) => ({
    method: route.method,
    path: route.path,
    authenticated: true,
  })),
  ...PUBLIC_ROUTES.map((entry) => {
    const [method, path] = entry.split(' ') as [AuthenticatedRoute['method'], string];
    return { method, path, authenticated: false };
  }),
];

describe(`fuzzing every route (${RUNS_PER_ROUTE} cases each, fixed seeds)`, () => {
  FUZZED.forEach((route, index) => {
    const seed = BASE_SEED + index;
    it(`${route.method} ${route.path} (seed ${seed})`, async () => {
      let customerId = (await createCustomer(t, me)).customer_id;
      let tried = 0;
      await fc.assert(
        fc.asyncProperty(fuzzCase, async (c) => {
          const request: InjectOptions = {
            method: route.method,
            url: urlFor(
              route.path,
              customerId,
              route.path.includes(':customer_id') ? c.fuzzId : null,
              c.query,
            ),
            headers: { ...c.headers, ...(c.keepAuth && route.authenticated ? me.auth : {}) },
          };
          if (c.payload !== undefined) request.payload = c.payload;
          const label = `${route.method} ${request.url} ${JSON.stringify(c).slice(0, 400)}`;
          const before = await snapshot();
          const response = await t.app.inject(request);
          tried += 1;
          const raw = RAW_SUCCESS[`${route.method} ${route.path}`];
          if (raw && response.statusCode < 300) {
            expect(response.headers['content-type'], label).toMatch(raw);
            return;
          }
          expectWellFormed(response, label, [me.token, secret, t.secrets.jwtSecret]);
          if (response.statusCode >= 400) {
            expectUnchanged(before, await snapshot(), label);
            return;
          }
          const data = response.json().data as Record<string, unknown>;
          if (typeof data.app_secret === 'string') secret = data.app_secret;
          if (route.method === 'DELETE') customerId = (await createCustomer(t, me)).customer_id;
          await stayLoggedIn();
        }),
        { seed, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
      console.log(`fuzz ${route.method} ${route.path}: ${tried} cases (seed ${seed})`);
      expect(tried).toBe(RUNS_PER_ROUTE);
    });
  });
});
