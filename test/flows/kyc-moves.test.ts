import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KycJobRunner } from '../../src/kyc/kyc-job-runner.js';
import type { KycService } from '../../src/kyc/kyc-service.js';
import { AppError } from '../../src/lib/app-error.js';
import type { KycStatus } from '../../src/storage/records.js';
import {
  customerOf,
  decideNow,
  individualKyc,
  kycOf,
  kycStatus,
  submitKyc,
} from '../helpers/kyc.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  errorEnvelope,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/** Illegal moves, suspension, history and tenancy of the KYC lifecycle (SPEC §10). */
let t: TestApp;
let acme: TestBusiness;
let service: KycService;
let runner: KycJobRunner;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t);
  ({ service, runner } = kycOf(t));
});
afterEach(() => t.close());

const SANDBOX_NAME: Partial<Record<KycStatus, string>> = {
  approved: 'Doe',
  rejected: 'Reject',
  incomplete: 'Incomplete',
  manual_review: 'Review',
};

/** A customer of acme whose KYC status is `state`, reached through the API and the sandbox. */
async function customerIn(state: KycStatus): Promise<string> {
  const { customer_id } = await createCustomer(t, acme);
  if (state === 'not_started') return customer_id;
  const last_name = SANDBOX_NAME[state] ?? 'Doe';
  expect((await submitKyc(t, acme, individualKyc(customer_id, { last_name }))).statusCode).toBe(
    200,
  );
  if (state !== 'under_review') await decideNow(t, runner);
  expect((await customerOf(t, acme, customer_id)).kycStatus).toBe(state);
  return customer_id;
}

/** Everything a KYC move could touch. */
async function snapshot(customerId: string) {
  return {
    customer: await customerOf(t, acme, customerId),
    history: await t.storage.kyc.listHistory(acme.businessId, customerId),
    jobs: await t.storage.kyc.listJobsOf(acme.businessId, customerId),
    events: await t.storage.events.listForBusiness(acme.businessId),
  };
}

async function expectRefused(work: () => Promise<unknown>): Promise<void> {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('kyc_invalid_transition');
}

describe('illegal moves → 409 kyc_invalid_transition, changing nothing', () => {
  const submitFrom: KycStatus[] = [
    'under_review',
    'approved',
    'rejected',
    'incomplete',
    'manual_review',
  ];
  for (const state of submitFrom) {
    it(`POST verify-customer while ${state}`, async () => {
      const customerId = await customerIn(state);
      const before = await snapshot(customerId);
      const response = await submitKyc(t, acme, individualKyc(customerId));
      expect(response.statusCode, response.body).toBe(409);
      expect(response.json()).toEqual(errorEnvelope(409, 'kyc_invalid_transition'));
      expect(await snapshot(customerId)).toEqual(before);
    });
  }

  for (const state of ['not_started', 'under_review', 'manual_review', 'approved'] as const) {
    it(`PUT kyc/update while ${state}`, async () => {
      const customerId = await customerIn(state);
      const before = await snapshot(customerId);
      const response = await submitKyc(t, acme, individualKyc(customerId), { resubmit: true });
      expect(response.statusCode, response.body).toBe(409);
      expect(response.json()).toEqual(errorEnvelope(409, 'kyc_invalid_transition'));
      expect(await snapshot(customerId)).toEqual(before);
    });
  }

  for (const state of ['not_started', 'approved', 'rejected', 'incomplete'] as const) {
    it(`operator approve and reject while ${state}`, async () => {
      const customerId = await customerIn(state);
      const before = await snapshot(customerId);
      await expectRefused(() =>
        t.storage.transaction((r) => service.operatorDecide(r, customerId, { to: 'approved' })),
      );
      await expectRefused(() =>
        t.storage.transaction((r) =>
          service.operatorDecide(r, customerId, { to: 'rejected', reason: 'no' }),
        ),
      );
      expect(await snapshot(customerId)).toEqual(before);
    });
  }

  it('a refused request replays its 409 for the same Idempotency-Key', async () => {
    const customerId = await customerIn('approved');
    const key = idempotencyKey();
    const first = await submitKyc(t, acme, individualKyc(customerId), { key });
    const second = await submitKyc(t, acme, individualKyc(customerId), { key });
    expect(second.statusCode).toBe(409);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
  });
});

describe('suspension', () => {
  it('suspend zeroes can_create_*; reactivate restores them from the KYC state', async () => {
    const approved = await customerIn('approved');
    const suspend = (id: string, on: boolean) =>
      t.storage.transaction((r) => service.setSuspended(r, id, on));

    const suspended = await suspend(approved, true);
    expect(suspended.changed).toBe(true);
    expect(suspended.customer).toMatchObject({
      status: 'suspended',
      canCreateVc: 0,
      canCreateVa: 0,
    });
    const event = (await t.storage.events.listForBusiness(acme.businessId)).at(-1);
    expect(event?.eventType).toBe('customer.updated');
    expect(event?.payload.previous_attributes).toEqual({
      customer_status: 'active',
      can_create_vc: 1,
      can_create_va: 1,
    });
    expect((await suspend(approved, true)).changed).toBe(false);

    const reactivated = await suspend(approved, false);
    expect(reactivated.customer).toMatchObject({
      status: 'active',
      canCreateVc: 1,
      canCreateVa: 1,
    });

    // A customer whose KYC is not approved goes back to pending with nothing enabled.
    const rejected = await customerIn('rejected');
    await suspend(rejected, true);
    expect((await suspend(rejected, false)).customer).toMatchObject({
      status: 'pending',
      canCreateVc: 0,
      canCreateVa: 0,
    });
  });

  it('a customer suspended during review keeps can_create_* at 0 when approved', async () => {
    const customerId = await customerIn('under_review');
    await t.storage.transaction((r) => service.setSuspended(r, customerId, true));
    await decideNow(t, runner);
    expect(await customerOf(t, acme, customerId)).toMatchObject({
      kycStatus: 'approved',
      status: 'suspended',
      canCreateVc: 0,
      canCreateVa: 0,
    });
    const reactivated = await t.storage.transaction((r) =>
      service.setSuspended(r, customerId, false),
    );
    expect(reactivated.customer).toMatchObject({
      status: 'active',
      canCreateVc: 1,
      canCreateVa: 1,
    });
  });
});

describe('history', () => {
  it('lists every move with who made it, when, from, to and why', async () => {
    const customerId = await customerIn('manual_review');
    const t1 = t.clock.now();
    await t.storage.transaction((r) =>
      service.operatorDecide(r, customerId, { to: 'rejected', reason: 'Blurry passport' }),
    );
    t.clock.advance(1000);
    expect(
      (await submitKyc(t, acme, individualKyc(customerId), { resubmit: true })).statusCode,
    ).toBe(200);
    await decideNow(t, runner);

    const { history, status } = await kycStatus(t, acme, customerId);
    expect(status).toBe('approved');
    expect(
      history.map((h: Record<string, unknown>) => [h.from, h.to, h.cause, h.actor, h.reason]),
    ).toEqual([
      ['not_started', 'under_review', 'submission', 'business', null],
      [
        'under_review',
        'manual_review',
        'provider_decision',
        'provider:sandbox',
        'Sandbox: flagged for manual review.',
      ],
      ['manual_review', 'rejected', 'operator_decision', 'operator', 'Blurry passport'],
      ['rejected', 'under_review', 'resubmission', 'business', null],
      ['under_review', 'approved', 'provider_decision', 'provider:sandbox', null],
    ]);
    expect(Date.parse(history[2].created_at)).toBe(t1.getTime());
    const times = history.map((h: { created_at: string }) => h.created_at);
    expect([...times].sort()).toEqual(times);
  });
});

describe("another business's customer", () => {
  it('is a 404 customer_not_found on every KYC route, and stays as it was', async () => {
    const customerId = await customerIn('rejected');
    const other = await createBusiness(t, 'Other');
    const before = await snapshot(customerId);
    const requests = [
      submitKyc(t, other, individualKyc(customerId)),
      submitKyc(t, other, individualKyc(customerId), { resubmit: true }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/customer/kyc/${customerId}`,
        headers: other.auth,
      }),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json()).toEqual(
        errorEnvelope(404, 'customer_not_found', 'Customer not found'),
      );
    }
    expect(await snapshot(customerId)).toEqual(before);
  });
});
