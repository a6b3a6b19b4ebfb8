import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CUSTOMER_FIELDS_IN_ORDER } from '../../../test/helpers/contract.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  customerBody,
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

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const CONTRACT_FIELDS = [...CUSTOMER_FIELDS_IN_ORDER];

const READ_ONLY_FIELDS: Record<string, unknown> = {
  customer_id: '0190a6f4-0000-7000-8000-000000000000',
  customer_status: 'active',
  customer_kyc_status: 'approved',
  customer_kyc_reject_reason: null,
  can_create_vc: 1,
  can_create_va: 1,
  kyc_verified_date: '2025-04-14T08:45:31.000000Z',
  created_at: '2025-04-14T08:45:31.000000Z',
  updated_at: '2025-04-14T08:45:31.000000Z',
};

/** The wire form of an instant: microseconds and `Z`, as Laravel emits. */
function wireTimestamp(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

function post(payload: unknown, business: TestBusiness = acme) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/customer',
    headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
    payload: payload as Record<string, unknown>,
  });
}

function validationEnvelope(fields: Record<string, string[]>) {
  return { status: 'failed', status_code: 422, message: 'Request failed.', data: fields };
}

async function listTotal(query = ''): Promise<number> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer${query}`,
    headers: acme.auth,
  });
  expect(response.statusCode).toBe(200);
  return response.json().pagination.total;
}

const PHONE_MESSAGE =
  'The customer_phone field must be a valid phone number in E.164 format, e.g. +19203751411.';
const countryMessage = (field: string) =>
  `The ${field} field must be a valid ISO 3166-1 alpha-3 country code, e.g. USA.`;
const textMessage = (field: string) =>
  `The ${field} field must not be blank or contain control characters.`;

describe('POST /api/v1/customer → 201', () => {
  it('creates the customer and answers the full object in contract order', async () => {
    const response = await post({
      customer_name: 'Ada Lovelace',
      customer_email: 'Ada@Example.com',
      customer_phone: '+19203751411',
      customer_country: 'USA',
      customer_address: {
        city: 'Anytown',
        state: 'Anystate',
        zipcode: '12345',
        street: '1234 Elm Street',
        number: '5678',
        country: 'USA',
      },
    });
    expect(response.statusCode).toBe(201);
    const now = wireTimestamp(t.clock.now());
    const body = response.json();
    expect(body).toEqual({
      status: 'success',
      status_code: 201,
      message: 'Customer created successfully',
      data: {
        customer_id: expect.stringMatching(UUID_V7),
        customer_name: 'Ada Lovelace',
        customer_email: 'Ada@Example.com',
        customer_phone: '+19203751411',
        customer_country: 'USA',
        customer_address: {
          city: 'Anytown',
          state: 'Anystate',
          zipcode: '12345',
          street: '1234 Elm Street',
          number: '5678',
          country: 'USA',
        },
        customer_type: 'individual',
        customer_status: 'pending',
        customer_kyc_status: 'not_started',
        customer_kyc_reject_reason: null,
        can_create_vc: 0,
        can_create_va: 0,
        kyc_verified_date: null,
        created_at: now,
        updated_at: now,
      },
    });
    expect(Object.keys(body.data)).toEqual(CONTRACT_FIELDS);
  });

  it('can be retrieved afterwards exactly as created, and is counted in the list', async () => {
    expect(await listTotal()).toBe(0);
    const response = await post(customerBody());
    expect(response.statusCode).toBe(201);
    const created = response.json().data;
    const retrieved = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${created.customer_id}`,
      headers: acme.auth,
    });
    expect(retrieved.statusCode).toBe(200);
    expect(retrieved.json().data).toEqual(created);
    expect(await listTotal()).toBe(1);
  });

  it('accepts the country in lower case and stores it upper-case, in the address too', async () => {
    const response = await post(
      customerBody({
        customer_country: 'bra',
        customer_address: { city: 'Recife', country: 'bRa' },
      }),
    );
    expect(response.statusCode).toBe(201);
    const data = response.json().data;
    expect(data.customer_country).toBe('BRA');
    expect(data.customer_address).toEqual({ city: 'Recife', country: 'BRA' });
    const retrieved = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer/${data.customer_id}`,
      headers: acme.auth,
    });
    expect(retrieved.json().data.customer_country).toBe('BRA');
  });

  it('stores the phone number normalised to E.164', async () => {
    // A UK mobile sent with its national trunk prefix kept after the country code.
    const response = await post(
      customerBody({ customer_phone: '+4407911123456', customer_country: 'GBR' }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().data.customer_phone).toBe('+447911123456');
  });

  it('keeps an already normalised phone number as it is', async () => {
    const response = await post(customerBody({ customer_phone: '+5511912345678' }));
    expect(response.statusCode).toBe(201);
    expect(response.json().data.customer_phone).toBe('+5511912345678');
  });

  it('defaults customer_type to individual and accepts business', async () => {
    const individual = await post(customerBody());
    expect(individual.json().data.customer_type).toBe('individual');
    const business = await post(customerBody({ customer_type: 'business' }));
    expect(business.statusCode).toBe(201);
    expect(business.json().data.customer_type).toBe('business');
  });

  it('treats the address as optional: absent or null gives null, partial keeps what was sent', async () => {
    const absent = customerBody();
    delete absent.customer_address;
    const withoutAddress = await post(absent);
    expect(withoutAddress.statusCode).toBe(201);
    expect(withoutAddress.json().data.customer_address).toBeNull();

    const nullAddress = await post(customerBody({ customer_address: null }));
    expect(nullAddress.statusCode).toBe(201);
    expect(nullAddress.json().data.customer_address).toBeNull();

    const partial = await post(customerBody({ customer_address: { city: 'Lisbon' } }));
    expect(partial.statusCode).toBe(201);
    expect(partial.json().data.customer_address).toEqual({ city: 'Lisbon' });
  });

  it('trims the name and address text', async () => {
    const response = await post(
      customerBody({ customer_name: '  Ada Lovelace  ', customer_address: { city: ' Anytown ' } }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().data.customer_name).toBe('Ada Lovelace');
    expect(response.json().data.customer_address).toEqual({ city: 'Anytown' });
  });

  it('accepts values at their maximum lengths', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(email).toHaveLength(254);
    const response = await post(
      customerBody({
        customer_name: 'n'.repeat(255),
        customer_email: email,
        customer_address: { street: 's'.repeat(255) },
      }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().data.customer_name).toBe('n'.repeat(255));
    expect(response.json().data.customer_email).toBe(email);
  });

  it('accepts identity-document fields and never returns them', async () => {
    const response = await post(
      customerBody({
        customer_idType: 'passport',
        customer_idNumber: 'P-99887766-SECRET',
        customer_idCountry: 'usa',
        customer_idExpiration: '2030-12-31',
      }),
    );
    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json().data)).toEqual(CONTRACT_FIELDS);
    expect(response.body).not.toContain('P-99887766-SECRET');
  });

  it('allows the same email in two different businesses', async () => {
    const other = await createBusiness(t, 'Other');
    expect((await post(customerBody({ customer_email: 'shared@example.com' }))).statusCode).toBe(
      201,
    );
    expect(
      (await post(customerBody({ customer_email: 'shared@example.com' }), other)).statusCode,
    ).toBe(201);
  });
});

describe('POST /api/v1/customer → 422', () => {
  it('lists all four missing required fields at once', async () => {
    const response = await post({});
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: ['The customer_name field is required.'],
        customer_email: ['The customer_email field is required.'],
        customer_phone: ['The customer_phone field is required.'],
        customer_country: ['The customer_country field is required.'],
      }),
    );
  });

  it('refuses a malformed email', async () => {
    for (const email of [
      'not-an-email',
      'ada@',
      '@example.com',
      'ada@example',
      'a da@example.com',
    ]) {
      const response = await post(customerBody({ customer_email: email }));
      expect(response.statusCode, email).toBe(422);
      expect(response.json(), email).toEqual(
        validationEnvelope({
          customer_email: ['The customer_email field must be a valid email address.'],
        }),
      );
    }
  });

  it('refuses a phone number that is not a possible E.164 number', async () => {
    for (const phone of ['12345', '+1000', '19203751411', '+0123456789', '+1920375141199999']) {
      const response = await post(customerBody({ customer_phone: phone }));
      expect(response.statusCode, phone).toBe(422);
      expect(response.json(), phone).toEqual(
        validationEnvelope({ customer_phone: [PHONE_MESSAGE] }),
      );
    }
  });

  it('refuses an unknown or non-alpha-3 country code', async () => {
    for (const country of ['XXX', 'US', '840', 'USAA', '']) {
      const response = await post(customerBody({ customer_country: country }));
      expect(response.statusCode, country).toBe(422);
      const data = response.json().data;
      expect(Object.keys(data), country).toEqual(['customer_country']);
      expect(data.customer_country, country).toContain(countryMessage('customer_country'));
    }
  });

  it('refuses every read-only field, one at a time', async () => {
    for (const [field, value] of Object.entries(READ_ONLY_FIELDS)) {
      const response = await post(customerBody({ [field]: value }));
      expect(response.statusCode, field).toBe(422);
      expect(response.json(), field).toEqual(
        validationEnvelope({ [field]: [`The ${field} field is read-only.`] }),
      );
    }
  });

  it('refuses all read-only fields at once, naming each', async () => {
    const response = await post(customerBody(READ_ONLY_FIELDS));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope(
        Object.fromEntries(
          Object.keys(READ_ONLY_FIELDS).map((field) => [
            field,
            [`The ${field} field is read-only.`],
          ]),
        ),
      ),
    );
  });

  it('refuses unknown fields instead of dropping them', async () => {
    const response = await post(customerBody({ customer_nmae: 'Typo', nickname: 'Ada' }));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_nmae: ['The customer_nmae field is not allowed.'],
        nickname: ['The nickname field is not allowed.'],
      }),
    );
  });

  it('refuses unknown address keys and an invalid address country, dotted', async () => {
    const response = await post(
      customerBody({ customer_address: { city: 'Anytown', foo: 'bar', country: 'US' } }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        'customer_address.foo': ['The customer_address.foo field is not allowed.'],
        'customer_address.country': [countryMessage('customer_address.country')],
      }),
    );
  });

  it('refuses an address that is not an object', async () => {
    const response = await post(customerBody({ customer_address: '1234 Elm Street' }));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_address: ['The customer_address field must be an object or null.'],
      }),
    );
  });

  it('refuses blank names and names or address text with control characters', async () => {
    const names = [
      '   ',
      'Ada\u0000Lovelace',
      'Ada\nLovelace',
      'Ada\u007fLovelace',
      'Ada\u202eecalevoL',
    ];
    for (const name of names) {
      const response = await post(customerBody({ customer_name: name }));
      expect(response.statusCode, JSON.stringify(name)).toBe(422);
      expect(response.json(), JSON.stringify(name)).toEqual(
        validationEnvelope({ customer_name: [textMessage('customer_name')] }),
      );
    }
    const address = await post(
      customerBody({ customer_address: { city: '\t', street: 'a\u0007b' } }),
    );
    expect(address.statusCode).toBe(422);
    expect(address.json()).toEqual(
      validationEnvelope({
        'customer_address.city': [textMessage('customer_address.city')],
        'customer_address.street': [textMessage('customer_address.street')],
      }),
    );
  });

  it('refuses an empty name as missing', async () => {
    const response = await post(customerBody({ customer_name: '' }));
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().data)).toEqual(['customer_name']);
    expect(response.json().data.customer_name).toContain('The customer_name field is required.');
  });

  it('refuses values that are too long', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`;
    expect(email).toHaveLength(255);
    const response = await post(
      customerBody({
        customer_name: 'n'.repeat(256),
        customer_email: email,
        customer_address: { street: 's'.repeat(256), zipcode: '1'.repeat(256) },
      }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: ['The customer_name field must not be greater than 255 characters.'],
        customer_email: ['The customer_email field must not be greater than 254 characters.'],
        'customer_address.street': [
          'The customer_address.street field must not be greater than 255 characters.',
        ],
        'customer_address.zipcode': [
          'The customer_address.zipcode field must not be greater than 255 characters.',
        ],
      }),
    );
  });

  it('refuses values of the wrong type and an unknown customer_type', async () => {
    const response = await post(
      customerBody({ customer_name: 42, customer_email: null, customer_type: 'robot' }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: ['The customer_name field must be a string.'],
        customer_email: ['The customer_email field must be a string.'],
        customer_type: ['The selected customer_type is invalid.'],
      }),
    );
  });

  it('lists every invalid field of one request at once', async () => {
    const response = await post({
      customer_name: '   ',
      customer_email: 'nope',
      customer_phone: '12345',
      customer_country: 'XXX',
      customer_status: 'active',
      favourite_colour: 'blue',
      customer_address: { foo: 1, country: 'ZZZ' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_name: [textMessage('customer_name')],
        customer_email: ['The customer_email field must be a valid email address.'],
        customer_phone: [PHONE_MESSAGE],
        customer_country: [countryMessage('customer_country')],
        customer_status: ['The customer_status field is read-only.'],
        favourite_colour: ['The favourite_colour field is not allowed.'],
        'customer_address.foo': ['The customer_address.foo field is not allowed.'],
        'customer_address.country': [countryMessage('customer_address.country')],
      }),
    );
  });

  it('refuses a body that is not a JSON object', async () => {
    const response = await post([customerBody()]);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({ body: ['The request body must be a JSON object.'] }),
    );
  });

  it('refuses an email that already exists, case-insensitively', async () => {
    const first = await post(customerBody({ customer_email: 'Ada@Example.com' }));
    expect(first.statusCode).toBe(201);
    const response = await post(customerBody({ customer_email: 'ada@example.COM' }));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({ customer_email: ['Customer email already exists.'] }),
    );
    expect(await listTotal()).toBe(1);
    expect(await listTotal('?email=ada%40example.com')).toBe(1);
  });

  it('reports a duplicate email together with the other invalid fields', async () => {
    await createCustomer(t, acme, { customer_email: 'ada@example.com' });
    const response = await post(
      customerBody({ customer_email: 'ADA@example.com', customer_phone: '12345' }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(
      validationEnvelope({
        customer_email: ['Customer email already exists.'],
        customer_phone: [PHONE_MESSAGE],
      }),
    );
  });

  it('changes nothing when a request is refused', async () => {
    await createCustomer(t, acme);
    const refused = [
      customerBody({ customer_email: 'refused@example.com', customer_phone: '+1000' }),
      customerBody({ customer_email: 'refused@example.com', customer_id: 'x' }),
      customerBody({ customer_email: 'refused@example.com', unknown: true }),
      customerBody({ customer_email: 'refused@example.com', customer_address: { foo: 'x' } }),
    ];
    for (const body of refused) {
      const response = await post(body);
      expect(response.statusCode).toBe(422);
    }
    expect(await listTotal()).toBe(1);
    expect(await listTotal('?email=refused')).toBe(0);
    // The email was never taken: it can be used now.
    expect((await post(customerBody({ customer_email: 'refused@example.com' }))).statusCode).toBe(
      201,
    );
  });
});

describe('POST /api/v1/customer → 400', () => {
  it('requires an Idempotency-Key and creates nothing without one', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: acme.auth,
      payload: customerBody(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(
      errorEnvelope(
        400,
        'idempotency_key_missing',
        'Idempotency-Key is required for this request.',
      ),
    );
    expect(await listTotal()).toBe(0);
  });
});

describe('POST /api/v1/customer → 401', () => {
  it('refuses a request without a token', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: { 'idempotency-key': idempotencyKey() },
      payload: customerBody(),
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual(errorEnvelope(401, 'unauthenticated'));
    expect(await listTotal()).toBe(0);
  });
});
