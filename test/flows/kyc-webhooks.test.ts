import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideNow, individualKyc, kycOf, submitKyc } from '../helpers/kyc.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';
import {
  createDispatcher,
  expectSignedWith,
  registerWebhook,
} from '../helpers/webhook-dispatch.js';
import { fixedResolver, WebhookReceiver } from '../helpers/webhook-receiver.js';

/** The two features together: a KYC decision reaches the business's endpoint, signed. */
let t: TestApp;
let acme: TestBusiness;
let receiver: WebhookReceiver;

beforeEach(async () => {
  t = await createTestApp({
    env: { KYC_SANDBOX_DELAY_SECONDS: '5', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
  });
  acme = await createBusiness(t);
  receiver = await WebhookReceiver.start();
});
afterEach(async () => {
  await receiver.close();
  await t.close();
});

describe('KYC events over webhooks', () => {
  it('an approval delivers customer.kyc.approved and customer.updated; a rejection customer.kyc.rejected', async () => {
    const endpoint = await registerWebhook(t, acme, {
      url: receiver.url(),
      events: ['customer.kyc.approved', 'customer.kyc.rejected', 'customer.updated'],
    });
    const dispatcher = createDispatcher(t, { resolve: fixedResolver({}) });
    const { runner } = kycOf(t);
    const approved = (await createCustomer(t, acme)).customer_id;
    const rejected = (await createCustomer(t, acme)).customer_id;
    expect((await submitKyc(t, acme, individualKyc(approved))).statusCode).toBe(200);
    expect(
      (await submitKyc(t, acme, individualKyc(rejected, { last_name: 'Reject' }))).statusCode,
    ).toBe(200);
    await decideNow(t, runner);
    await dispatcher.runOnce();

    const types = (id: string) =>
      receiver.received
        .filter((r) => (r.json.payload as { customer_id?: string }).customer_id === id)
        .map((r) => r.json['event.type'])
        .sort();
    // under_review on submission is a change of the customer too: one customer.updated each move.
    expect(types(approved)).toEqual([
      'customer.kyc.approved',
      'customer.updated',
      'customer.updated',
    ]);
    expect(types(rejected)).toContain('customer.kyc.rejected');
    const approval = receiver.received.find(
      (r) => r.json['event.type'] === 'customer.kyc.approved',
    );
    expect(approval?.json.payload).toMatchObject({
      customer_id: approved,
      customer_status: 'active',
      customer_kyc_status: 'approved',
      can_create_vc: 1,
      can_create_va: 1,
    });
    for (const request of receiver.received)
      expectSignedWith(request, endpoint.secret, t.clock.now());
  });
});
