import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KycVault } from '../../src/kyc/kyc-vault.js';
import { DataCipher } from '../../src/lib/encryption.js';
import {
  businessKyc,
  decideNow,
  individualKyc,
  kycOf,
  SECRET_BIRTH_DATE,
  SECRET_DOCUMENT,
  SECRET_ID_NUMBER,
  SECRET_TAX_ID,
  submitKyc,
} from '../helpers/kyc.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
} from '../helpers/test-app.js';

/** Documents, birth dates and id numbers never leave the vault (SPEC §10, §3). */
const SECRET_FIRST_NAME = 'Zephyrine';
const SECRETS = {
  birthDate: SECRET_BIRTH_DATE,
  idNumber: SECRET_ID_NUMBER,
  taxId: SECRET_TAX_ID,
  document: SECRET_DOCUMENT,
  firstName: SECRET_FIRST_NAME,
};

let t: TestApp;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clientele-kyc-'));
  t = await createTestApp({
    env: { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, LOG_LEVEL: 'trace' },
  });
});
afterEach(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

function expectNoSecret(where: string, text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    expect(text.includes(secret), `${name} appears in ${where}`).toBe(false);
  }
}

describe('KYC personal data', () => {
  it('is in no response, event or log line, and is ciphertext in the database', async () => {
    const acme = await createBusiness(t);
    const { runner } = kycOf(t);
    const person = (await createCustomer(t, acme)).customer_id;
    const company = (await createCustomer(t, acme, { customer_type: 'business' })).customer_id;
    const responses: LightMyRequestResponse[] = [];
    const individual = individualKyc(person, {
      first_name: SECRET_FIRST_NAME,
      last_name: 'Reject',
    });
    responses.push(await submitKyc(t, acme, individual));
    responses.push(await submitKyc(t, acme, businessKyc(company)));
    // Refusals must not echo the values either.
    responses.push(await submitKyc(t, acme, { ...individual, nationality: SECRET_ID_NUMBER }));
    responses.push(await submitKyc(t, acme, individual));
    await decideNow(t, runner);
    responses.push(await submitKyc(t, acme, individual, { resubmit: true }));
    for (const id of [person, company]) {
      for (const url of [`/api/v1/customer/kyc/${id}`, `/api/v1/customer/${id}`]) {
        responses.push(await t.app.inject({ method: 'GET', url, headers: acme.auth }));
      }
    }
    responses.push(
      await t.app.inject({ method: 'GET', url: '/api/v1/customer', headers: acme.auth }),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([
      200, 200, 422, 409, 200, 200, 200, 200, 200, 200,
    ]);

    for (const [i, response] of responses.entries()) expectNoSecret(`response ${i}`, response.body);
    const events = await t.storage.events.listForBusiness(acme.businessId);
    expect(events.length).toBeGreaterThan(4);
    expectNoSecret('the outbox', JSON.stringify(events));
    // LOG_LEVEL trace: the logs exist and mention the routes, but none of the data.
    const logs = t.logs.join('\n');
    expect(logs).toContain('/api/v1/verification/verify-customer');
    expect(logs).toContain('kyc provider outcome applied');
    expectNoSecret('the logs', logs);

    // Straight from the file: no column of any table holds a secret in clear.
    const db = new Database(join(dir, 'db.sqlite'), { readonly: true });
    try {
      const tables = db
        .prepare("select name from sqlite_master where type = 'table'")
        .all() as Array<{ name: string }>;
      expect(tables.map((row) => row.name)).toContain('kyc_submissions');
      for (const { name } of tables) {
        expectNoSecret(
          `table ${name}`,
          JSON.stringify(db.prepare(`select * from "${name}"`).all()),
        );
      }
      const sealed = db.prepare('select * from kyc_submissions').all() as Array<
        Record<string, string>
      >;
      expect(sealed).toHaveLength(3);
      // The control: the column does hold the submission, which the key (and only it) opens.
      const vault = new KycVault(new DataCipher(t.secrets.dataEncryptionKey));
      const row = sealed.find((r) => r.customer_id === person)!;
      expect(() => JSON.parse(row.sealed_data!)).toThrow();
      const opened = vault.open(row.business_id!, person, row.submission_id!, row.sealed_data!);
      expect(opened).toMatchObject({
        birth_date: SECRET_BIRTH_DATE,
        first_name: SECRET_FIRST_NAME,
      });
      expect(opened.documents[0]?.file).toBe(SECRET_DOCUMENT);
      const wrongKey = new KycVault(new DataCipher(Buffer.alloc(32, 7)));
      expect(() =>
        wrongKey.open(row.business_id!, person, row.submission_id!, row.sealed_data!),
      ).toThrow();
    } finally {
      db.close();
    }
  });
});
