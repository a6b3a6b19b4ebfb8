import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CUSTOMER_FIELDS_IN_ORDER } from '../../../test/helpers/contract.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  errorEnvelope,
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

describe('GET /api/v1/customer/{id} → 200', () => {
  it('returns the customer object in the seed shape with the contract fields in order', async () => {
    const created = await createCustomer(t, acme);
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${created.customer_id}`,
      headers: acme.auth,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: created,
    });
    expect(Object.keys(body.data)).toEqual([...CUSTOMER_FIELDS_IN_ORDER]);
    expect(body.data.customer_status).toBe('pending');
    expect(body.data.can_create_vc).toBe(0);
    expect(body.data.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });
});

describe('GET /api/v1/customer/{id} → 404', () => {
  it('answers identically for unknown, malformed, deleted and other-business ids', async () => {
    const other = await createBusiness(t, 'Other');
    const theirs = await createCustomer(t, other);
    const deleted = await createCustomer(t, acme);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${deleted.customer_id}`,
      headers: acme.auth,
    });
    const ids = [
      '0190a6f4-0000-7000-8000-000000000000',
      'not-a-uuid',
      deleted.customer_id,
      theirs.customer_id,
    ];
    for (const id of ids) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/customer/${id}`,
        headers: acme.auth,
      });
      expect(response.statusCode, id).toBe(404);
      expect(response.json()).toEqual(
        errorEnvelope(404, 'customer_not_found', 'Customer not found'),
      );
    }
  });
});

describe('GET /api/v1/customer/{id} → 401', () => {
  it('refuses a request without a token', async () => {
    const created = await createCustomer(t, acme);
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${created.customer_id}`,
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual(errorEnvelope(401, 'unauthenticated'));
  });
});
