import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  customerBody,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/** Every customer change writes its event to the outbox in the change's own transaction. */
let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp();
  acme = await createBusiness(t);
});
afterEach(() => t.close());

const events = () => t.storage.events.listForBusiness(acme.businessId);

describe('outbox events of customer changes', () => {
  it('create, update and delete each write one event with the customer as the API shows it', async () => {
    const created = await createCustomer(t, acme, { customer_idNumber: 'ID-SECRET-123' });
    t.clock.advance(1000);
    const updated = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customer/${created.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { customer_name: 'Renamed', customer_address: { city: 'Othertown' } },
    });
    expect(updated.statusCode).toBe(200);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${created.customer_id}`,
      headers: acme.auth,
    });
    expect(deleted.statusCode).toBe(200);

    const [onCreate, onUpdate, onDelete, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(onCreate).toMatchObject({
      eventType: 'customer.created',
      customerId: created.customer_id,
    });
    expect(onCreate?.payload).toEqual(created);
    expect(onUpdate?.eventType).toBe('customer.updated');
    expect(onUpdate?.payload).toEqual({
      ...updated.json().data,
      previous_attributes: {
        customer_name: created.customer_name,
        customer_address: created.customer_address,
      },
    });
    expect(onDelete).toMatchObject({
      eventType: 'customer.deleted',
      customerId: created.customer_id,
    });
    expect(new Set([onCreate?.eventId, onUpdate?.eventId, onDelete?.eventId]).size).toBe(3);
    expect(JSON.stringify(await events())).not.toContain('ID-SECRET-123');
  });

  it('writes nothing for a rejected change', async () => {
    const first = await createCustomer(t, acme);
    const before = await events();
    const duplicate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customer',
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: customerBody({ customer_email: first.customer_email }),
    });
    expect(duplicate.statusCode).toBe(422);
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/customer/0190a6f4-0000-7000-8000-000000000000',
      headers: acme.auth,
    });
    expect(missing.statusCode).toBe(404);
    expect(await events()).toEqual(before);
  });

  it('a replayed create writes no second event', async () => {
    const key = idempotencyKey();
    const body = customerBody();
    for (let i = 0; i < 2; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/customer',
        headers: { ...acme.auth, 'idempotency-key': key },
        payload: body,
      });
      expect(response.statusCode).toBe(201);
    }
    expect(await events()).toHaveLength(1);
  });
});
