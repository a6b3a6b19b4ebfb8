import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomerService } from '../../src/customers/customer-service.js';
import { IdentityDocumentVault } from '../../src/customers/identity-documents.js';
import { DataCipher } from '../../src/lib/encryption.js';
import type { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  customerBody,
  idempotencyKey,
  login,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';
import {
  createDispatcher,
  expectSignedWith,
  registerWebhook,
  standardSignatureValid,
  yativoSignatureValid,
} from '../helpers/webhook-dispatch.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/** SPEC §9, issue 6 "Done when" 1, 3 (rollback) and 6, against real receivers on loopback. */
let t: TestApp;
let acme: TestBusiness;
let dispatcher: WebhookDispatcher;
let receivers: WebhookReceiver[];

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start();
  receivers.push(started);
  return started;
}

beforeEach(async () => {
  t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  acme = await createBusiness(t);
  dispatcher = createDispatcher(t);
  receivers = [];
});
afterEach(async () => {
  await dispatcher.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});

describe('customer events reach subscribed endpoints', () => {
  it('create, update and delete each deliver one signed event with the right payload', async () => {
    const all = await receiver();
    const other = await receiver();
    const hook = await registerWebhook(t, acme, { url: all.url() });
    const otherHook = await registerWebhook(t, acme, {
      url: other.url(),
      events: ['customer.kyc.approved'],
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

    const created = await createCustomer(t, acme, { customer_idNumber: 'ID-SECRET-123' });
    t.clock.advance(1000);
    const updated = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customer/${created.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { customer_name: 'Renamed' },
    });
    expect(updated.statusCode).toBe(200);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${created.customer_id}`,
      headers: acme.auth,
    });
    expect(deleted.statusCode).toBe(200);
    await dispatcher.runOnce();

    // Deliveries run concurrently: arrival order is not guaranteed (receivers order by time).
    const customerEvents = all.received.filter((r) => r.json['event.type'] !== 'webhook_updated');
    const ofType = (type: string) => customerEvents.filter((r) => r.json['event.type'] === type);
    expect(customerEvents).toHaveLength(3);
    const [onCreate] = ofType('customer.created');
    const [onUpdate] = ofType('customer.updated');
    const [onDelete] = ofType('customer.deleted');
    expect(onCreate?.json.payload).toEqual(created);
    expect(onUpdate?.json.payload).toEqual({
      ...updated.json().data,
      previous_attributes: { customer_name: created.customer_name },
    });
    expect(onDelete?.json.payload).toMatchObject({ customer_id: created.customer_id });
    for (const request of customerEvents) {
      expect(Object.keys(request.json).sort()).toEqual([
        'created_at',
        'event.type',
        'event_id',
        'payload',
      ]);
      expect(request.headers['webhook-id']).toBe(request.json.event_id);
      expect(request.headers['content-type']).toBe('application/json');
      expectSignedWith(request, hook.secret);
      expect(request.body).not.toContain('ID-SECRET-123');
    }
    // Only the registration's own webhook_updated reached the endpoint subscribed elsewhere.
    expect(other.received.map((r) => r.json['event.type'])).toEqual(['webhook_updated']);
    expect(other.received[0]?.json.payload).toMatchObject({ id: otherHook.id, url: other.url() });

    // Everything is dispatched: running again sends nothing more.
    await dispatcher.runOnce();
    expect(all.received).toHaveLength(4);
  });

  it('a signature made with another secret does not verify (the checks can fail)', async () => {
    const all = await receiver();
    const mine = await registerWebhook(t, acme, { url: all.url() });
    const stranger = await registerWebhook(t, acme, { url: (await receiver()).url() });
    await dispatcher.runOnce();
    const [request] = all.received;
    expect(request).toBeDefined();
    expect(yativoSignatureValid(request!, stranger.secret)).toBe(false);
    expect(standardSignatureValid(request!, stranger.secret)).toBe(false);
    expectSignedWith(request!, mine.secret);
    const tampered = {
      ...request!,
      body: request!.body.replace('webhook_updated', 'webhook_updatex'),
    };
    expect(standardSignatureValid(tampered, mine.secret)).toBe(false);
    expect(yativoSignatureValid(tampered, mine.secret)).toBe(false);
  });

  it('registering and updating an endpoint sends it webhook_updated; another business hears nothing', async () => {
    const mine = await receiver();
    const theirs = await receiver();
    const other = await createBusiness(t, 'Globex');
    await registerWebhook(t, other, { url: theirs.url() });
    const hook = await registerWebhook(t, acme, { url: mine.url() });
    const update = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/business/webhook/${hook.id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { events: ['customer.created'] },
    });
    expect(update.statusCode).toBe(200);
    await createCustomer(t, acme);
    await dispatcher.runOnce();
    expect(mine.received.map((r) => r.json['event.type']).sort()).toEqual([
      'customer.created',
      'webhook_updated',
      'webhook_updated',
    ]);
    expect(mine.ofType('webhook_updated').map((r) => r.json.payload.events)).toEqual(
      expect.arrayContaining([['*'], ['customer.created']]),
    );
    expect(theirs.received.map((r) => r.json['event.type'])).toEqual(['webhook_updated']);
  });

  it('a change that rolled back delivers nothing', async () => {
    const all = await receiver();
    await registerWebhook(t, acme, { url: all.url() });
    const customers = new CustomerService(
      t.clock,
      new IdentityDocumentVault(new DataCipher(t.secrets.dataEncryptionKey)),
    );
    const body = customerBody() as Parameters<CustomerService['create']>[2];
    await expect(
      t.storage.transaction(async (repos) => {
        await customers.create(repos, acme.businessId, body);
        throw new Error('rolled back after the change');
      }),
    ).rejects.toThrow('rolled back');
    await dispatcher.runOnce();
    expect(all.ofType('customer.created')).toEqual([]);
    // The control: the same change committed is delivered.
    await t.storage.transaction((repos) => customers.create(repos, acme.businessId, body));
    await dispatcher.runOnce();
    expect(all.ofType('customer.created')).toHaveLength(1);
  });
});

/** The business with a fresh token (the first one expired while the clock moved on). */
async function loggedIn(business: TestBusiness): Promise<TestBusiness> {
  const token = await login(t, business.accountId, business.appSecret);
  return { ...business, token, auth: { authorization: `Bearer ${token}` } };
}

describe('secret rotation', () => {
  it('signs with both secrets for 24 h after regenerate, then with the new one only', async () => {
    const all = await receiver();
    const hook = await registerWebhook(t, acme, { url: all.url() });
    const regenerated = await t.app.inject({
      method: 'POST',
      url: `/api/v1/business/webhook/${hook.id}/regenerate-secret`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
    });
    expect(regenerated.statusCode).toBe(200);
    const fresh: string = regenerated.json().data.secret;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(hook.secret);

    t.clock.advance(23 * 60 * 60 * 1000);
    await createCustomer(t, await loggedIn(acme));
    await dispatcher.runOnce();
    const during = all.ofType('customer.created')[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(standardSignatureValid(during, hook.secret, t.clock.now())).toBe(true);
    expect(standardSignatureValid(during, fresh, t.clock.now())).toBe(true);
    expect(yativoSignatureValid(during, fresh)).toBe(true);

    t.clock.advance(2 * 60 * 60 * 1000);
    await createCustomer(t, await loggedIn(acme));
    await dispatcher.runOnce();
    const after = all.ofType('customer.created')[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(standardSignatureValid(after, hook.secret, t.clock.now())).toBe(false);
    expect(yativoSignatureValid(after, hook.secret)).toBe(false);
    expectSignedWith(after, fresh, t.clock.now());
  });
});
