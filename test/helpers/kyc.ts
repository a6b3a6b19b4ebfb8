import type { LightMyRequestResponse } from 'fastify';
import { createKycService } from '../../src/kyc/create-kyc-service.js';
import { KycJobRunner } from '../../src/kyc/kyc-job-runner.js';
import type { KycService } from '../../src/kyc/kyc-service.js';
import { DataCipher } from '../../src/lib/encryption.js';
import { idempotencyKey, type TestApp, type TestBusiness } from './test-app.js';

/** The KYC service and job runner over a test app's storage, clock and key — what `serve` and
 * the operator CLI build — so tests drive due jobs and operator moves explicitly. */
export function kycOf(t: TestApp): { service: KycService; runner: KycJobRunner } {
  const service = createKycService(t.config, t.clock, new DataCipher(t.secrets.dataEncryptionKey));
  // The app's logger: its lines land in `t.logs` with the requests'.
  return { service, runner: new KycJobRunner(t.storage, t.clock, service, t.app.log) };
}

/** Distinctive values, so a test can look for them anywhere they must not be. */
export const SECRET_BIRTH_DATE = '1987-06-05';
export const SECRET_ID_NUMBER = 'REG-77-SECRET-9931';
export const SECRET_TAX_ID = 'TAX-55-SECRET-1234';
export const SECRET_DOCUMENT = Buffer.from('%PNG secret document bytes 0123456789').toString(
  'base64',
);

export function individualKyc(customerId: string, overrides: Record<string, unknown> = {}) {
  return {
    customer_id: customerId,
    type: 'individual',
    first_name: 'Jane',
    last_name: 'Doe',
    birth_date: SECRET_BIRTH_DATE,
    nationality: 'USA',
    address: {
      street_line_1: '1234 Elm Street',
      city: 'Anytown',
      state: 'CA',
      postal_code: '12345',
      country: 'USA',
    },
    documents: [
      { purposes: ['identity_verification'], file: SECRET_DOCUMENT, description: 'Passport' },
    ],
    ...overrides,
  };
}

export function businessKyc(customerId: string, overrides: Record<string, unknown> = {}) {
  return {
    customer_id: customerId,
    type: 'business',
    business_name: 'Acme Trading LLC',
    business_type: 'corporation',
    registration_number: SECRET_ID_NUMBER,
    tax_identification_number: SECRET_TAX_ID,
    business_address: {
      street_line_1: '1 Market Street',
      city: 'San Francisco',
      state: 'CA',
      postal_code: '94105',
      country: 'USA',
    },
    documents: [{ purposes: ['business_formation'], file: SECRET_DOCUMENT }],
    ...overrides,
  };
}

/** POST verify-customer (or PUT kyc/update with `resubmit`). */
export function submitKyc(
  t: TestApp,
  business: TestBusiness,
  body: unknown,
  options: { resubmit?: boolean; key?: string } = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: options.resubmit ? 'PUT' : 'POST',
    url: options.resubmit ? '/api/v1/customer/kyc/update' : '/api/v1/verification/verify-customer',
    headers: { ...business.auth, 'idempotency-key': options.key ?? idempotencyKey() },
    payload: body as Record<string, unknown>,
  });
}

export async function kycStatus(t: TestApp, business: TestBusiness, customerId: string) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer/kyc/${customerId}`,
    headers: business.auth,
  });
  if (response.statusCode !== 200) throw new Error(`kyc status: ${response.body}`);
  return response.json().data;
}

export async function customerOf(t: TestApp, business: TestBusiness, customerId: string) {
  const found = await t.storage.customers.findLive(business.businessId, customerId);
  if (!found) throw new Error('customer missing');
  return found;
}

/** Moves the fake clock past the sandbox delay and runs every due job. */
export async function decideNow(t: TestApp, runner: KycJobRunner): Promise<number> {
  t.clock.advance(t.config.kycSandboxDelaySeconds * 1000);
  return runner.runDue();
}
