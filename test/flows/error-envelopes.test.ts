import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  StorageUnavailableError,
  translateStorageError,
  UniqueViolationError,
} from '../../src/storage/errors.js';
import { storageWith } from '../helpers/storage-with.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  customerBody,
  errorEnvelope,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/** SPEC §1: every failure is the envelope, HTTP status = status_code, JSON, X-Request-Id. */

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

const UNKNOWN_ID = '0190a6f4-0000-7000-8000-000000000000';
const MIB = 1024 * 1024;

/** Asserts the standard single-error envelope and the headers every response carries. */
function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body.slice(0, 300)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
  expect(String(response.headers['x-request-id']).length).toBeGreaterThan(0);
  const body = response.json();
  expect(body).toEqual(errorEnvelope(status, code));
  expect(body.status_code).toBe(response.statusCode);
}

function writeHeaders(business: TestBusiness, contentType = 'application/json') {
  return { ...business.auth, 'idempotency-key': idempotencyKey(), 'content-type': contentType };
}

function allowOf(response: LightMyRequestResponse): string[] {
  const allow = response.headers.allow;
  expect(allow, 'Allow header').toEqual(expect.any(String));
  return String(allow)
    .split(',')
    .map((method) => method.trim());
}

interface LogLine {
  level: number;
  reqId?: string;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string };
}

function parsedLogs(app: TestApp): LogLine[] {
  return app.logs.flatMap((chunk) =>
    chunk
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine),
  );
}

describe('400 invalid_json', () => {
  it.each([
    ['a truncated object', '{"account_id": "a", '],
    ['single quotes', "{'account_id': 'a'}"],
    ['trailing garbage', '{"account_id": "a", "app_secret": "b"} x'],
    ['a bare word', 'hello'],
    ['a trailing comma', '{"account_id": "a",}'],
  ])('answers %s on login', async (_label, payload) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expectError(response, 400, 'invalid_json');
  });

  it('answers malformed JSON on create (with a charset parameter) and creates nothing', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: writeHeaders(acme, 'application/json; charset=utf-8'),
      payload: '{"customer_name": "Ann"',
    });
    expectError(response, 400, 'invalid_json');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: acme.auth });
    expect(list.json().pagination.total).toBe(0);
  });

  it.each([
    [
      'a top-level __proto__',
      '{"__proto__": {"polluted": true}, "account_id": "a", "app_secret": "b"}',
    ],
    [
      'constructor.prototype',
      '{"constructor": {"prototype": {"polluted": true}}, "account_id": "a"}',
    ],
  ])('refuses %s on login', async (_label, payload) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expectError(response, 400, 'invalid_json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a nested __proto__ on create', async () => {
    const body = JSON.stringify(customerBody()).replace(
      '"customer_address":{',
      '"customer_address":{"__proto__":{"polluted":true},',
    );
    expect(body).toContain('__proto__');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: writeHeaders(acme),
      payload: body,
    });
    expectError(response, 400, 'invalid_json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('415 unsupported_media_type', () => {
  it.each([
    ['text/plain', '{"account_id": "a", "app_secret": "b"}'],
    ['application/x-www-form-urlencoded', 'account_id=a&app_secret=b'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    ],
    ['application/xml', '<login/>'],
  ])('answers a %s body on login', async (contentType, payload) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': contentType },
      payload,
    });
    expectError(response, 415, 'unsupported_media_type');
  });

  it('answers a form body on create and creates nothing', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: writeHeaders(acme, 'application/x-www-form-urlencoded'),
      payload: 'customer_name=Ann&customer_email=ann%40example.com',
    });
    expectError(response, 415, 'unsupported_media_type');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: acme.auth });
    expect(list.json().pagination.total).toBe(0);
  });

  it('answers a text body on DELETE and deletes nothing', async () => {
    const customer = await createCustomer(t, acme);
    const url = `/api/v1/customer/${customer.customer_id}`;
    const response = await t.app.inject({
      method: 'DELETE',
      url,
      headers: { ...acme.auth, 'content-type': 'text/plain' },
      payload: 'please delete',
    });
    expectError(response, 415, 'unsupported_media_type');
    const still = await t.app.inject({ method: 'GET', url, headers: acme.auth });
    expect(still.statusCode).toBe(200);
  });

  it('accepts JSON content types with parameters and a +json suffix', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'application/vnd.api+json']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': contentType },
        payload: JSON.stringify({ account_id: acme.accountId, app_secret: acme.appSecret }),
      });
      expect(response.statusCode, contentType).toBe(200);
    }
  });
});

describe('413 payload_too_large', () => {
  it('answers a login body over 1 MiB, and judges one just under on its merits', async () => {
    const over = JSON.stringify({ account_id: 'a', app_secret: 'b', pad: 'x'.repeat(MIB) });
    expect(Buffer.byteLength(over)).toBeGreaterThan(MIB);
    expectError(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: over,
      }),
      413,
      'payload_too_large',
    );
    const under = JSON.stringify({ account_id: 'a', app_secret: 'b', pad: 'x'.repeat(MIB - 100) });
    expect(Buffer.byteLength(under)).toBeLessThanOrEqual(MIB);
    const judged = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: under,
    });
    expect(judged.statusCode).toBe(422);
    expect(judged.json().data).toEqual({ pad: ['The pad field is not allowed.'] });
  });
});

describe('404 route_not_found', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/customers'],
    ['GET', '/api/v2/customer'],
    ['GET', '/api/v1/customer/x/y'],
    ['GET', '/docs/static/does-not-exist.js'],
  ] as const)('answers %s %s with the envelope, never HTML', async (method, url) => {
    const response = await t.app.inject({ method, url, headers: acme.auth });
    expectError(response, 404, 'route_not_found');
    expect(response.body).not.toMatch(/<html|<!doctype/i);
  });

  it('answers an unknown route the same without a token', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/api/v1/nope' }), 404, 'route_not_found');
  });
});

describe('405 method_not_allowed', () => {
  it.each([
    ['DELETE', '/api/v1/customer', ['GET', 'POST'], 'DELETE'],
    ['PUT', '/api/v1/customer', ['GET', 'POST'], 'PUT'],
    ['DELETE', '/api/v1/customer/', ['GET', 'POST'], 'DELETE'],
    ['POST', `/api/v1/customer/${UNKNOWN_ID}`, ['DELETE', 'GET', 'PATCH', 'PUT'], 'POST'],
    ['GET', '/api/v1/auth/login', ['POST'], 'GET'],
    ['DELETE', '/api/v1/auth/logout', ['POST'], 'DELETE'],
    ['POST', '/api/v1/auth/refresh-token', ['GET'], 'POST'],
  ] as const)('answers %s %s with Allow', async (method, url, allowed, refused) => {
    const response = await t.app.inject({ method, url, headers: acme.auth });
    expectError(response, 405, 'method_not_allowed');
    const allow = allowOf(response);
    for (const m of allowed) expect(allow).toContain(m);
    expect(allow).not.toContain(refused);
  });
});

describe('500 internal_error: a bug in a handler', () => {
  const bug = new TypeError('boom secret detail SELECT * FROM x');

  it('answers the envelope with nothing of the error, and logs it with the request id', async () => {
    const broken = await createTestApp({
      storage: storageWith({
        customers: {
          findLive: async () => {
            throw bug;
          },
        },
      }),
    });
    try {
      const business = await createBusiness(broken, 'Broken');
      const response = await broken.app.inject({
        method: 'GET',
        url: `/api/v1/customer/${UNKNOWN_ID}`,
        headers: { ...business.auth, 'x-request-id': 'req-500-check' },
      });
      expectError(response, 500, 'internal_error');
      expect(response.headers['x-request-id']).toBe('req-500-check');
      for (const leak of ['boom', 'SELECT', 'TypeError', 'secret', 'stack', '.ts:', '    at ']) {
        expect(response.body).not.toContain(leak);
      }
      const logged = parsedLogs(broken).filter(
        (line) => line.level >= 50 && line.reqId === 'req-500-check',
      );
      const withError = logged.find((line) => line.err?.message === bug.message);
      expect(withError, 'an error-level log line with the request id and the error').toBeDefined();
      expect(withError?.err?.stack).toContain('TypeError');
    } finally {
      await broken.close();
    }
  });

  it('answers a bug inside an idempotent write the same, and does not keep the outcome', async () => {
    let calls = 0;
    const broken = await createTestApp({
      storage: storageWith({
        customers: {
          findLive: async () => {
            calls += 1;
            throw bug;
          },
        },
      }),
    });
    try {
      const business = await createBusiness(broken, 'Broken');
      const key = idempotencyKey();
      const send = () =>
        broken.app.inject({
          method: 'PATCH',
          url: `/api/v1/customer/${UNKNOWN_ID}`,
          headers: { ...business.auth, 'idempotency-key': key },
          payload: { customer_name: 'X' },
        });
      const first = await send();
      expectError(first, 500, 'internal_error');
      expect(first.body).not.toContain('boom');
      const second = await send();
      expectError(second, 500, 'internal_error');
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(calls).toBe(2);
    } finally {
      await broken.close();
    }
  });
});

describe('503 service_unavailable: the database is down', () => {
  it('answers with Retry-After when storage reports itself unavailable', async () => {
    const down = await createTestApp({
      storage: storageWith({
        customers: {
          findLive: async () => {
            throw new StorageUnavailableError(new Error('connect ECONNREFUSED 10.0.0.7:5432'));
          },
        },
      }),
    });
    try {
      const business = await createBusiness(down, 'Down');
      const response = await down.app.inject({
        method: 'GET',
        url: `/api/v1/customer/${UNKNOWN_ID}`,
        headers: business.auth,
      });
      expectError(response, 503, 'service_unavailable');
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(response.body).not.toContain('ECONNREFUSED');
      expect(response.body).not.toContain('10.0.0.7');
    } finally {
      await down.close();
    }
  });

  it('translates a driver connection error raised inside a transaction', async () => {
    const down = await createTestApp({
      storage: storageWith({
        customers: {
          findLive: async () => {
            throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), {
              code: 'ECONNREFUSED',
            });
          },
        },
      }),
    });
    try {
      const business = await createBusiness(down, 'Down');
      const response = await down.app.inject({
        method: 'PUT',
        url: `/api/v1/customer/${UNKNOWN_ID}`,
        headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
        payload: { customer_name: 'X' },
      });
      expectError(response, 503, 'service_unavailable');
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(response.body).not.toContain('10.0.0.7');
    } finally {
      await down.close();
    }
  });

  it('maps connection-level engine errors, and only those, to StorageUnavailableError', () => {
    const withCode = (code: string) => Object.assign(new Error(`driver said ${code}`), { code });
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'SQLITE_BUSY',
      '57P01',
      '08006',
    ]) {
      expect(translateStorageError(withCode(code)), code).toBeInstanceOf(StorageUnavailableError);
    }
    expect(translateStorageError(new Error('Connection terminated unexpectedly'))).toBeInstanceOf(
      StorageUnavailableError,
    );
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', '23505']) {
      expect(translateStorageError(withCode(code)), code).toBeInstanceOf(UniqueViolationError);
    }
    const syntax = withCode('42601');
    expect(translateStorageError(syntax)).toBe(syntax);
    const plain = new TypeError('x is undefined');
    expect(translateStorageError(plain)).toBe(plain);
  });
});

describe('bodies on DELETE and bodiless writes', () => {
  it('accepts an empty body sent with Content-Type application/json on DELETE', async () => {
    const customer = await createCustomer(t, acme);
    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${customer.customer_id}`,
      headers: { ...acme.auth, 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Customer deleted successfully',
      data: { message: 'Customer deleted successfully', customer_id: customer.customer_id },
    });
  });

  it('accepts an empty JSON body on logout', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...acme.auth, 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe('422 field map', () => {
  it('lists every invalid field at once, with read-only and unknown fields named', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: writeHeaders(acme),
      payload: customerBody({
        customer_email: 'not-an-email',
        customer_phone: '12345',
        customer_status: 'active',
        customer_nmae: 'typo',
        customer_address: { city: 'Anytown', planet: 'Mars' },
      }),
    });
    expect(response.statusCode).toBe(422);
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    const body = response.json();
    expect(body).toEqual({
      status: 'failed',
      status_code: 422,
      message: 'Request failed.',
      data: {
        customer_email: [expect.any(String)],
        customer_phone: [expect.any(String)],
        customer_status: ['The customer_status field is read-only.'],
        customer_nmae: ['The customer_nmae field is not allowed.'],
        'customer_address.planet': ['The customer_address.planet field is not allowed.'],
      },
    });
  });
});

describe('malformed URLs are still enveloped', () => {
  it('answers an over-long customer id like any malformed id: 404 customer_not_found', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${'a'.repeat(300)}`,
      headers: acme.auth,
    });
    expectError(response, 404, 'customer_not_found');
  });

  it('answers a broken percent-encoding with a 4xx envelope', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer/%E0%A4%A',
      headers: acme.auth,
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    expect(response.json()).toEqual({
      status: 'failed',
      status_code: response.statusCode,
      message: 'Request failed.',
      data: { error: expect.any(String), code: expect.stringMatching(/^[a-z_]+$/) },
    });
  });
});

describe('X-Request-Id on every response', () => {
  it('keeps a safe inbound id and replaces unsafe or over-long ones', async () => {
    const send = (id: string) =>
      t.app.inject({ method: 'GET', url: '/api/v1/nope', headers: { 'x-request-id': id } });
    expect((await send('abc-123_DEF.4:5')).headers['x-request-id']).toBe('abc-123_DEF.4:5');
    expect((await send('r'.repeat(128))).headers['x-request-id']).toBe('r'.repeat(128));
    for (const unsafe of ['r'.repeat(129), 'has space', 'semi;colon', '<script>']) {
      const echoed = (await send(unsafe)).headers['x-request-id'];
      expect(echoed).toEqual(expect.any(String));
      expect(echoed).not.toBe(unsafe);
      expect(String(echoed)).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    }
  });

  it('is present on success, 401, 405 and 422 responses, and each one differs', async () => {
    const responses = await Promise.all([
      t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: acme.auth }),
      t.app.inject({ method: 'GET', url: '/api/v1/customer' }),
      t.app.inject({ method: 'DELETE', url: '/api/v1/customer' }),
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { account_id: '' },
      }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 405, 422]);
    const ids = responses.map((r) => r.headers['x-request-id']);
    for (const [index, response] of responses.entries()) {
      expect(ids[index]).toEqual(expect.any(String));
      expect(response.json().status_code).toBe(response.statusCode);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('500 internal_error: a bug in the error handler itself', () => {
  it('still answers the envelope, with nothing of the bug in it', async () => {
    // An error that looks like a validation failure but whose details break the field-map builder.
    const broken = await createTestApp({
      storage: storageWith({
        customers: {
          findLive: async () => {
            throw Object.assign(new Error('odd'), { validation: 42 });
          },
        },
      }),
    });
    try {
      const business = await createBusiness(broken, 'BrokenHandler');
      const response = await broken.app.inject({
        method: 'GET',
        url: `/api/v1/customer/${UNKNOWN_ID}`,
        headers: business.auth,
      });
      expectError(response, 500, 'internal_error');
      for (const leak of ['iterable', 'TypeError', 'odd', '.ts:']) {
        expect(response.body).not.toContain(leak);
      }
    } finally {
      await broken.close();
    }
  });
});
