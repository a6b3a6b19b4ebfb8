import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { businessKyc, individualKyc, submitKyc } from '../../../test/helpers/kyc.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';

let t: TestApp;
let acme: TestBusiness;
let customerId: string;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t);
  customerId = (await createCustomer(t, acme)).customer_id;
});
afterEach(() => t.close());

async function expect422(body: unknown, fields: Record<string, string[]>) {
  const response = await submitKyc(t, acme, body);
  expect(response.statusCode, response.body).toBe(422);
  expect(response.json()).toEqual({
    status: 'failed',
    status_code: 422,
    message: 'Request failed.',
    data: fields,
  });
  // Nothing was stored.
  expect(await t.storage.kyc.listHistory(acme.businessId, customerId)).toEqual([]);
}

describe('POST /api/v1/verification/verify-customer → 200', () => {
  it('answers the customer id and under_review', async () => {
    const response = await submitKyc(t, acme, individualKyc(customerId, { middle_name: 'Q' }));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().data).toEqual({ customer_id: customerId, status: 'under_review' });
  });
});

describe('POST /api/v1/verification/verify-customer → 422', () => {
  it('lists every missing individual field, a future birth date and the other type’s fields', async () => {
    const tomorrow = new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    await expect422(
      {
        customer_id: customerId,
        type: 'individual',
        birth_date: tomorrow,
        business_name: 'Acme',
        documents: [],
      },
      {
        documents: ['The documents field must have at least 1 items.'],
        first_name: ['The first_name field is required.'],
        last_name: ['The last_name field is required.'],
        address: ['The address field is required.'],
        business_name: ['The business_name field is prohibited when type is individual.'],
        birth_date: ['The birth_date field must be a date before today.'],
      },
    );
  });

  it('lists nested address and document errors with dotted names', async () => {
    await expect422(
      individualKyc(customerId, {
        birth_date: '1990-02-30',
        nationality: 'XX',
        address: { street_line_1: '', city: 'A', state: 'B', country: 'usa', extra: 1 },
        documents: [{ purposes: [], file: 'not base64!' }],
      }),
      {
        birth_date: ['The birth_date field must be a valid date in YYYY-MM-DD format.'],
        nationality: [
          'The nationality field must be a valid ISO 3166-1 alpha-3 country code, e.g. USA.',
        ],
        'address.postal_code': ['The address.postal_code field is required.'],
        'address.extra': ['The address.extra field is not allowed.'],
        'address.street_line_1': ['The address.street_line_1 field is required.'],
        'documents.0.purposes': ['The documents.0.purposes field must have at least 1 items.'],
        'documents.0.file': [
          'The documents.0.file field must be a base64-encoded image of at most 5 MiB.',
        ],
      },
    );
  });

  it('requires the business fields for type business, and the type and customer id', async () => {
    await expect422(
      {
        customer_id: customerId,
        type: 'business',
        business_type: 'llc',
        last_name: 'Doe',
        documents: [{ purposes: ['x'], file: 'AAAA' }],
      },
      {
        business_type: ['The selected business_type is invalid.'],
        business_name: ['The business_name field is required.'],
        registration_number: ['The registration_number field is required.'],
        business_address: ['The business_address field is required.'],
        last_name: ['The last_name field is prohibited when type is business.'],
      },
    );
    await expect422(
      { documents: [{ purposes: ['x'], file: 'AAAA' }] },
      {
        customer_id: ['The customer_id field is required.'],
        type: ['The type field is required.'],
      },
    );
  });

  it("refuses a type that is not the customer's", async () => {
    await expect422(businessKyc(customerId), {
      type: ["The type field must match the customer's type (individual)."],
    });
  });
});
