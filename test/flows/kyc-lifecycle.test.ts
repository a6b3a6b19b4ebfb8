import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KycJobRunner } from '../../src/kyc/kyc-job-runner.js';
import type { KycService } from '../../src/kyc/kyc-service.js';
import { SANDBOX_REJECT_REASON } from '../../src/kyc/providers/sandbox.js';
import {
  businessKyc,
  customerOf,
  decideNow,
  individualKyc,
  kycOf,
  kycStatus,
  submitKyc,
} from '../helpers/kyc.js';
import { storageWith } from '../helpers/storage-with.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/** The KYC lifecycle of SPEC §10 through the API, the sandbox provider and the operator. */
let t: TestApp;
let acme: TestBusiness;
let service: KycService;
let runner: KycJobRunner;

async function setUp(storage?: Parameters<typeof createTestApp>[0]) {
  t = await createTestApp({ env: { KYC_SANDBOX_DELAY_SECONDS: '5' }, ...storage });
  acme = await createBusiness(t);
  ({ service, runner } = kycOf(t));
}
afterEach(() => t.close());

const events = () => t.storage.events.listForBusiness(acme.businessId);

async function submitted(overrides: Record<string, unknown> = {}, customer = {}) {
  const { customer_id } = await createCustomer(t, acme, customer);
  const response = await submitKyc(t, acme, individualKyc(customer_id, overrides));
  expect(response.statusCode, response.body).toBe(200);
  return customer_id;
}

describe('approval (sandbox, fake clock)', () => {
  beforeEach(() => setUp());

  it('submit → under_review → approved: active, can_create_* = 1, verified date, events', async () => {
    const { customer_id } = await createCustomer(t, acme);
    const response = await submitKyc(t, acme, individualKyc(customer_id));
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: { customer_id, status: 'under_review' },
    });
    expect(await customerOf(t, acme, customer_id)).toMatchObject({
      kycStatus: 'under_review',
      status: 'pending',
      canCreateVc: 0,
    });
    // Not due yet: one second early nothing happens.
    t.clock.advance(4000);
    expect(await runner.runDue()).toBe(0);
    expect((await customerOf(t, acme, customer_id)).kycStatus).toBe('under_review');
    const before = (await events()).length;

    t.clock.advance(1000);
    const decidedAt = t.clock.now();
    expect(await runner.runDue()).toBe(1);
    const customer = await customerOf(t, acme, customer_id);
    expect(customer).toMatchObject({
      kycStatus: 'approved',
      status: 'active',
      canCreateVc: 1,
      canCreateVa: 1,
      kycVerifiedDate: customer.updatedAt,
    });
    expect(Date.parse(customer.kycVerifiedDate!)).toBe(decidedAt.getTime());
    const added = (await events()).slice(before);
    expect(added.map((e) => e.eventType)).toEqual(['customer.kyc.approved', 'customer.updated']);
    expect(added[0]?.payload).toMatchObject({ customer_kyc_status: 'approved', can_create_va: 1 });
    expect(added[1]?.payload).toMatchObject({
      customer_status: 'active',
      previous_attributes: {
        customer_status: 'pending',
        customer_kyc_status: 'under_review',
        can_create_vc: 0,
        can_create_va: 0,
        kyc_verified_date: null,
      },
    });
    // The job ran once: nothing is left to run.
    t.clock.advance(60_000);
    expect(await runner.runDue()).toBe(0);
    expect(await t.storage.kyc.listJobsOf(acme.businessId, customer_id)).toEqual([]);
  });
});

describe('the decision and its events share one transaction', () => {
  let failEvents = true;
  beforeEach(async () => {
    failEvents = true;
    const storage = storageWith({
      events: {
        async append(event) {
          if (failEvents && event.eventType === 'customer.kyc.approved') {
            throw new Error('outbox write failed');
          }
          return Object.getPrototypeOf(this).append.call(this, event);
        },
      },
    });
    await setUp({ storage });
  });

  it('when the event cannot be written, the change is not made; the job runs again later', async () => {
    const customer_id = await submitted();
    const before = await customerOf(t, acme, customer_id);
    const eventsBefore = await events();
    expect(await decideNow(t, runner)).toBe(0);
    expect(await customerOf(t, acme, customer_id)).toEqual(before);
    expect(await events()).toEqual(eventsBefore);
    expect((await kycStatus(t, acme, customer_id)).history).toHaveLength(1);

    failEvents = false;
    t.clock.advance(5000); // the retry's backoff
    expect(await runner.runDue()).toBe(1);
    expect((await customerOf(t, acme, customer_id)).kycStatus).toBe('approved');
    const types = (await events()).slice(eventsBefore.length).map((e) => e.eventType);
    expect(types).toEqual(['customer.kyc.approved', 'customer.updated']);
  });
});

describe('the sandbox paths, the operator and resubmission', () => {
  beforeEach(() => setUp());

  it('Reject → rejected with a reason and customer.kyc.rejected; resubmission → approved', async () => {
    const customer_id = await submitted({ last_name: 'Reject' });
    await decideNow(t, runner);
    expect(await customerOf(t, acme, customer_id)).toMatchObject({
      kycStatus: 'rejected',
      status: 'pending',
      kycRejectReason: SANDBOX_REJECT_REASON,
      canCreateVc: 0,
    });
    const status = await kycStatus(t, acme, customer_id);
    expect(status.kyc_rejection_reasons).toEqual([SANDBOX_REJECT_REASON]);
    const types = (await events()).map((e) => e.eventType);
    expect(types.slice(-2)).toEqual(['customer.kyc.rejected', 'customer.updated']);

    const again = await submitKyc(t, acme, individualKyc(customer_id), { resubmit: true });
    expect(again.json().data).toEqual({ customer_id, status: 'under_review' });
    expect(await customerOf(t, acme, customer_id)).toMatchObject({
      kycStatus: 'under_review',
      kycRejectReason: null,
    });
    await decideNow(t, runner);
    expect((await customerOf(t, acme, customer_id)).kycStatus).toBe('approved');
  });

  it('Review → manual_review; the operator approves', async () => {
    const customer_id = await submitted({ last_name: 'Review' });
    await decideNow(t, runner);
    expect((await customerOf(t, acme, customer_id)).kycStatus).toBe('manual_review');
    const approved = await t.storage.transaction((repos) =>
      service.operatorDecide(repos, customer_id, { to: 'approved' }),
    );
    expect(approved).toMatchObject({ kycStatus: 'approved', status: 'active', canCreateVa: 1 });
    expect((await events()).map((e) => e.eventType).slice(-2)).toEqual([
      'customer.kyc.approved',
      'customer.updated',
    ]);
  });

  it('Review → manual_review; the operator rejects with a reason', async () => {
    const customer_id = await submitted({ last_name: 'Review' });
    await decideNow(t, runner);
    await t.storage.transaction((repos) =>
      service.operatorDecide(repos, customer_id, { to: 'rejected', reason: 'Document expired' }),
    );
    const status = await kycStatus(t, acme, customer_id);
    expect(status).toMatchObject({
      status: 'rejected',
      kyc_rejection_reasons: ['Document expired'],
    });
    expect((await customerOf(t, acme, customer_id)).kycRejectReason).toBe('Document expired');
  });

  it('Incomplete → incomplete with kyc_requirements_due; resubmission is allowed', async () => {
    const { customer_id } = await createCustomer(t, acme, { customer_type: 'business' });
    const body = businessKyc(customer_id, { business_name: 'Incomplete' });
    expect((await submitKyc(t, acme, body)).statusCode).toBe(200);
    await decideNow(t, runner);
    const status = await kycStatus(t, acme, customer_id);
    expect(status).toMatchObject({
      status: 'incomplete',
      kyc_requirements_due: ['business_formation_document'],
      kyc_rejection_reasons: [],
      is_va_approved: false,
    });
    const again = await submitKyc(t, acme, businessKyc(customer_id), { resubmit: true });
    expect(again.statusCode, again.body).toBe(200);
    await decideNow(t, runner);
    expect((await kycStatus(t, acme, customer_id)).status).toBe('approved');
  });

  it('an operator decision while under review cancels the provider’s pending decision', async () => {
    const customer_id = await submitted({ last_name: 'Reject' });
    await t.storage.transaction((repos) =>
      service.operatorDecide(repos, customer_id, { to: 'approved' }),
    );
    expect(await decideNow(t, runner)).toBe(0);
    expect((await customerOf(t, acme, customer_id)).kycStatus).toBe('approved');
    expect((await kycStatus(t, acme, customer_id)).history).toHaveLength(2);
  });
});
