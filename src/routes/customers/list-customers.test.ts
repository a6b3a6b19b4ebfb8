import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customerRecord } from '../../../test/helpers/customer-record.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  errorEnvelope,
  type TestApp,
  type TestBusiness,
} from '../../../test/helpers/test-app.js';
import { FakeClock } from '../../lib/clock.js';
import { uuidv7 } from '../../lib/ids.js';
import type { CustomerRecord } from '../../storage/records.js';

const BASE_URL = 'https://api.example.test';
const START = '2026-03-09T12:00:00.000Z';

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  // Tests move the clock by days: tokens must outlive that.
  t = await createTestApp({
    clock: new FakeClock(START),
    env: { TOKEN_TTL_SECONDS: String(30 * 86_400) },
  });
  acme = await createBusiness(t, 'Acme');
});
afterEach(() => t.close());

type Customer = Record<string, unknown> & { customer_id: string };

interface Pagination {
  total: number;
  per_page: number;
  current_page: number | null;
  last_page: number;
  next_page_url: string | null;
  prev_page_url: string | null;
  next_cursor: string | null;
}

interface ListBody {
  status: string;
  status_code: number;
  message: string;
  data: Customer[];
  pagination: Pagination;
}

async function list(query = '', business: TestBusiness = acme): Promise<ListBody> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer${query}`,
    headers: business.auth,
  });
  expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
  return response.json();
}

async function ids(query = '', business: TestBusiness = acme): Promise<string[]> {
  return (await list(query, business)).data.map((customer) => customer.customer_id);
}

async function listError(query: string) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/customer${query}`,
    headers: acme.auth,
  });
  expect(response.statusCode, query).toBe(422);
  return response.json();
}

function validationEnvelope(fields: Record<string, string[]>) {
  return { status: 'failed', status_code: 422, message: 'Request failed.', data: fields };
}

function wireTimestamp(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** The query parameters of an absolute page URL, after checking where it points. */
function paramsOf(url: string | null): Record<string, string> {
  expect(url).not.toBeNull();
  const parsed = new URL(url as string);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(`${BASE_URL}/api/v1/customer`);
  return Object.fromEntries(parsed.searchParams);
}

/** A customer created through the API at the fake clock's current time, then the clock moves. */
async function customerAt(
  instant: string,
  overrides: Record<string, unknown> = {},
  business: TestBusiness = acme,
): Promise<Customer> {
  const clock = t.clock as FakeClock;
  clock.advance(new Date(instant).getTime() - clock.now().getTime());
  return createCustomer(t, business, overrides);
}

/** Newest-first creation through the API, one millisecond apart; returns them newest first. */
async function customers(
  count: number,
  overrides: (i: number) => Record<string, unknown> = () => ({}),
) {
  const made: Customer[] = [];
  for (let i = 0; i < count; i++) {
    t.clock.advance(1);
    made.push(await createCustomer(t, acme, overrides(i)));
  }
  return made.reverse();
}

/** A customer in a state the public API cannot produce yet (status, KYC), written through the
 * repository the way the KYC workflow will. */
async function seeded(overrides: Partial<CustomerRecord>): Promise<CustomerRecord> {
  t.clock.advance(1);
  const now = t.clock.now();
  const at = wireTimestamp(now);
  const record = customerRecord(acme.businessId, {
    customerId: uuidv7(now.getTime()),
    name: 'Seeded Customer',
    email: `seeded-${now.getTime()}@example.com`,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
  await t.storage.customers.insert(record);
  return record;
}

describe('GET /api/v1/customer → 200', () => {
  it('answers an empty list with a complete pagination object', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer',
      headers: acme.auth,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Records retrieved successfully',
      data: [],
      pagination: {
        total: 0,
        per_page: 20,
        current_page: 1,
        last_page: 1,
        next_page_url: null,
        prev_page_url: null,
        next_cursor: null,
      },
    });
  });

  it('lists the customers newest first, each as the retrieve endpoint shows it', async () => {
    const first = await customerAt('2026-03-09T12:00:01.000Z');
    const second = await customerAt('2026-03-09T12:05:00.000Z');
    const third = await customerAt('2026-03-10T08:00:00.000Z');
    expect(await list()).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Records retrieved successfully',
      data: [third, second, first],
      pagination: {
        total: 3,
        per_page: 20,
        current_page: 1,
        last_page: 1,
        next_page_url: null,
        prev_page_url: null,
        next_cursor: null,
      },
    });
  });

  it('breaks created_at ties by customer_id, highest first, whatever the insertion order', async () => {
    const at = wireTimestamp(t.clock.now());
    const id = (n: number) => `0195a1b2-c3d4-7e5f-8a9b-00000000000${n}`;
    for (const n of [2, 5, 1, 4, 3]) await seeded({ customerId: id(n), createdAt: at });
    expect(await ids()).toEqual([id(5), id(4), id(3), id(2), id(1)]);
    // The same order across page boundaries, by page number and by cursor.
    expect([
      ...(await ids('?per_page=2&page=1')),
      ...(await ids('?per_page=2&page=2')),
      ...(await ids('?per_page=2&page=3')),
    ]).toEqual([id(5), id(4), id(3), id(2), id(1)]);
    const page1 = await list('?per_page=2');
    const page2 = await list(`?per_page=2&cursor=${page1.pagination.next_cursor}`);
    const page3 = await list(`?per_page=2&cursor=${page2.pagination.next_cursor}`);
    expect([...page1.data, ...page2.data, ...page3.data].map((c) => c.customer_id)).toEqual([
      id(5),
      id(4),
      id(3),
      id(2),
      id(1),
    ]);
    expect(page3.pagination.next_cursor).toBeNull();
  });

  it('pages by number with totals and absolute previous/next URLs', async () => {
    const all = await customers(5);
    const page1 = await list('?per_page=2');
    expect(page1.data).toEqual(all.slice(0, 2));
    expect(page1.pagination).toEqual({
      total: 5,
      per_page: 2,
      current_page: 1,
      last_page: 3,
      next_page_url: `${BASE_URL}/api/v1/customer?per_page=2&page=2`,
      prev_page_url: null,
      next_cursor: expect.any(String),
    });
    const page2 = await list('?per_page=2&page=2');
    expect(page2.data).toEqual(all.slice(2, 4));
    expect(page2.pagination).toMatchObject({ total: 5, current_page: 2, last_page: 3 });
    expect(paramsOf(page2.pagination.next_page_url)).toEqual({ per_page: '2', page: '3' });
    expect(paramsOf(page2.pagination.prev_page_url)).toEqual({ per_page: '2', page: '1' });
    const page3 = await list('?per_page=2&page=3');
    expect(page3.data).toEqual(all.slice(4));
    expect(page3.pagination).toEqual({
      total: 5,
      per_page: 2,
      current_page: 3,
      last_page: 3,
      next_page_url: null,
      prev_page_url: expect.any(String),
      next_cursor: null,
    });
    expect(paramsOf(page3.pagination.prev_page_url)).toEqual({ per_page: '2', page: '2' });
  });

  it('answers a page past the end with empty data and correct totals', async () => {
    await customers(5);
    const beyond = await list('?per_page=2&page=9');
    expect(beyond.data).toEqual([]);
    expect(beyond.pagination).toMatchObject({
      total: 5,
      per_page: 2,
      current_page: 9,
      last_page: 3,
      next_page_url: null,
      next_cursor: null,
    });
  });

  it('keeps every other query parameter in the page URLs, whatever the Host header says', async () => {
    await customers(7, (i) => ({ customer_country: i % 2 === 0 ? 'BRA' : 'USA' }));
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer?country=bra&per_page=1&search=test%20customer&page=2',
      headers: {
        ...acme.auth,
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
      },
    });
    expect(response.statusCode).toBe(200);
    const { pagination } = response.json() as ListBody;
    expect(pagination.total).toBe(4);
    expect(pagination.next_page_url?.startsWith(`${BASE_URL}/api/v1/customer?`)).toBe(true);
    expect(pagination.prev_page_url?.startsWith(`${BASE_URL}/api/v1/customer?`)).toBe(true);
    const expected = { country: 'bra', per_page: '1', search: 'test customer' };
    expect(paramsOf(pagination.next_page_url)).toEqual({ ...expected, page: '3' });
    expect(paramsOf(pagination.prev_page_url)).toEqual({ ...expected, page: '1' });
    expect(response.body).not.toContain('evil.example');
  });

  it('builds the page URLs from the configured PUBLIC_BASE_URL', async () => {
    const other = await createTestApp({
      env: { PUBLIC_BASE_URL: 'https://registry.example.org/' },
    });
    try {
      const business = await createBusiness(other, 'Elsewhere');
      await createCustomer(other, business);
      await createCustomer(other, business);
      const response = await other.app.inject({
        method: 'GET',
        url: '/api/v1/customer?per_page=1',
        headers: { ...business.auth, host: 'evil.example' },
      });
      expect(response.json().pagination.next_page_url).toBe(
        'https://registry.example.org/api/v1/customer?per_page=1&page=2',
      );
    } finally {
      await other.close();
    }
  });

  it('pages by cursor: the next page, current_page null, page ignored', async () => {
    const all = await customers(5);
    const first = await list('?per_page=2');
    const cursor = first.pagination.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const second = await list(`?per_page=2&page=3&cursor=${cursor}`);
    expect(second.data).toEqual(all.slice(2, 4));
    expect(second.pagination).toEqual({
      total: 5,
      per_page: 2,
      current_page: null,
      last_page: 3,
      next_page_url: expect.any(String),
      prev_page_url: null,
      next_cursor: expect.any(String),
    });
    expect(paramsOf(second.pagination.next_page_url)).toEqual({
      per_page: '2',
      cursor: second.pagination.next_cursor,
    });
    const third = await list(`?per_page=2&cursor=${second.pagination.next_cursor}`);
    expect(third.data).toEqual(all.slice(4));
    expect(third.pagination.next_cursor).toBeNull();
    expect(third.pagination.next_page_url).toBeNull();
    expect(third.pagination.current_page).toBeNull();
  });

  it('gives a next_cursor on numbered pages that continues after that page', async () => {
    const all = await customers(7);
    const page2 = await list('?per_page=2&page=2');
    expect(page2.data).toEqual(all.slice(2, 4));
    const next = await list(`?per_page=2&cursor=${page2.pagination.next_cursor}`);
    expect(next.data).toEqual(all.slice(4, 6));
  });

  it("never shows another business's customers, nor counts them", async () => {
    const other = await createBusiness(t, 'Other');
    const mine = await createCustomer(t, acme, { customer_name: 'Shared Name' });
    for (let i = 0; i < 3; i++) {
      await createCustomer(t, other, { customer_name: 'Shared Name', customer_country: 'BRA' });
    }
    const theirEmail = String((await createCustomer(t, other)).customer_email);
    expect(await ids()).toEqual([mine.customer_id]);
    expect((await list()).pagination.total).toBe(1);
    expect((await list('?search=shared')).pagination.total).toBe(1);
    expect(await ids('?search=shared')).toEqual([mine.customer_id]);
    expect((await list('?country=BRA')).pagination.total).toBe(0);
    expect((await list(`?email=${encodeURIComponent(theirEmail)}`)).data).toEqual([]);
    expect((await list('', other)).pagination.total).toBe(4);
  });
});

describe('GET /api/v1/customer filters → 200', () => {
  it('email: case-insensitive substring, newest first', async () => {
    const ada = await createCustomer(t, acme, { customer_email: 'ada@example.com' });
    t.clock.advance(1);
    const lovelace = await createCustomer(t, acme, { customer_email: 'Ada.Lovelace@Example.com' });
    t.clock.advance(1);
    await createCustomer(t, acme, { customer_email: 'grace@example.com' });
    t.clock.advance(1);
    const xada = await createCustomer(t, acme, { customer_email: 'xada@example.com' });
    const body = await list('?email=ADA');
    expect(body.data.map((c) => c.customer_id)).toEqual([
      xada.customer_id,
      lovelace.customer_id,
      ada.customer_id,
    ]);
    expect(body.pagination.total).toBe(3);
  });

  it('email: an exact match is listed first, by page and by cursor', async () => {
    const exact = await createCustomer(t, acme, { customer_email: 'ada@example.com' });
    const others: Customer[] = [];
    for (let i = 1; i <= 4; i++) {
      t.clock.advance(1);
      others.unshift(await createCustomer(t, acme, { customer_email: `x${i}ada@example.com` }));
    }
    const expected = [exact, ...others].map((c) => c.customer_id);
    expect(await ids('?email=Ada%40Example.com')).toEqual(expected);

    const walked: string[] = [];
    let query = '?email=ada%40example.com&per_page=2';
    for (let guard = 0; guard < 10; guard++) {
      const page = await list(query);
      expect(page.pagination.total).toBe(5);
      walked.push(...page.data.map((c) => c.customer_id));
      if (page.pagination.next_cursor === null) break;
      query = `?email=ada%40example.com&per_page=2&cursor=${page.pagination.next_cursor}`;
    }
    expect(walked).toEqual(expected);

    const byNumber = [
      ...(await ids('?email=ada%40example.com&per_page=2&page=1')),
      ...(await ids('?email=ada%40example.com&per_page=2&page=2')),
      ...(await ids('?email=ada%40example.com&per_page=2&page=3')),
    ];
    expect(byNumber).toEqual(expected);
  });

  it('email and search: % and _ are literal characters, not wildcards', async () => {
    const underscore = await createCustomer(t, acme, { customer_email: 'under_score@example.com' });
    await createCustomer(t, acme, { customer_email: 'underXscore@example.com' });
    expect(await ids('?email=under_score')).toEqual([underscore.customer_id]);
    expect(await ids('?search=under_s')).toEqual([underscore.customer_id]);
    expect(await ids('?email=%25')).toEqual([]);
  });

  it('search: case-insensitive substring of name, email or phone', async () => {
    const byName = await createCustomer(t, acme, {
      customer_name: 'Bob Stone',
      customer_email: 'bob@example.com',
      customer_phone: '+19203751411',
    });
    t.clock.advance(1);
    const byEmail = await createCustomer(t, acme, {
      customer_name: 'Carol Smith',
      customer_email: 'STONEhenge@example.com',
      customer_phone: '+19203751412',
    });
    t.clock.advance(1);
    const byPhone = await createCustomer(t, acme, {
      customer_name: 'Dan Brown',
      customer_email: 'dan@example.com',
      customer_phone: '+447911123456',
      customer_country: 'GBR',
    });
    t.clock.advance(1);
    await createCustomer(t, acme, {
      customer_name: 'Eve Adams',
      customer_email: 'eve@example.com',
      customer_phone: '+5511912345678',
    });
    const stone = await list('?search=sToNe');
    expect(stone.data.map((c) => c.customer_id)).toEqual([byEmail.customer_id, byName.customer_id]);
    expect(stone.pagination.total).toBe(2);
    expect(await ids('?search=7911123')).toEqual([byPhone.customer_id]);
    expect(await ids(`?search=${encodeURIComponent('+4479')}`)).toEqual([byPhone.customer_id]);
    expect(await ids('?search=smith')).toEqual([byEmail.customer_id]);
    expect(await ids('?search=nobody-matches-this')).toEqual([]);
  });

  it('search: matches accented names case-insensitively', async () => {
    const angela = await createCustomer(t, acme, { customer_name: 'Ângela Souza' });
    await createCustomer(t, acme, { customer_name: 'Angela Smith' });
    for (const term of ['Ângela', 'ângela', 'ÂNGELA SOUZA']) {
      expect(await ids(`?search=${encodeURIComponent(term)}`), term).toEqual([angela.customer_id]);
    }
  });

  it('country: any case, exact code', async () => {
    const made = await customers(6, (i) => ({ customer_country: ['BRA', 'USA', 'GBR'][i % 3] }));
    const brazil = made.filter((c) => c.customer_country === 'BRA').map((c) => c.customer_id);
    expect(brazil).toHaveLength(2);
    expect(await ids('?country=bra')).toEqual(brazil);
    expect(await ids('?country=BRA')).toEqual(brazil);
    expect((await list('?country=BRA')).pagination.total).toBe(2);
    expect(await ids('?country=DEU')).toEqual([]);
  });

  it('customer_type', async () => {
    const made = await customers(5, (i) => ({
      customer_type: i % 2 === 0 ? 'business' : 'individual',
    }));
    const businesses = made.filter((c) => c.customer_type === 'business').map((c) => c.customer_id);
    const people = made.filter((c) => c.customer_type === 'individual').map((c) => c.customer_id);
    expect(await ids('?customer_type=business')).toEqual(businesses);
    expect(await ids('?customer_type=individual')).toEqual(people);
    expect((await list('?customer_type=business')).pagination.total).toBe(3);
  });

  it('customer_status and kyc_status', async () => {
    const pending = await seeded({});
    const active = await seeded({
      status: 'active',
      kycStatus: 'approved',
      canCreateVc: 1,
      canCreateVa: 1,
    });
    const suspended = await seeded({ status: 'suspended', kycStatus: 'approved' });
    const rejected = await seeded({ kycStatus: 'rejected', kycRejectReason: 'Blurry document' });
    const review = await seeded({ kycStatus: 'manual_review' });
    expect(await ids('?customer_status=pending')).toEqual([
      review.customerId,
      rejected.customerId,
      pending.customerId,
    ]);
    expect(await ids('?customer_status=active')).toEqual([active.customerId]);
    expect(await ids('?customer_status=suspended')).toEqual([suspended.customerId]);
    expect(await ids('?kyc_status=approved')).toEqual([suspended.customerId, active.customerId]);
    expect(await ids('?kyc_status=rejected')).toEqual([rejected.customerId]);
    expect(await ids('?kyc_status=not_started')).toEqual([pending.customerId]);
    expect(await ids('?kyc_status=under_review')).toEqual([]);
    expect(await ids('?customer_status=pending&kyc_status=manual_review')).toEqual([
      review.customerId,
    ]);
    const approved = await list('?kyc_status=approved');
    expect(approved.pagination.total).toBe(2);
    expect(approved.data[1]).toMatchObject({
      customer_id: active.customerId,
      customer_status: 'active',
      customer_kyc_status: 'approved',
      can_create_vc: 1,
      can_create_va: 1,
    });
  });

  it('created_from / created_to: dates cover whole days, timestamps are inclusive', async () => {
    const a = await customerAt('2026-03-09T12:00:00.000Z');
    const b = await customerAt('2026-03-10T00:00:00.000Z');
    const c = await customerAt('2026-03-10T23:59:59.999Z');
    const d = await customerAt('2026-03-11T00:00:00.000Z');
    const [A, B, C, D] = [a, b, c, d].map((x) => x.customer_id);
    expect(await ids('?created_from=2026-03-10&created_to=2026-03-10')).toEqual([C, B]);
    expect(await ids('?created_from=2026-03-10')).toEqual([D, C, B]);
    expect(await ids('?created_to=2026-03-10')).toEqual([C, B, A]);
    expect(await ids('?created_from=2026-03-10T23:59:59.999Z')).toEqual([D, C]);
    expect(await ids('?created_to=2026-03-10T00:00:00Z')).toEqual([B, A]);
    expect(await ids('?created_from=2026-03-10T23:59:59.999000Z')).toEqual([D, C]);
    expect(
      await ids('?created_from=2026-03-10T00:00:00.000Z&created_to=2026-03-10T00:00:00.000Z'),
    ).toEqual([B]);
    // An offset is honoured: 01:00 at +01:00 is midnight UTC.
    expect(await ids(`?created_from=${encodeURIComponent('2026-03-11T01:00:00+01:00')}`)).toEqual([
      D,
    ]);
    expect(await ids('?created_from=2026-03-12')).toEqual([]);
    expect((await list('?created_from=2026-03-10&created_to=2026-03-10')).pagination.total).toBe(2);
  });

  it('created_from with microseconds excludes a customer created earlier in that millisecond', async () => {
    const c = await customerAt('2026-03-10T23:59:59.999Z');
    const d = await customerAt('2026-03-11T00:00:00.000Z');
    expect(await ids('?created_from=2026-03-10T23:59:59.999500Z')).toEqual([d.customer_id]);
    expect(await ids('?created_to=2026-03-10T23:59:59.999500Z')).toEqual([c.customer_id]);
  });

  it('a timestamp without an offset is UTC, whatever the server time zone', async () => {
    const noon = await customerAt('2026-03-10T12:00:00.000Z');
    const one = await customerAt('2026-03-10T13:00:00.000Z');
    const saved = process.env.TZ;
    process.env.TZ = 'America/Sao_Paulo';
    try {
      expect(await ids('?created_from=2026-03-10T12:00:00')).toEqual([
        one.customer_id,
        noon.customer_id,
      ]);
      expect(await ids('?created_to=2026-03-10T12:00:00')).toEqual([noon.customer_id]);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('combines filters, and total is the filtered count', async () => {
    const made = await customers(12, (i) => ({
      customer_country: i % 2 === 0 ? 'BRA' : 'USA',
      customer_type: i % 3 === 0 ? 'business' : 'individual',
      customer_name: i % 4 === 0 ? `Special ${i}` : `Plain ${i}`,
    }));
    const expected = made
      .filter(
        (c) =>
          c.customer_country === 'BRA' &&
          c.customer_type === 'business' &&
          String(c.customer_name).startsWith('Special'),
      )
      .map((c) => c.customer_id);
    // i = 0 and 8 are Brazilian Special businesses? 0: yes; 8: 8 % 3 ≠ 0 → no. Only 0.
    expect(expected).toHaveLength(1);
    expect(await ids('?country=bra&customer_type=business&search=special')).toEqual(expected);
    const brazilBusinesses = await list('?country=BRA&customer_type=business&per_page=1');
    // i ∈ {0, 6}
    expect(brazilBusinesses.pagination.total).toBe(2);
    expect(brazilBusinesses.pagination.last_page).toBe(2);
    expect(brazilBusinesses.data).toHaveLength(1);
  });

  it('pages through filtered results by cursor, each match once, newest first', async () => {
    const made = await customers(30, (i) => ({ customer_country: i % 3 === 0 ? 'BRA' : 'USA' }));
    const expected = made.filter((c) => c.customer_country === 'BRA').map((c) => c.customer_id);
    expect(expected).toHaveLength(10);
    const walked: string[] = [];
    let query = '?country=BRA&per_page=3';
    for (let guard = 0; guard < 10; guard++) {
      const page = await list(query);
      expect(page.pagination.total).toBe(10);
      expect(page.pagination.last_page).toBe(4);
      walked.push(...page.data.map((c) => c.customer_id));
      if (page.pagination.next_cursor === null) break;
      expect(paramsOf(page.pagination.next_page_url)).toEqual({
        country: 'BRA',
        per_page: '3',
        ...(walked.length === 3 ? { page: '2' } : { cursor: page.pagination.next_cursor }),
      });
      query = `?country=BRA&per_page=3&cursor=${page.pagination.next_cursor}`;
    }
    expect(walked).toEqual(expected);
  });
});

describe('GET /api/v1/customer → 422', () => {
  it('refuses each bad parameter value, naming the parameter', async () => {
    const cases: Array<[string, Record<string, string[]>]> = [
      ['?per_page=0', { per_page: ['The per_page field must be at least 1.'] }],
      ['?per_page=101', { per_page: ['The per_page field must not be greater than 100.'] }],
      ['?per_page=ten', { per_page: ['The per_page field must be an integer.'] }],
      ['?page=0', { page: ['The page field must be at least 1.'] }],
      ['?page=-1', { page: ['The page field must be at least 1.'] }],
      ['?page=abc', { page: ['The page field must be an integer.'] }],
      ['?page=1.5', { page: ['The page field must be an integer.'] }],
      ['?colour=blue', { colour: ['The colour field is not allowed.'] }],
      [
        '?country=XX',
        {
          country: ['The country field must be a valid ISO 3166-1 alpha-3 country code, e.g. USA.'],
        },
      ],
      [
        '?customer_status=deleted',
        { customer_status: ['The selected customer_status is invalid.'] },
      ],
      ['?kyc_status=done', { kyc_status: ['The selected kyc_status is invalid.'] }],
      ['?customer_type=robot', { customer_type: ['The selected customer_type is invalid.'] }],
      [
        '?created_from=2025-02-30',
        { created_from: ['The created_from field must be a valid ISO-8601 date or timestamp.'] },
      ],
      [
        '?created_to=2026-13-01',
        { created_to: ['The created_to field must be a valid ISO-8601 date or timestamp.'] },
      ],
    ];
    for (const [query, fields] of cases) {
      expect(await listError(query), query).toEqual(validationEnvelope(fields));
    }
  });

  it('refuses a created_from that is not a date at all, naming it', async () => {
    const body = await listError('?created_from=yesterday');
    expect(Object.keys(body.data)).toEqual(['created_from']);
    expect(body.data.created_from).toHaveLength(1);
  });

  it('refuses cursors it did not make', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'zz',
      'not-a-cursor',
      forged({ created_at: '2026-01-01' }),
      forged([2, '2026-01-01T00:00:00.000000Z', '0195a1b2-c3d4-7e5f-8a9b-000000000001']),
      forged([0, 5, '0195a1b2-c3d4-7e5f-8a9b-000000000001']),
    ]) {
      expect(await listError(`?cursor=${cursor}`), cursor).toEqual(
        validationEnvelope({ cursor: ['The cursor field is invalid.'] }),
      );
    }
  });

  it('lists every bad parameter at once', async () => {
    expect(await listError('?per_page=0&page=abc&colour=blue&kyc_status=done')).toEqual(
      validationEnvelope({
        colour: ['The colour field is not allowed.'],
        page: ['The page field must be an integer.'],
        per_page: ['The per_page field must be at least 1.'],
        kyc_status: ['The selected kyc_status is invalid.'],
      }),
    );
  });
});

describe('GET /api/v1/customer → 401', () => {
  it('refuses a request without a token', async () => {
    await createCustomer(t, acme);
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/customer' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual(errorEnvelope(401, 'unauthenticated'));
  });
});
