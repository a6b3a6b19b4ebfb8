import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createCustomer,
  customerBody,
  idempotencyKey,
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
import {
  BAD_PAGE_NUMBERS,
  deeplyNestedJson,
  HOSTILE_JSON_VALUES,
  HOSTILE_STRINGS,
  invalidUtf8Body,
  LOOK_ALIKE_EMAILS,
  serializeBody,
} from './hostile-values.js';
import { CUSTOMER_ID_ROUTES, routeName } from './routes.js';

/**
 * Hostile values in every body field, query parameter and path parameter of every route. Whatever
 * is sent, the answer is a well-formed envelope, never a 5xx or a trace; a rejected request changes
 * no stored data; an accepted one stores the value as data, byte for byte (SQL stays text).
 */

const CUSTOMER_FIELDS = [
  'customer_name',
  'customer_email',
  'customer_phone',
  'customer_country',
  'customer_type',
  'customer_address',
  'customer_address.city',
  'customer_address.street',
  'customer_address.country',
  'customer_idType',
  'customer_idNumber',
  'customer_idCountry',
  'customer_idExpiration',
  'customer_idFront',
] as const;

const LIST_PARAMETERS = [
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

const ALL_VALUES: Array<[string, unknown]> = [
  ...Object.entries(HOSTILE_STRINGS),
  ...Object.entries(HOSTILE_JSON_VALUES),
];

function withField(body: Record<string, unknown>, field: string, value: unknown) {
  const [top, sub] = field.split('.') as [string, string | undefined];
  if (sub === undefined) return { ...body, [top]: value };
  return { ...body, [top]: { ...(body[top] as object), [sub]: value } };
}

function data(body: Record<string, unknown>): Record<string, unknown> {
  return body.data as Record<string, unknown>;
}

/** Every UTF-8 byte as %XX (encodeURIComponent throws on a lone surrogate). */
function percentEncoded(value: string): string {
  return [...Buffer.from(value)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

let t: TestApp;
let snapshot: () => Promise<Snapshot>;
let me: TestBusiness;
let secrets: string[];
beforeEach(async () => {
  ({ t, snapshot } = await createSnapshottableApp());
  me = await createBusiness(t, `Hostile${Date.now()}`);
  secrets = [me.token, me.appSecret, t.secrets.jwtSecret];
});
afterEach(async () => {
  expectCleanLogs(t.logs, secrets);
  await t.close();
});
afterAll(() => cleanupTempDirs());

/** Sends `request`; a rejection must leave the database as it was, a success is returned. */
async function probe(request: InjectOptions, label: string) {
  const before = await snapshot();
  const response = await t.app.inject(request);
  const body = expectWellFormed(response, label, secrets);
  if (response.statusCode >= 400) expectUnchanged(before, await snapshot(), label);
  return { response, body };
}

const WRITES = [
  { method: 'POST', url: () => '/api/v1/customer', base: () => customerBody() },
  { method: 'PUT', url: (id: string) => `/api/v1/customer/${id}`, base: () => ({}) },
  { method: 'PATCH', url: (id: string) => `/api/v1/customer/${id}`, base: () => ({}) },
] as const;

// Each case snapshots the whole database twice; on PostgreSQL (TEST_ENGINE=postgres) that is slower.
describe('hostile values in every customer body field', { timeout: 180_000 }, () => {
  for (const write of WRITES) {
    it(`${write.method} ${write.url(':customer_id')}: ${CUSTOMER_FIELDS.length} fields × ${ALL_VALUES.length} values`, async () => {
      const target = await createCustomer(t, me);
      let cases = 0;
      for (const field of CUSTOMER_FIELDS) {
        for (const [kind, value] of ALL_VALUES) {
          const label = `${write.method} ${field} = ${kind}`;
          const { response, body } = await probe(
            {
              method: write.method,
              url: write.url(target.customer_id),
              headers: {
                ...me.auth,
                'idempotency-key': idempotencyKey(),
                'content-type': 'application/json',
              },
              payload: serializeBody(withField(write.base(), field, value)),
            },
            label,
          );
          cases += 1;
          if (response.statusCode >= 400) continue;
          // An address may be absent or cleared; otherwise only free text can be accepted, and
          // it is stored exactly as sent (trimmed).
          if (field === 'customer_address' && (value === null || kind === 'empty object')) continue;
          expect(
            [
              'customer_name',
              'customer_address.city',
              'customer_address.street',
              'customer_idType',
              'customer_idNumber',
              'customer_idFront',
            ],
            label,
          ).toContain(field);
          // Identity documents are accepted (the 100 KB string is valid base64) but never shown.
          if (field.startsWith('customer_id')) {
            // (An earlier case of this loop may have made the same text the customer's name.)
            const shownAsName = data(body).customer_name === String(value).trim();
            if (!shownAsName) expect(response.body.includes(String(value)), label).toBe(false);
            expect(data(body), label).not.toHaveProperty(field);
            continue;
          }
          const stored = field.startsWith('customer_address.')
            ? (data(body).customer_address as Record<string, unknown>)[field.split('.')[1]!]
            : data(body)[field];
          expect(stored, label).toBe(String(value).trim());
        }
      }
      // Bodies are never logged: not the 100 KB string every identity-document field was sent.
      expectCleanLogs(t.logs, [HOSTILE_STRINGS['100 KB string']!.slice(0, 1024)]);
      console.log(`hostile body values, ${write.method}: ${cases} cases`);
    });
  }

  it('POST /api/v1/auth/login: account_id and app_secret × every value', async () => {
    let cases = 0;
    for (const field of ['account_id', 'app_secret']) {
      for (const [kind, value] of ALL_VALUES) {
        const payload = { account_id: me.accountId, app_secret: me.appSecret, [field]: value };
        const { response } = await probe(
          {
            method: 'POST',
            url: '/api/v1/auth/login',
            headers: { 'content-type': 'application/json' },
            payload: serializeBody(payload),
          },
          `login ${field} = ${kind}`,
        );
        expect([401, 422, 429], kind).toContain(response.statusCode);
        cases += 1;
      }
    }
    console.log(`hostile login values: ${cases} cases`);
  });
});

describe('hostile values in every query and path parameter', { timeout: 180_000 }, () => {
  it(`GET /api/v1/customer: ${LIST_PARAMETERS.length} parameters × ${Object.keys(HOSTILE_STRINGS).length} strings`, async () => {
    await createCustomer(t, me);
    let cases = 0;
    for (const parameter of LIST_PARAMETERS) {
      for (const [kind, value] of Object.entries(HOSTILE_STRINGS)) {
        const url = `/api/v1/customer?${new URLSearchParams({ [parameter]: value })}`;
        const { response, body } = await probe(
          { method: 'GET', url, headers: me.auth },
          `${parameter} = ${kind}`,
        );
        if (response.statusCode === 422)
          expect(Object.keys(body.data as object)).toContain(parameter);
        else expect(response.statusCode, `${parameter} = ${kind}`).toBe(200);
        cases += 1;
      }
    }
    console.log(`hostile query values: ${cases} cases`);
  });

  it(`huge and malformed page / per_page → 422 naming the parameter (${BAD_PAGE_NUMBERS.length * 2} cases)`, async () => {
    for (const parameter of ['page', 'per_page']) {
      for (const value of BAD_PAGE_NUMBERS) {
        const url = `/api/v1/customer?${parameter}=${encodeURIComponent(value)}`;
        const { response, body } = await probe(
          { method: 'GET', url, headers: me.auth },
          `${parameter}=${value}`,
        );
        expect(response.statusCode, `${parameter}=${value}`).toBe(422);
        expect(Object.keys(body.data as object)).toEqual([parameter]);
      }
    }
    const last = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer?page=1000000000&per_page=100',
      headers: me.auth,
    });
    expect(last.statusCode).toBe(200);
    expect(last.json().data).toEqual([]);
  });

  for (const route of CUSTOMER_ID_ROUTES.filter((r) => r.customerIdInBody)) {
    it(`${routeName(route)}: every hostile string as the body's customer_id → 404 or a 422 naming it`, async () => {
      for (const [kind, value] of Object.entries(HOSTILE_STRINGS)) {
        const headers: Record<string, string> = { ...me.auth, 'idempotency-key': idempotencyKey() };
        const request: InjectOptions = { method: route.method, url: route.path, headers };
        request.payload = route.body?.(value);
        const { response, body } = await probe(request, `${route.method} customer_id = ${kind}`);
        if (response.statusCode === 422) {
          expect(Object.keys(body.data as object), kind).toEqual(['customer_id']);
          continue;
        }
        expect(response.statusCode, kind).toBe(404);
        expect(body.data).toEqual({ error: 'Customer not found', code: 'customer_not_found' });
      }
    });
  }

  for (const route of CUSTOMER_ID_ROUTES.filter((r) => !r.customerIdInBody)) {
    it(`${routeName(route)}: every hostile string as the id → 404 customer_not_found`, async () => {
      for (const [kind, value] of Object.entries(HOSTILE_STRINGS)) {
        const headers: Record<string, string> = { ...me.auth, 'idempotency-key': idempotencyKey() };
        const request: InjectOptions = {
          method: route.method,
          url: route.path.replace(':customer_id', percentEncoded(value)),
          headers,
        };
        if (route.body) request.payload = route.body(value);
        const { response, body } = await probe(request, `${route.method} id = ${kind}`);
        // Past the router's 8 KiB parameter limit the URL itself is refused (over the wire,
        // Node's 16 KiB header limit refuses it first); it says nothing about any customer.
        if (percentEncoded(value).length > 8192) {
          expect(response.statusCode, kind).toBe(400);
          expect(body.data).toMatchObject({ code: 'bad_request' });
          continue;
        }
        expect(response.statusCode, kind).toBe(404);
        expect(body.data).toEqual({ error: 'Customer not found', code: 'customer_not_found' });
      }
    });
  }
});

describe('malformed bodies', () => {
  const BODY_ROUTES = [
    ['POST', '/api/v1/customer', 'customer_name'],
    ['PATCH', '/api/v1/customer/:id', 'customer_name'],
    ['POST', '/api/v1/auth/login', 'account_id'],
  ] as const;

  for (const [method, path, field] of BODY_ROUTES) {
    it(`${method} ${path}: invalid UTF-8 → 400 invalid_json, nothing stored`, async () => {
      const { customer_id } = await createCustomer(t, me);
      const json = JSON.stringify(
        path.endsWith(':id')
          ? { customer_name: 'x' }
          : method === 'POST' && path.endsWith('login')
            ? { account_id: 'x', app_secret: 'y' }
            : customerBody(),
      );
      const { response, body } = await probe(
        {
          method,
          url: path.replace(':id', customer_id),
          headers: {
            ...me.auth,
            'idempotency-key': idempotencyKey(),
            'content-type': 'application/json',
          },
          payload: invalidUtf8Body(json, field),
        },
        `${method} ${path} invalid UTF-8`,
      );
      expect(response.statusCode).toBe(400);
      expect(body.data).toMatchObject({ code: 'invalid_json' });
    });

    it(`${method} ${path}: JSON nested 200,000 levels deep → 4xx envelope, nothing stored`, async () => {
      const { customer_id } = await createCustomer(t, me);
      const { response } = await probe(
        {
          method,
          url: path.replace(':id', customer_id),
          headers: {
            ...me.auth,
            'idempotency-key': idempotencyKey(),
            'content-type': 'application/json',
          },
          payload: deeplyNestedJson(),
        },
        `${method} ${path} deep nesting`,
      );
      expect([400, 422]).toContain(response.statusCode);
    });
  }
});

describe('Unicode look-alikes and right-to-left marks in emails', { timeout: 120_000 }, () => {
  it(`are refused on create and update, never match the real address in a filter or login (${Object.keys(LOOK_ALIKE_EMAILS).length} emails)`, async () => {
    const real = await createCustomer(t, me, { customer_email: 'admin@example.com' });
    for (const [kind, email] of Object.entries(LOOK_ALIKE_EMAILS)) {
      for (const [method, url] of [
        ['POST', '/api/v1/customer'],
        ['PATCH', `/api/v1/customer/${real.customer_id}`],
      ] as const) {
        const { response, body } = await probe(
          {
            method,
            url,
            headers: { ...me.auth, 'idempotency-key': idempotencyKey() },
            payload:
              method === 'POST'
                ? customerBody({ customer_email: email })
                : { customer_email: email },
          },
          `${method} ${kind}`,
        );
        expect(response.statusCode, `${method} ${kind}`).toBe(422);
        expect(Object.keys(body.data as object), kind).toEqual(['customer_email']);
      }
      const filtered = await probe(
        {
          method: 'GET',
          url: `/api/v1/customer?${new URLSearchParams({ email })}`,
          headers: me.auth,
        },
        `filter ${kind}`,
      );
      // The filter trims its value like every field, so only the whitespace variant finds it.
      const same = email.trim() === 'admin@example.com' ? 1 : 0;
      if (filtered.response.statusCode === 200)
        expect((filtered.body.pagination as { total: number }).total, kind).toBe(same);
      const login = await probe(
        {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: {
            account_id: `${me.accountId.slice(0, 1)}\u202E${me.accountId.slice(1)}`,
            app_secret: me.appSecret,
          },
        },
        `login ${kind}`,
      );
      expect(login.response.statusCode).toBe(401);
    }
  });
});

describe('regressions found by this suite', () => {
  it('a lone UTF-16 surrogate in free text is a 422 (it was stored as three U+FFFD and acknowledged)', async () => {
    const { customer_id } = await createCustomer(t, me);
    for (const [method, url, payload] of [
      ['POST', '/api/v1/customer', customerBody({ customer_name: 'Ann \uDC00 Lee' })],
      ['PATCH', `/api/v1/customer/${customer_id}`, { customer_address: { city: '\uD83D' } }],
    ] as const) {
      const { response, body } = await probe(
        { method, url, headers: { ...me.auth, 'idempotency-key': idempotencyKey() }, payload },
        `${method} lone surrogate`,
      );
      expect(response.statusCode).toBe(422);
      expect(Object.keys(body.data as object)).toEqual([
        method === 'POST' ? 'customer_name' : 'customer_address.city',
      ]);
    }
  });

  it('fields named after Object.prototype members are 422 by name (constructor was a 500 leaking the bug)', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf'];
    const extra = Object.fromEntries(names.map((name) => [name, 1]));
    const create = await probe(
      {
        method: 'POST',
        url: '/api/v1/customer',
        headers: { ...me.auth, 'idempotency-key': idempotencyKey() },
        payload: { ...customerBody(), ...extra },
      },
      'create with prototype names',
    );
    expect(create.response.statusCode).toBe(422);
    expect(create.body.data).toEqual(
      Object.fromEntries(names.map((name) => [name, [`The ${name} field is not allowed.`]])),
    );
    const loginAttempt = await probe(
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { account_id: me.accountId, app_secret: me.appSecret, constructor: null },
      },
      'login with constructor',
    );
    expect(loginAttempt.response.statusCode).toBe(422);
    expect(loginAttempt.body.data).toEqual({
      constructor: ['The constructor field is not allowed.'],
    });
  });

  it('NUL and other controls in login fields, search terms and cursors are a 422 (NUL was a 500 on PostgreSQL)', async () => {
    const forged = Buffer.from(
      JSON.stringify([0, '2026-01-01T00:00:00.000000Z\u0000', 'x']),
    ).toString('base64url');
    const cases: Array<[InjectOptions, string]> = [
      [
        {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { account_id: `${me.accountId}\u0000`, app_secret: me.appSecret },
        },
        'account_id',
      ],
      [
        {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { account_id: me.accountId, app_secret: 'a\u0000b' },
        },
        'app_secret',
      ],
      [{ method: 'GET', url: '/api/v1/customer?email=a%00b', headers: me.auth }, 'email'],
      [{ method: 'GET', url: '/api/v1/customer?search=%00', headers: me.auth }, 'search'],
      [{ method: 'GET', url: '/api/v1/customer?search=a%1Bb', headers: me.auth }, 'search'],
      [{ method: 'GET', url: `/api/v1/customer?cursor=${forged}`, headers: me.auth }, 'cursor'],
    ];
    for (const [request, field] of cases) {
      const { response, body } = await probe(request, `${field} with a control character`);
      expect(response.statusCode, field).toBe(422);
      expect(Object.keys(body.data as object), field).toEqual([field]);
    }
  });
});
