import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { individualKyc, submitKyc } from '../../../test/helpers/kyc.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  errorEnvelope,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t);
});
afterEach(() => t.close());

describe('GET /api/v1/customer/kyc/:customer_id → 200', () => {
  it('answers the status, reasons, requirements, VA approval and history', async () => {
    const { customer_id } = await createCustomer(t, acme);
    const fresh = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/kyc/${customer_id}`,
      headers: acme.auth,
    });
    expect(fresh.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: {
        customer_id,
        status: 'not_started',
        kyc_rejection_reasons: [],
        kyc_requirements_due: [],
        is_va_approved: false,
        kyc_verified_date: null,
        history: [],
      },
    });
    await submitKyc(t, acme, individualKyc(customer_id));
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/kyc/${customer_id}`,
      headers: acme.auth,
    });
    expect(after.json().data).toMatchObject({
      status: 'under_review',
      history: [
        {
          from: 'not_started',
          to: 'under_review',
          cause: 'submission',
          actor: 'business',
          reason: null,
          kyc_requirements_due: [],
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
        },
      ],
    });
  });
});

describe('the KYC routes beside /api/v1/customer/:customer_id', () => {
  it('do not collide: each path reaches its own operation', async () => {
    const { customer_id } = await createCustomer(t, acme);
    const kyc = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/kyc/${customer_id}`,
      headers: acme.auth,
    });
    expect(kyc.json().data).toHaveProperty('history');
    const customer = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${customer_id}`,
      headers: acme.auth,
    });
    expect(customer.json().data).toHaveProperty('customer_email');
    // "kyc" alone is a customer id that does not exist; "update" is a KYC status id that does not.
    for (const url of ['/api/v1/customer/kyc', '/api/v1/customer/kyc/update']) {
      const response = await t.app.inject({ method: 'GET', url, headers: acme.auth });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toEqual(
        errorEnvelope(404, 'customer_not_found', 'Customer not found'),
      );
    }
    // PUT /customer/kyc is the customer update route (for a customer id "kyc"), not KYC.
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/customer/kyc',
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { customer_name: 'X' },
    });
    expect(put.statusCode).toBe(404);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/customer/kyc/update',
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: {},
    });
    expect(patch.statusCode).toBe(405);
    // The URL is also GET /customer/kyc/:customer_id (with the id "update").
    expect(patch.headers.allow).toBe('GET, HEAD, PUT');
  });
});
