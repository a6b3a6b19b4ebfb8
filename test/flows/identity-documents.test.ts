import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdentityDocumentVault } from '../../src/customers/identity-documents.js';
import { DataCipher } from '../../src/lib/encryption.js';
import type { CustomerRecord } from '../../src/storage/records.js';
import type { Storage } from '../../src/storage/storage.js';
import { CUSTOMER_FIELDS_IN_ORDER } from '../helpers/contract.js';
import { storageWith } from '../helpers/storage-with.js';
import {
  createBusiness,
  createTestApp,
  customerBody,
  errorEnvelope,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/** SPEC §3: identity documents are accepted, stored encrypted, never returned, never logged. */

const ID_NUMBER = 'X1234567-UNIQUE';
/** 1×1 PNGs (a white and a red pixel). */
const FRONT_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
const BACK_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const MIB = 1024 * 1024;

const DOCUMENT = {
  customer_idType: 'passport',
  customer_idNumber: ID_NUMBER,
  customer_idCountry: 'USA',
  customer_idExpiration: '2031-05-17',
  customer_idFront: FRONT_PNG,
  customer_idBack: BACK_PNG,
};

/** Strings that must never leave the service in clear. */
const SECRETS = [ID_NUMBER, FRONT_PNG, BACK_PNG, FRONT_PNG.slice(60, 84), BACK_PNG.slice(60, 84)];

function expectNoSecrets(text: string, what: string) {
  for (const secret of SECRETS) expect(text, `${what} leaks ${secret}`).not.toContain(secret);
}

/** Base64 of `bytes` random bytes. */
function image(bytes: number): string {
  return randomBytes(bytes).toString('base64');
}

let dir: string;
let t: TestApp;
let acme: TestBusiness;
let dbPath: string;

function vault(app: TestApp) {
  return new IdentityDocumentVault(new DataCipher(app.secrets.dataEncryptionKey));
}

function storedDocument(customerId: string): string | null {
  const reader = new SQLite(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = reader
      .prepare('select identity_document from customers where customer_id = ?')
      .get(customerId) as { identity_document: string | null } | undefined;
    if (!row) throw new Error(`no row for ${customerId}`);
    return row.identity_document;
  } finally {
    reader.close();
  }
}

function create(body: Record<string, unknown>, key = idempotencyKey()) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/customer',
    headers: { ...acme.auth, 'idempotency-key': key },
    payload: body,
  });
}

function update(customerId: string, body: Record<string, unknown>, key = idempotencyKey()) {
  return t.app.inject({
    method: 'PATCH',
    url: `/api/v1/customer/${customerId}`,
    headers: { ...acme.auth, 'idempotency-key': key },
    payload: body,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clientele-iddoc-'));
  dbPath = join(dir, 'x.db');
  t = await createTestApp({ env: { DATABASE_URL: `sqlite:${dbPath}`, LOG_LEVEL: 'trace' } });
  acme = await createBusiness(t, 'Acme');
});
afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('201: identity documents are accepted on create', () => {
  it('creates the customer and returns exactly the contract fields, no document field', async () => {
    const response = await create(customerBody(DOCUMENT));
    expect(response.statusCode, response.body).toBe(201);
    const data = response.json().data;
    expect(Object.keys(data)).toEqual([...CUSTOMER_FIELDS_IN_ORDER]);
    expectNoSecrets(response.body, 'create');
  });

  it('accepts a data-URI image and an image of exactly 5 MiB decoded', async () => {
    const response = await create(
      customerBody({
        customer_idFront: `data:image/png;base64,${FRONT_PNG}`,
        customer_idBack: image(5 * MIB),
      }),
    );
    expect(response.statusCode, response.body.slice(0, 500)).toBe(201);
  });
});

describe('never returned: no route answers with the id number or an image', () => {
  it('create, replays, retrieve, list, search, update, update replay, validation errors, delete', async () => {
    const bodies: Array<[string, LightMyRequestResponse]> = [];
    const createKey = idempotencyKey();
    const body = customerBody(DOCUMENT);
    const created = await create(body, createKey);
    expect(created.statusCode).toBe(201);
    bodies.push(['create', created]);
    const replay = await create(body, createKey);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    bodies.push(['create replay', replay]);
    const id = created.json().data.customer_id as string;
    const url = `/api/v1/customer/${id}`;

    bodies.push(['retrieve', await t.app.inject({ method: 'GET', url, headers: acme.auth })]);
    bodies.push([
      'list',
      await t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: acme.auth }),
    ]);
    const search = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customer?search=${encodeURIComponent(ID_NUMBER)}`,
      headers: acme.auth,
    });
    // The number is not searchable either: a search must not reveal who holds it.
    expect(search.statusCode).toBe(200);
    expect(search.json().pagination.total).toBe(0);

    const updateKey = idempotencyKey();
    const changes = { ...DOCUMENT, customer_name: 'Renamed' };
    const updated = await update(id, changes, updateKey);
    expect(updated.statusCode, updated.body).toBe(200);
    bodies.push(['update', updated]);
    const updateReplay = await update(id, changes, updateKey);
    expect(updateReplay.headers['idempotent-replayed']).toBe('true');
    bodies.push(['update replay', updateReplay]);
    const reused = await update(id, { customer_idNumber: 'OTHER' }, updateKey);
    expect(reused.statusCode).toBe(422);
    bodies.push(['reused key', reused]);

    // Invalid requests that carry the secrets must not echo them either.
    const invalid = await create(
      customerBody({
        ...DOCUMENT,
        customer_email: 'not-an-email',
        customer_idCountry: ID_NUMBER,
        customer_idExpiration: ID_NUMBER,
        customer_idType: `${ID_NUMBER}\u0000`,
      }),
    );
    expect(invalid.statusCode).toBe(422);
    expect(Object.keys(invalid.json().data).sort()).toEqual([
      'customer_email',
      'customer_idCountry',
      'customer_idExpiration',
      'customer_idType',
    ]);
    bodies.push(['422', invalid]);
    const badImage = await create(customerBody({ customer_idFront: `${FRONT_PNG}!${ID_NUMBER}` }));
    expect(badImage.statusCode).toBe(422);
    bodies.push(['422 image', badImage]);
    const tooLong = await create(
      customerBody({ customer_idNumber: `${ID_NUMBER}${'9'.repeat(200)}` }),
    );
    expect(tooLong.statusCode).toBe(422);
    bodies.push(['422 length', tooLong]);

    bodies.push(['delete', await t.app.inject({ method: 'DELETE', url, headers: acme.auth })]);

    for (const [what, response] of bodies) {
      expectNoSecrets(response.body, what);
      expectNoSecrets(JSON.stringify(response.headers), `${what} headers`);
    }
  });
});

describe('stored encrypted, bound to its customer', () => {
  it('keeps only ciphertext in the identity_document column and anywhere in the database files', async () => {
    const created = await create(customerBody(DOCUMENT));
    expect(created.statusCode).toBe(201);
    const id = created.json().data.customer_id as string;
    const sealed = storedDocument(id);
    expect(sealed).toMatch(/^v1:/);
    expectNoSecrets(sealed ?? '', 'identity_document column');

    const reader = new SQLite(dbPath, { readonly: true, fileMustExist: true });
    try {
      const tables = reader
        .prepare("select name from sqlite_master where type = 'table'")
        .all() as Array<{ name: string }>;
      for (const { name } of tables) {
        const rows = reader.prepare(`select * from "${name}"`).all();
        expectNoSecrets(JSON.stringify(rows), `table ${name}`);
      }
    } finally {
      reader.close();
    }
    for (const file of [dbPath, `${dbPath}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(ID_NUMBER), file).toBe(false);
      expect(bytes.includes(FRONT_PNG.slice(60, 84)), file).toBe(false);
    }
  });

  it('opens only with the right business and customer', async () => {
    const first = await create(customerBody(DOCUMENT));
    const second = await create(customerBody({ customer_idNumber: 'SECOND-1' }));
    const id = first.json().data.customer_id as string;
    const otherId = second.json().data.customer_id as string;
    const sealed = storedDocument(id)!;
    const documents = vault(t);

    expect(documents.open(acme.businessId, id, sealed)).toEqual(DOCUMENT);
    const other = await createBusiness(t, 'Other');
    expect(() => documents.open(other.businessId, id, sealed)).toThrow();
    expect(() => documents.open(acme.businessId, otherId, sealed)).toThrow();
    // And another key does not open it at all.
    expect(() =>
      new IdentityDocumentVault(new DataCipher(randomBytes(32))).open(acme.businessId, id, sealed),
    ).toThrow();
    expect(documents.open(acme.businessId, otherId, storedDocument(otherId)!)).toEqual({
      customer_idNumber: 'SECOND-1',
    });
  });

  it('leaves the column null for a customer without documents', async () => {
    const created = await create(customerBody());
    expect(storedDocument(created.json().data.customer_id)).toBeNull();
  });
});

describe('update: one document field changes, the others stay', () => {
  it('merges changed fields into the sealed document', async () => {
    const created = await create(customerBody(DOCUMENT));
    const id = created.json().data.customer_id as string;
    const before = storedDocument(id);

    const changed = await update(id, { customer_idNumber: 'Y7654321-OTHER' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().data).toEqual({
      ...created.json().data,
      updated_at: expect.any(String),
    });
    const after = storedDocument(id)!;
    expect(after).not.toBe(before);
    expect(vault(t).open(acme.businessId, id, after)).toEqual({
      ...DOCUMENT,
      customer_idNumber: 'Y7654321-OTHER',
    });

    const back = await update(id, {
      customer_idBack: FRONT_PNG,
      customer_idExpiration: '2032-01-31',
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(vault(t).open(acme.businessId, id, storedDocument(id)!)).toEqual({
      ...DOCUMENT,
      customer_idNumber: 'Y7654321-OTHER',
      customer_idBack: FRONT_PNG,
      customer_idExpiration: '2032-01-31',
    });
  });

  it('adds documents to a customer that had none, and leaves them alone on other updates', async () => {
    const created = await create(customerBody());
    const id = created.json().data.customer_id as string;
    expect((await update(id, { customer_idNumber: ID_NUMBER })).statusCode).toBe(200);
    const sealed = storedDocument(id)!;
    expect(vault(t).open(acme.businessId, id, sealed)).toEqual({ customer_idNumber: ID_NUMBER });
    expect((await update(id, { customer_name: 'Other Name' })).statusCode).toBe(200);
    expect(vault(t).open(acme.businessId, id, storedDocument(id)!)).toEqual({
      customer_idNumber: ID_NUMBER,
    });
  });
});

describe('422: invalid document fields', () => {
  it('refuses an image over 5 MiB decoded', async () => {
    const response = await create(customerBody({ customer_idFront: image(5 * MIB + 1) }));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      status: 'failed',
      status_code: 422,
      message: 'Request failed.',
      data: { customer_idFront: [expect.any(String)] },
    });
  });

  it.each([
    ['characters outside base64', 'iVBORw0KGgo$$$$'],
    ['a bad length', 'iVBORw0KGgoAA'],
    ['padding in the middle', 'iVBO=w0KGgoAAAAN'],
    ['an empty string', ''],
    ['whitespace only', '    '],
  ])('refuses an image with %s', async (_label, value) => {
    const response = await create(customerBody({ customer_idBack: value }));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      status: 'failed',
      status_code: 422,
      message: 'Request failed.',
      data: { customer_idBack: [expect.any(String)] },
    });
  });

  it('refuses an invalid image on update and keeps the stored document', async () => {
    const created = await create(customerBody(DOCUMENT));
    const id = created.json().data.customer_id as string;
    const before = storedDocument(id);
    const response = await update(id, { customer_idFront: 'not base64!' });
    expect(response.statusCode).toBe(422);
    expect(Object.keys(response.json().data)).toEqual(['customer_idFront']);
    expect(storedDocument(id)).toBe(before);
  });
});

describe('body limit: raised for document uploads on create and update only', () => {
  const bigImages = () => ({
    customer_idFront: image(Math.floor(4.9 * MIB)),
    customer_idBack: image(Math.floor(4.9 * MIB)),
  });

  it('accepts two 4.9 MiB images on create and on update', async () => {
    const body = customerBody({ ...bigImages(), customer_idNumber: ID_NUMBER });
    expect(JSON.stringify(body).length).toBeGreaterThan(10 * MIB);
    const created = await create(body);
    expect(created.statusCode, created.body.slice(0, 500)).toBe(201);
    const id = created.json().data.customer_id as string;
    const opened = vault(t).open(acme.businessId, id, storedDocument(id)!);
    expect(opened.customer_idFront).toBe(body.customer_idFront);
    expect(opened.customer_idBack).toBe(body.customer_idBack);

    const updated = await update(id, bigImages());
    expect(updated.statusCode, updated.body.slice(0, 500)).toBe(200);
    expect(created.body.length).toBeLessThan(2000);
  });

  it('answers 413 for the same size body on other routes', async () => {
    const payload = JSON.stringify({ account_id: 'a', app_secret: 'b', padding: image(10 * MIB) });
    const routes = [
      { method: 'POST' as const, url: '/api/v1/auth/login', headers: {} },
      {
        method: 'POST' as const,
        url: '/api/v1/generate-secret',
        headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      },
      {
        method: 'DELETE' as const,
        url: '/api/v1/customer/0190a6f4-0000-7000-8000-000000000000',
        headers: acme.auth,
      },
    ];
    for (const route of routes) {
      const response = await t.app.inject({
        ...route,
        headers: { ...route.headers, 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode, route.url).toBe(413);
      expect(response.json()).toEqual(errorEnvelope(413, 'payload_too_large'));
    }
  });

  it('answers 413 on create when the body exceeds even the raised limit', async () => {
    const response = await create(
      customerBody({ customer_idFront: image(6 * MIB), customer_idBack: image(6 * MIB) }),
    );
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual(errorEnvelope(413, 'payload_too_large'));
  });
});

describe('never logged', () => {
  it.each(['trace', 'debug', 'info'])(
    'writes no id number or image to the log at level %s, successes and failures alike',
    async (level) => {
      const logged = await createTestApp({ env: { LOG_LEVEL: level } });
      try {
        const business = await createBusiness(logged, 'Logged');
        const send = (method: 'POST' | 'PATCH', url: string, payload: unknown) =>
          logged.app.inject({
            method,
            url,
            headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
            payload: payload as Record<string, unknown>,
          });
        const created = await send('POST', '/api/v1/customer', customerBody(DOCUMENT));
        expect(created.statusCode).toBe(201);
        const url = `/api/v1/customer/${created.json().data.customer_id}`;
        expect((await send('PATCH', url, DOCUMENT)).statusCode).toBe(200);
        // Failures too: validation errors keep the offending values inside Ajv's error objects.
        const invalid = await send(
          'POST',
          '/api/v1/customer',
          customerBody({
            ...DOCUMENT,
            customer_email: 'bad',
            customer_idCountry: ID_NUMBER,
            customer_idFront: `${FRONT_PNG}#`,
          }),
        );
        expect(invalid.statusCode).toBe(422);
        const unknownField = await send(
          'POST',
          '/api/v1/customer',
          customerBody({ ...DOCUMENT, customer_idnumber: ID_NUMBER }),
        );
        expect(unknownField.statusCode).toBe(422);
        const malformed = await logged.app.inject({
          method: 'POST',
          url: '/api/v1/customer',
          headers: {
            ...business.auth,
            'idempotency-key': idempotencyKey(),
            'content-type': 'application/json',
          },
          payload: `{"customer_idNumber": "${ID_NUMBER}", "customer_idFront": "${FRONT_PNG}",`,
        });
        expect(malformed.statusCode).toBe(400);
        expect(logged.logs.length).toBeGreaterThan(0);
        for (const line of logged.logs) expectNoSecrets(line, `log line ${line.slice(0, 200)}`);
      } finally {
        await logged.close();
      }
    },
  );

  it('writes no id number or image to the log when the write fails with a 500', async () => {
    const broken = await createTestApp({
      env: { LOG_LEVEL: 'trace' },
      storage: storageFailingInserts(),
    });
    try {
      const business = await createBusiness(broken, 'Broken');
      const response = await broken.app.inject({
        method: 'POST',
        url: '/api/v1/customer',
        headers: { ...business.auth, 'idempotency-key': idempotencyKey() },
        payload: customerBody(DOCUMENT),
      });
      expect(response.statusCode).toBe(500);
      expectNoSecrets(response.body, '500 body');
      expect(broken.logs.some((line) => line.includes('"level":50'))).toBe(true);
      for (const line of broken.logs) expectNoSecrets(line, `log line ${line.slice(0, 200)}`);
    } finally {
      await broken.close();
    }
  });
});

/** A fresh in-memory storage whose customer inserts fail with an error quoting the row they
 * were given, as some drivers do in constraint messages: the row must hold no plaintext. */
function storageFailingInserts(): Storage {
  return storageWith({
    customers: {
      async insert(customer: CustomerRecord) {
        throw new Error(`insert failed for row ${JSON.stringify(customer)}`);
      },
    },
  });
}
