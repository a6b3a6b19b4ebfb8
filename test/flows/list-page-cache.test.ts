import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import { uuidv7 } from '../../src/lib/ids.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import { decideNow, individualKyc, kycOf, submitKyc } from '../helpers/kyc.js';
import { memoryStorage, storageWith } from '../helpers/storage-with.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

// The list route keeps pages by business and query string with the business's customer version
// (routes/customers/list-customers.ts). These tests hold it to never serving a page that a
// committed change has made wrong.

let t: TestApp;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await t?.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function listed(business: TestBusiness, query = '') {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer${query}`,
    headers: business.auth,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response;
}

async function listedIds(business: TestBusiness, query = ''): Promise<string[]> {
  return (await listed(business, query))
    .json()
    .data.map((c: { customer_id: string }) => c.customer_id);
}

describe('kept list pages', () => {
  it('are sent byte for byte as first computed, with the same headers', async () => {
    t = await createTestApp();
    const acme = await createBusiness(t);
    for (let i = 0; i < 3; i++)
      await createCustomer(t, acme, { customer_email: `k${i}@example.com` });
    const first = await listed(acme, '?per_page=2');
    const second = await listed(acme, '?per_page=2');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.json().pagination).toMatchObject({ total: 3, per_page: 2, last_page: 2 });
  });

  it('are kept by the whole query string, a second "?" and all', async () => {
    t = await createTestApp();
    const acme = await createBusiness(t);
    for (let i = 0; i < 3; i++) await createCustomer(t, acme);
    // The search is "test?x" (everything after the first "?" is the query string), which no
    // customer matches; the page must not be taken for that of the search "test".
    expect(await listedIds(acme, '?search=test?x')).toEqual([]);
    expect(await listedIds(acme, '?search=test')).toHaveLength(3);
  });

  it('spare the page query while nothing changes, and only then', async () => {
    let pageQueries = 0;
    const inner = memoryStorage();
    const storage = storageWith(
      {
        customers: {
          list: (...args) => {
            pageQueries += 1;
            return inner.customers.list(...args);
          },
        },
      },
      inner,
    );
    t = await createTestApp({ storage });
    const acme = await createBusiness(t);
    await createCustomer(t, acme);
    await listed(acme);
    await listed(acme);
    await listed(acme, '?per_page=5');
    expect(pageQueries).toBe(2);
    await createCustomer(t, acme);
    await listed(acme);
    expect(pageQueries).toBe(3);
  });

  it('show every kind of change on the very next request', async () => {
    t = await createTestApp();
    const acme = await createBusiness(t);
    const { runner } = kycOf(t);
    const first = await createCustomer(t, acme, { customer_name: 'Before Rename' });
    await listed(acme);

    const second = await createCustomer(t, acme);
    expect(await listedIds(acme)).toEqual([second.customer_id, first.customer_id]);

    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customer/${first.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
      payload: { customer_name: 'After Rename' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await listed(acme)).json().data[1].customer_name).toBe('After Rename');

    expect((await submitKyc(t, acme, individualKyc(first.customer_id))).statusCode).toBe(200);
    expect((await listed(acme)).json().data[1].customer_kyc_status).toBe('under_review');
    expect(await decideNow(t, runner)).toBe(1);
    expect((await listed(acme)).json().data[1]).toMatchObject({
      customer_kyc_status: 'approved',
      customer_status: 'active',
    });

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${second.customer_id}`,
      headers: { ...acme.auth, 'idempotency-key': idempotencyKey() },
    });
    expect(removed.statusCode, removed.body).toBe(200);
    const after = (await listed(acme)).json();
    expect(after.data.map((c: { customer_id: string }) => c.customer_id)).toEqual([
      first.customer_id,
    ]);
    expect(after.pagination.total).toBe(1);
  });

  it('are kept per business: one business never sees another one’s page', async () => {
    t = await createTestApp();
    const acme = await createBusiness(t, 'Acme');
    const other = await createBusiness(t, 'Other');
    const mine = await createCustomer(t, acme);
    expect(await listedIds(acme)).toEqual([mine.customer_id]);
    expect(await listedIds(other)).toEqual([]);
  });

  it('show a change committed by another process on the same database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clientele-list-cache-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const databaseUrl = `sqlite:${join(dir, 'shared.db')}`;
    t = await createTestApp({
      env: { DATABASE_URL: databaseUrl },
      clock: new FakeClock(new Date()),
    });
    const acme = await createBusiness(t);
    const ours = await createCustomer(t, acme);
    expect(await listedIds(acme)).toEqual([ours.customer_id]);

    // Another process (the operator CLI, a second server) writes through its own connection.
    const other: Storage = openStorage(
      { engine: 'sqlite', path: join(dir, 'shared.db') },
      { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 10_000 },
    );
    cleanups.push(() => other.close());
    const stored = await t.storage.customers.findLive(acme.businessId, ours.customer_id);
    const theirsId = uuidv7();
    await other.transaction((repos) =>
      repos.customers.insert({
        ...stored!,
        customerId: theirsId,
        email: 'written-elsewhere@example.com',
        createdAt: '2099-01-01T00:00:00.000000Z',
      }),
    );
    expect(await listedIds(acme)).toEqual([theirsId, ours.customer_id]);
  });
});

describe('kept list totals', () => {
  /** An app whose storage counts the filtered-total queries it runs. */
  async function countingApp(env: Record<string, string> = {}) {
    const counted = { queries: 0 };
    const inner = memoryStorage();
    const storage = storageWith(
      {
        customers: {
          count: (...args) => {
            counted.queries += 1;
            return inner.customers.count(...args);
          },
        },
      },
      inner,
    );
    t = await createTestApp({ storage, env });
    return counted;
  }

  async function totalOf(business: TestBusiness, query: string): Promise<number> {
    return (await listed(business, query)).json().pagination.total;
  }

  it('count a filter once for all its pages while nothing changes, and again after a change', async () => {
    const counted = await countingApp();
    const acme = await createBusiness(t);
    for (let i = 0; i < 3; i++) await createCustomer(t, acme, { customer_country: 'BRA' });
    await createCustomer(t, acme, { customer_country: 'USA' });

    const first = (await listed(acme, '?country=BRA&per_page=1')).json().pagination;
    expect(first.total).toBe(3);
    const byCursor = `?country=BRA&per_page=1&cursor=${encodeURIComponent(first.next_cursor)}`;
    expect(await totalOf(acme, byCursor)).toBe(3);
    expect(await totalOf(acme, '?country=bra&per_page=1&page=3')).toBe(3);
    expect(counted.queries).toBe(1);

    // Another filter has its own total.
    expect(await totalOf(acme, '?country=USA&per_page=1')).toBe(1);
    expect(counted.queries).toBe(2);

    await createCustomer(t, acme, { customer_country: 'BRA' });
    expect(await totalOf(acme, '?country=BRA&per_page=1&page=2')).toBe(4);
    expect(counted.queries).toBe(3);
  });

  it('are kept per business', async () => {
    await countingApp();
    const acme = await createBusiness(t, 'Acme');
    const other = await createBusiness(t, 'Other');
    // One change each: both businesses are at the same customer version.
    await createCustomer(t, acme, { customer_country: 'BRA' });
    await createCustomer(t, other, { customer_country: 'USA' });
    expect(await totalOf(acme, '?country=BRA')).toBe(1);
    expect(await totalOf(other, '?country=BRA&per_page=5')).toBe(0);
  });

  it('are not kept with LIST_CACHE_MB=0', async () => {
    const counted = await countingApp({ LIST_CACHE_MB: '0' });
    const acme = await createBusiness(t);
    await createCustomer(t, acme, { customer_country: 'BRA' });
    await listed(acme, '?country=BRA');
    await listed(acme, '?country=BRA&page=2');
    expect(counted.queries).toBe(2);
  });
});
