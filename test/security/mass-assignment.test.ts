import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READ_ONLY_CUSTOMER_FIELDS } from '../../src/customers/customer-fields.js';
import {
  createBusiness,
  createCustomer,
  customerBody,
  idempotencyKey,
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

/**
 * Mass assignment: no body can set a field the server owns (SPEC §3's read-only fields, the
 * storage columns behind them, the tenant), on any write route. Each is refused by name, and the
 * database is unchanged. Complements the field-map tests in src/routes/customers/*.test.ts.
 */

let t: TestApp;
let snapshot: () => Promise<Snapshot>;
let me: TestBusiness;
let other: TestBusiness;
beforeEach(async () => {
  ({ t, snapshot } = await createSnapshottableApp());
  me = await createBusiness(t, `Assign${Date.now()}`);
  other = await createBusiness(t, `Other${Date.now()}`);
});
afterEach(async () => {
  expectCleanLogs(t.logs, [me.token, me.appSecret, other.token, other.appSecret]);
  await t.close();
});
afterAll(() => cleanupTempDirs());

/** Plausible values an attacker would try for each read-only field. */
function readOnlyValues(foreignCustomerId: string): Record<string, unknown> {
  return {
    customer_id: foreignCustomerId,
    customer_status: 'active',
    customer_kyc_status: 'approved',
    customer_kyc_reject_reason: null,
    can_create_vc: 1,
    can_create_va: 1,
    kyc_verified_date: '2025-01-01T00:00:00.000000Z',
    created_at: '2000-01-01T00:00:00.000000Z',
    updated_at: '2000-01-01T00:00:00.000000Z',
  };
}

/** Storage columns and tenancy hints that are not part of the contract at all. */
const UNKNOWN_FIELDS: Record<string, unknown> = {
  business_id: 'x',
  account_id: 'x',
  deleted_at: null,
  identity_document: 'x',
  email_lower: 'x@example.com',
  name_lower: 'x',
  is_admin: true,
  customerName: 'typo',
  'customer_address.owner': 'x',
};

function put(body: Record<string, unknown>, field: string, value: unknown) {
  const [top, sub] = field.split('.') as [string, string | undefined];
  if (sub === undefined) return { ...body, [top]: value };
  return { ...body, [top]: { ...(body[top] as object), [sub]: value } };
}

describe('every read-only and unknown field, on every customer write route', () => {
  it('is a 422 naming it, and changes nothing', async () => {
    const foreign = await createCustomer(t, other);
    const mine = await createCustomer(t, me);
    const routes = [
      ['POST', '/api/v1/customer', () => customerBody()],
      ['PUT', `/api/v1/customer/${mine.customer_id}`, () => ({ customer_name: 'New Name' })],
      ['PATCH', `/api/v1/customer/${mine.customer_id}`, () => ({ customer_name: 'New Name' })],
    ] as const;
    const fields: Array<[string, unknown, string]> = [
      ...Object.entries(readOnlyValues(foreign.customer_id)).map(
        ([f, v]) => [f, v, 'read-only'] as [string, unknown, string],
      ),
      ...Object.entries(UNKNOWN_FIELDS).map(
        ([f, v]) => [f, v, 'not allowed'] as [string, unknown, string],
      ),
    ];
    expect(fields.map(([f]) => f)).toEqual(expect.arrayContaining([...READ_ONLY_CUSTOMER_FIELDS]));
    let cases = 0;
    for (const [method, url, body] of routes) {
      for (const [field, value, verdict] of fields) {
        const label = `${method} ${field}`;
        const before = await snapshot();
        const response = await t.app.inject({
          method,
          url,
          headers: { ...me.auth, 'idempotency-key': idempotencyKey() },
          payload: put(body(), field, value),
        });
        const envelope = expectWellFormed(response, label);
        expect(response.statusCode, label).toBe(422);
        expect(envelope.data, label).toEqual({ [field]: [`The ${field} field is ${verdict}.`] });
        expectUnchanged(before, await snapshot(), label);
        cases += 1;
      }
    }
    console.log(`mass assignment: ${cases} cases`);
  });
});

describe('routes whose body the server ignores cannot be steered by one', () => {
  it('POST /api/v1/auth/login refuses extra fields such as business_id', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: {
        account_id: me.accountId,
        app_secret: me.appSecret,
        business_id: other.businessId,
      },
    });
    expectWellFormed(response, 'login');
    expect(response.statusCode).toBe(422);
    expect(response.json().data).toEqual({
      business_id: ['The business_id field is not allowed.'],
    });
  });

  it('POST /api/v1/generate-secret: a secret in the body is not the one set', async () => {
    const chosen = 'attacker-chosen-secret-0123456789';
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/generate-secret',
      headers: { ...me.auth, 'idempotency-key': idempotencyKey() },
      payload: { app_secret: chosen, account_id: other.accountId, business_id: other.businessId },
    });
    expectWellFormed(response, 'generate-secret');
    expect(response.statusCode).toBe(200);
    const issued = response.json().data.app_secret as string;
    expect(issued).not.toBe(chosen);
    await expect(login(t, me.accountId, chosen)).rejects.toThrow(/login failed/);
    expect(await login(t, me.accountId, issued)).toEqual(expect.any(String));
    // The other business named in the body is untouched.
    expect(await login(t, other.accountId, other.appSecret)).toEqual(expect.any(String));
  });

  it('POST /api/v1/auth/logout: naming another token or business revokes only the caller', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: me.auth,
      payload: { access_token: other.token, business_id: other.businessId },
    });
    expectWellFormed(response, 'logout', [other.token]);
    expect(response.statusCode).toBe(200);
    const mine = await t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: me.auth });
    expect(mine.statusCode).toBe(401);
    const theirs = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer',
      headers: other.auth,
    });
    expect(theirs.statusCode).toBe(200);
  });
});
