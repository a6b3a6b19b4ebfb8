import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

const NOT_FOUND = errorEnvelope(404, 'customer_not_found', 'Customer not found');

/** DELETE needs no Idempotency-Key (SPEC §5 lists POST, PUT and PATCH): none is sent. */
function remove(id: string, business: TestBusiness = acme) {
  return t.app.inject({ method: 'DELETE', url: `/api/v1/customer/${id}`, headers: business.auth });
}

function deleted(customerId: string) {
  return {
    status: 'success',
    status_code: 200,
    message: 'Customer deleted successfully',
    data: { message: 'Customer deleted successfully', customer_id: customerId },
  };
}

async function list(query = '', business: TestBusiness = acme) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer${query}`,
    headers: business.auth,
  });
  expect(response.statusCode).toBe(200);
  return response.json() as {
    data: Array<{ customer_id: string }>;
    pagination: { total: number };
  };
}

describe('DELETE /api/v1/customer/{id} → 200', () => {
  it('deletes the customer and answers its id', async () => {
    const customer = await createCustomer(t, acme);
    const response = await remove(customer.customer_id);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(deleted(customer.customer_id));
  });

  it('removes only that customer from the list and its total', async () => {
    const kept = await createCustomer(t, acme);
    const gone = await createCustomer(t, acme);
    expect((await list()).pagination.total).toBe(2);
    expect((await remove(gone.customer_id)).statusCode).toBe(200);
    const after = await list();
    expect(after.pagination.total).toBe(1);
    expect(after.data.map((c) => c.customer_id)).toEqual([kept.customer_id]);
    const filtered = await list(`?email=${encodeURIComponent(String(gone.customer_email))}`);
    expect(filtered.pagination.total).toBe(0);
    expect(filtered.data).toEqual([]);
  });

  it('lets a new customer use the email again, case-insensitively, with a new id', async () => {
    const customer = await createCustomer(t, acme, { customer_email: 'Ada@Example.com' });
    expect((await remove(customer.customer_id)).statusCode).toBe(200);
    const again = await createCustomer(t, acme, { customer_email: 'ada@example.com' });
    expect(again.customer_email).toBe('ada@example.com');
    expect(again.customer_id).not.toBe(customer.customer_id);
    expect((await list()).pagination.total).toBe(1);
  });

  it("lets another customer take the deleted customer's email by update", async () => {
    const customer = await createCustomer(t, acme, { customer_email: 'ada@example.com' });
    const other = await createCustomer(t, acme);
    expect((await remove(customer.customer_id)).statusCode).toBe(200);
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customer/${other.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { customer_email: 'ada@example.com' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.customer_email).toBe('ada@example.com');
  });
});

describe('DELETE /api/v1/customer/{id} → 404', () => {
  it('answers 404 to a second DELETE', async () => {
    const customer = await createCustomer(t, acme);
    expect((await remove(customer.customer_id)).statusCode).toBe(200);
    const second = await remove(customer.customer_id);
    expect(second.statusCode).toBe(404);
    expect(second.json()).toEqual(NOT_FOUND);
  });

  it('answers 404 on every route for the deleted id afterwards', async () => {
    const customer = await createCustomer(t, acme);
    expect((await remove(customer.customer_id)).statusCode).toBe(200);
    const url = `/api/v1/customer/${customer.customer_id}`;
    const write = { ...acme.auth, 'idempotency-key': idempotencyKey() };
    const responses = {
      GET: await t.app.inject({ method: 'GET', url, headers: acme.auth }),
      PUT: await t.app.inject({
        method: 'PUT',
        url,
        headers: write,
        payload: { customer_name: 'X' },
      }),
      PATCH: await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
        payload: { customer_name: 'X' },
      }),
    };
    for (const [method, response] of Object.entries(responses)) {
      expect(response.statusCode, method).toBe(404);
      expect(response.json(), method).toEqual(NOT_FOUND);
    }
  });

  it('answers 404 for unknown and malformed ids', async () => {
    for (const id of ['0190a6f4-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const response = await remove(id);
      expect(response.statusCode, id).toBe(404);
      expect(response.json(), id).toEqual(NOT_FOUND);
    }
  });

  it("answers 404 for another business's customer and leaves it in place", async () => {
    const other = await createBusiness(t, 'Other');
    const theirs = await createCustomer(t, other);
    const response = await remove(theirs.customer_id);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(NOT_FOUND);
    const retrieved = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${theirs.customer_id}`,
      headers: other.auth,
    });
    expect(retrieved.statusCode).toBe(200);
    expect(retrieved.json().data).toEqual(theirs);
    expect((await list('', other)).pagination.total).toBe(1);
  });
});

describe('DELETE /api/v1/customer/{id} → 401', () => {
  it('refuses a request without a token and deletes nothing', async () => {
    const customer = await createCustomer(t, acme);
    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${customer.customer_id}`,
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual(errorEnvelope(401, 'unauthenticated'));
    expect((await list()).pagination.total).toBe(1);
  });
});
