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

type Customer = Record<string, unknown> & { customer_id: string };
type Method = 'PUT' | 'PATCH';
const METHODS: Method[] = ['PUT', 'PATCH'];

const ADDRESS = {
  city: 'Anytown',
  state: 'Anystate',
  zipcode: '12345',
  street: '1234 Elm Street',
  number: '5678',
  country: 'USA',
};

function wireTimestamp(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

function update(method: Method, id: string, payload: unknown, business: TestBusiness = acme) {
  return t.app.inject({
    method,
    url: `/api/v1/customer/${id}`,
    headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
    payload: payload as Record<string, unknown>,
  });
}

async function retrieve(id: string, business: TestBusiness = acme): Promise<Customer> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer/${id}`,
    headers: business.auth,
  });
  expect(response.statusCode).toBe(200);
  return response.json().data;
}

function updated(data: unknown) {
  return {
    status: 'success',
    status_code: 200,
    message: 'Customer updated successfully',
    data,
  };
}

function validationEnvelope(fields: Record<string, string[]>) {
  return { status: 'failed', status_code: 422, message: 'Request failed.', data: fields };
}

const NOT_FOUND = errorEnvelope(404, 'customer_not_found', 'Customer not found');

describe.each(METHODS)('%s /api/v1/customer/{id} → 200', (method) => {
  it('changes only the fields sent; absent fields stay as they are', async () => {
    const customer = await createCustomer(t, acme, {
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
    });
    t.clock.advance(1500);
    const response = await update(method, customer.customer_id, {
      customer_name: 'Augusta Ada King',
    });
    expect(response.statusCode).toBe(200);
    const expected = {
      ...customer,
      customer_name: 'Augusta Ada King',
      updated_at: wireTimestamp(t.clock.now()),
    };
    expect(response.json()).toEqual(updated(expected));
    expect(await retrieve(customer.customer_id)).toEqual(expected);
  });

  it('moves updated_at with the clock and never created_at', async () => {
    const customer = await createCustomer(t, acme);
    t.clock.advance(60_000);
    const first = await update(method, customer.customer_id, { customer_type: 'business' });
    expect(first.json().data.updated_at).toBe(wireTimestamp(t.clock.now()));
    expect(first.json().data.updated_at).not.toBe(customer.updated_at);
    expect(first.json().data.created_at).toBe(customer.created_at);
    t.clock.advance(1);
    const second = await update(method, customer.customer_id, { customer_type: 'individual' });
    expect(second.json().data.updated_at).toBe(wireTimestamp(t.clock.now()));
    expect(second.json().data.updated_at > first.json().data.updated_at).toBe(true);
    expect(second.json().data.created_at).toBe(customer.created_at);
  });

  it('changes every writable field at once, normalising as on create', async () => {
    const customer = await createCustomer(t, acme);
    const response = await update(method, customer.customer_id, {
      customer_name: '  Grace Hopper ',
      customer_email: 'Grace@Example.com',
      customer_phone: '+4407911123456',
      customer_country: 'gbr',
      customer_type: 'business',
      customer_address: { city: 'London', country: 'gbr' },
    });
    expect(response.statusCode).toBe(200);
    const data = response.json().data;
    expect(data).toMatchObject({
      customer_id: customer.customer_id,
      customer_name: 'Grace Hopper',
      customer_email: 'Grace@Example.com',
      customer_phone: '+447911123456',
      customer_country: 'GBR',
      customer_type: 'business',
      customer_address: { ...ADDRESS, city: 'London', country: 'GBR' },
      customer_status: 'pending',
      customer_kyc_status: 'not_started',
    });
    expect(await retrieve(customer.customer_id)).toEqual(data);
  });

  it('clears the address with customer_address: null', async () => {
    const customer = await createCustomer(t, acme);
    expect(customer.customer_address).toEqual(ADDRESS);
    const response = await update(method, customer.customer_id, { customer_address: null });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.customer_address).toBeNull();
    expect(response.json().data.customer_name).toBe(customer.customer_name);
    expect((await retrieve(customer.customer_id)).customer_address).toBeNull();
  });

  it('merges address sub-fields into the stored address', async () => {
    const customer = await createCustomer(t, acme);
    const response = await update(method, customer.customer_id, {
      customer_address: { city: 'Springfield', zipcode: '99999' },
    });
    expect(response.statusCode).toBe(200);
    const merged = { ...ADDRESS, city: 'Springfield', zipcode: '99999' };
    expect(response.json().data.customer_address).toEqual(merged);
    expect((await retrieve(customer.customer_id)).customer_address).toEqual(merged);
  });

  it('sets sub-fields on a customer that had no address', async () => {
    const customer = await createCustomer(t, acme, { customer_address: null });
    const response = await update(method, customer.customer_id, {
      customer_address: { street: 'Rua Augusta', country: 'bra' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.customer_address).toEqual({
      street: 'Rua Augusta',
      country: 'BRA',
    });
  });

  it("accepts a change of case of the customer's own email", async () => {
    const customer = await createCustomer(t, acme, { customer_email: 'ada@example.com' });
    const response = await update(method, customer.customer_id, {
      customer_email: 'ADA@example.com',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.customer_email).toBe('ADA@example.com');
  });

  it('frees the old email when the email changes', async () => {
    const customer = await createCustomer(t, acme, { customer_email: 'old@example.com' });
    expect(
      (await update(method, customer.customer_id, { customer_email: 'new@example.com' }))
        .statusCode,
    ).toBe(200);
    const reused = await createCustomer(t, acme, { customer_email: 'old@example.com' });
    expect(reused.customer_email).toBe('old@example.com');
  });
});

describe.each(METHODS)('%s /api/v1/customer/{id} → 422', (method) => {
  it('refuses an empty body: no updatable field', async () => {
    const customer = await createCustomer(t, acme);
    const response = await update(method, customer.customer_id, {});
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({ body: ['The request must contain at least one updatable field.'] }),
    );
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });

  it("refuses another customer's email, case-insensitively, and changes nothing", async () => {
    await createCustomer(t, acme, { customer_email: 'taken@example.com' });
    const customer = await createCustomer(t, acme, { customer_email: 'mine@example.com' });
    t.clock.advance(1000);
    const response = await update(method, customer.customer_id, {
      customer_email: 'TAKEN@example.com',
      customer_name: 'Should Not Stick',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({ customer_email: ['Customer email already exists.'] }),
    );
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });

  it('refuses every read-only field, naming each', async () => {
    const customer = await createCustomer(t, acme);
    const readOnly = {
      customer_id: '0190a6f4-0000-7000-8000-000000000000',
      customer_status: 'active',
      customer_kyc_status: 'approved',
      customer_kyc_reject_reason: 'none',
      can_create_vc: 1,
      can_create_va: 1,
      kyc_verified_date: '2025-04-14T08:45:31.000000Z',
      created_at: '2025-04-14T08:45:31.000000Z',
      updated_at: '2025-04-14T08:45:31.000000Z',
    };
    const response = await update(method, customer.customer_id, readOnly);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope(
        Object.fromEntries(
          Object.keys(readOnly).map((field) => [field, [`The ${field} field is read-only.`]]),
        ),
      ),
    );
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });

  it('validates like create, listing every invalid field at once, and changes nothing', async () => {
    const customer = await createCustomer(t, acme);
    const response = await update(method, customer.customer_id, {
      customer_name: 'Ada\u0000',
      customer_email: 'not-an-email',
      customer_phone: '+1000',
      customer_country: 'US',
      customer_type: 'robot',
      nickname: 'Ada',
      customer_address: { foo: 'bar', country: 'XXX', city: 'c'.repeat(256) },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: ['The customer_name field must not be blank or contain control characters.'],
        customer_email: ['The customer_email field must be a valid email address.'],
        customer_phone: [
          'The customer_phone field must be a valid phone number in E.164 format, e.g. +19203751411.',
        ],
        customer_country: [
          'The customer_country field must be a valid ISO 3166-1 alpha-3 country code, e.g. USA.',
        ],
        customer_type: ['The selected customer_type is invalid.'],
        nickname: ['The nickname field is not allowed.'],
        'customer_address.foo': ['The customer_address.foo field is not allowed.'],
        'customer_address.country': [
          'The customer_address.country field must be a valid ISO 3166-1 alpha-3 country code, e.g. USA.',
        ],
        'customer_address.city': [
          'The customer_address.city field must not be greater than 255 characters.',
        ],
      }),
    );
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });

  it('refuses null for a required field instead of clearing it', async () => {
    const customer = await createCustomer(t, acme);
    const response = await update(method, customer.customer_id, {
      customer_name: null,
      customer_phone: null,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: ['The customer_name field must be a string.'],
        customer_phone: ['The customer_phone field must be a string.'],
      }),
    );
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });

  it('refuses a blank name', async () => {
    const customer = await createCustomer(t, acme);
    const response = await update(method, customer.customer_id, { customer_name: '  ' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: ['The customer_name field must not be blank or contain control characters.'],
      }),
    );
  });
});

describe.each(METHODS)('%s /api/v1/customer/{id} → 404', (method) => {
  it('answers customer_not_found for unknown, malformed, deleted and other-business ids', async () => {
    const other = await createBusiness(t, 'Other');
    const theirs = await createCustomer(t, other);
    const deleted = await createCustomer(t, acme);
    const removal = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${deleted.customer_id}`,
      headers: acme.auth,
    });
    expect(removal.statusCode).toBe(200);
    const ids = [
      '0190a6f4-0000-7000-8000-000000000000',
      'not-a-uuid',
      deleted.customer_id,
      theirs.customer_id,
    ];
    for (const id of ids) {
      const response = await update(method, id, { customer_name: 'Hijacked' });
      expect(response.statusCode, id).toBe(404);
      expect(response.json(), id).toEqual(NOT_FOUND);
    }
    expect(await retrieve(theirs.customer_id, other)).toEqual(theirs);
  });
});

describe.each(METHODS)('%s /api/v1/customer/{id} → 400', (method) => {
  it('requires an Idempotency-Key and changes nothing without one', async () => {
    const customer = await createCustomer(t, acme);
    const response = await t.app.inject({
      method,
      url: `/api/v1/customer/${customer.customer_id}`,
      headers: acme.auth,
      payload: { customer_name: 'No Key' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(
      errorEnvelope(
        400,
        'idempotency_key_missing',
        'Idempotency-Key is required for this request.',
      ),
    );
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });
});

describe.each(METHODS)('%s /api/v1/customer/{id} → 401', (method) => {
  it('refuses a request without a token', async () => {
    const customer = await createCustomer(t, acme);
    const response = await t.app.inject({
      method,
      url: `/api/v1/customer/${customer.customer_id}`,
      headers: { 'idempotency-key': idempotencyKey() },
      payload: { customer_name: 'Anonymous' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual(errorEnvelope(401, 'unauthenticated'));
    expect(await retrieve(customer.customer_id)).toEqual(customer);
  });
});
