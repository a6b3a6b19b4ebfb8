import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

/**
 * The list endpoint's done-when: 250 live customers (plus deleted ones and another business's),
 * some created in the same millisecond, walked page by page, by next_page_url and by cursor.
 */

const BASE_URL = 'https://api.example.test';
const LIVE = 250;
const PER_PAGE = 20;
const LAST_PAGE = Math.ceil(LIVE / PER_PAGE); // 13

type Customer = Record<string, unknown> & {
  customer_id: string;
  created_at: string;
  customer_country: string;
};

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

let t: TestApp;
let acme: TestBusiness;
let other: TestBusiness;
/** Acme's live customers, newest first: what every walk must produce. */
let expected: Customer[];
let theirs: Customer[];

/** Sends the Host and forwarding headers of an attacker: page URLs must ignore them. */
async function list(pathAndQuery: string, business: TestBusiness = acme): Promise<ListBody> {
  const response = await t.app.inject({
    method: 'GET',
    url: pathAndQuery,
    headers: {
      ...business.auth,
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
    },
  });
  expect(response.statusCode, `${pathAndQuery}: ${response.body}`).toBe(200);
  return response.json();
}

/** The path and query of an absolute page URL, after checking that it is built on the base. */
function relative(url: string): string {
  expect(url.startsWith(`${BASE_URL}/api/v1/customer?`), url).toBe(true);
  return url.slice(BASE_URL.length);
}

function paramsOf(url: string | null): Record<string, string> {
  expect(url).not.toBeNull();
  return Object.fromEntries(new URL(url as string).searchParams);
}

function idsOf(customers: Customer[]): string[] {
  return customers.map((customer) => customer.customer_id);
}

/** Follows next_cursor from a first query until the last page; checks every page on the way. */
async function walkByCursor(
  query: string,
  perPage: number,
  total: number,
  onPage: (page: ListBody, index: number) => Promise<void> = async () => {},
): Promise<Customer[]> {
  const seen: Customer[] = [];
  let page = await list(`/api/v1/customer?${query}&per_page=${perPage}`);
  for (let index = 0; index < 1000; index++) {
    seen.push(...page.data);
    await onPage(page, index);
    const cursor = page.pagination.next_cursor;
    if (cursor === null) break;
    page = await list(`/api/v1/customer?${query}&per_page=${perPage}&cursor=${cursor}`);
    expect(page.pagination.current_page).toBeNull();
    expect(page.pagination.prev_page_url).toBeNull();
    expect(page.pagination.total).toBe(total);
    expect(page.pagination.last_page).toBe(Math.max(1, Math.ceil(total / perPage)));
    expect(page.data.length).toBeGreaterThan(0);
    expect(page.data.length).toBeLessThanOrEqual(perPage);
  }
  return seen;
}

beforeAll(async () => {
  t = await createTestApp({
    clock: new FakeClock('2026-05-01T09:00:00.000Z'),
    env: { RATE_LIMIT_PER_MINUTE: '100000', TOKEN_TTL_SECONDS: String(86_400) },
  });
  acme = await createBusiness(t, 'Acme');
  other = await createBusiness(t, 'Other');

  // Groups of customers created in the same millisecond (the fake clock stands still inside a
  // group), the clock moving on by irregular steps between groups.
  const groupSizes = [1, 4, 2, 7, 3, 1, 5, 9, 2, 6];
  const created: Customer[] = [];
  const doomed: string[] = [];
  theirs = [];
  let group = 0;
  while (created.length < LIVE + 5) {
    const size = groupSizes[group % groupSizes.length] as number;
    for (let i = 0; i < size && created.length < LIVE + 5; i++) {
      const n = created.length;
      const customer = (await createCustomer(t, acme, {
        customer_name: `Walker ${n}`,
        customer_email: `walker${n}@example.com`,
        customer_country: n % 4 === 0 ? 'BRA' : 'USA',
      })) as Customer;
      created.push(customer);
      if (n % 50 === 25) doomed.push(customer.customer_id);
    }
    if (group % 6 === 0) {
      theirs.push(
        (await createCustomer(t, other, {
          customer_name: 'Walker elsewhere',
          customer_country: 'BRA',
        })) as Customer,
      );
    }
    t.clock.advance(((group * 37) % 900) + 1);
    group++;
  }
  for (const id of doomed) {
    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/customer/${id}`,
      headers: acme.auth,
    });
    expect(response.statusCode).toBe(200);
  }
  expect(doomed).toHaveLength(5);
  expected = created.filter((c) => !doomed.includes(c.customer_id)).reverse();
  theirs.reverse();
}, 60_000);

afterAll(() => t?.close());

describe('the seeded data', () => {
  it('has 250 live customers, newest first by created_at then customer_id', () => {
    expect(expected).toHaveLength(LIVE);
    for (let i = 1; i < expected.length; i++) {
      const [newer, older] = [expected[i - 1] as Customer, expected[i] as Customer];
      const ordered =
        newer.created_at > older.created_at ||
        (newer.created_at === older.created_at && newer.customer_id > older.customer_id);
      expect(ordered, `${i}`).toBe(true);
    }
  });

  it('has same-millisecond customers split across a page boundary (the tie-break matters)', () => {
    const splitBoundaries = [];
    for (let boundary = PER_PAGE; boundary < LIVE; boundary += PER_PAGE) {
      const last = expected[boundary - 1] as Customer;
      const next = expected[boundary] as Customer;
      if (last.created_at === next.created_at) splitBoundaries.push(boundary);
    }
    expect(splitBoundaries.length).toBeGreaterThan(0);
  });
});

describe('walking GET /api/v1/customer', () => {
  it('page by page: each customer exactly once, newest first, with right pagination', async () => {
    const seen: Customer[] = [];
    for (let page = 1; page <= LAST_PAGE; page++) {
      const body = await list(`/api/v1/customer?per_page=${PER_PAGE}&page=${page}`);
      expect(body.status).toBe('success');
      expect(body.message).toBe('Records retrieved successfully');
      expect(body.pagination).toEqual({
        total: LIVE,
        per_page: PER_PAGE,
        current_page: page,
        last_page: LAST_PAGE,
        next_page_url:
          page < LAST_PAGE
            ? `${BASE_URL}/api/v1/customer?per_page=${PER_PAGE}&page=${page + 1}`
            : null,
        prev_page_url:
          page > 1 ? `${BASE_URL}/api/v1/customer?per_page=${PER_PAGE}&page=${page - 1}` : null,
        next_cursor: page < LAST_PAGE ? expect.any(String) : null,
      });
      expect(body.data).toHaveLength(page < LAST_PAGE ? PER_PAGE : LIVE - PER_PAGE * 12);
      seen.push(...body.data);
    }
    expect(new Set(idsOf(seen)).size).toBe(LIVE);
    expect(seen).toEqual(expected);
  });

  it('by following next_page_url from the first page', async () => {
    const seen: Customer[] = [];
    let url: string | null = `${BASE_URL}/api/v1/customer?per_page=${PER_PAGE}`;
    let pages = 0;
    while (url !== null && pages < 100) {
      const body = await list(relative(url));
      pages++;
      expect(body.pagination.current_page).toBe(pages);
      expect(body.pagination.total).toBe(LIVE);
      seen.push(...body.data);
      url = body.pagination.next_page_url;
    }
    expect(pages).toBe(LAST_PAGE);
    expect(seen).toEqual(expected);
  });

  it('by following next_cursor: each customer once, current_page null', async () => {
    const seen = await walkByCursor('', PER_PAGE, LIVE, async (page, index) => {
      if (index > 0 && page.pagination.next_cursor !== null) {
        expect(paramsOf(page.pagination.next_page_url)).toEqual({
          per_page: String(PER_PAGE),
          cursor: page.pagination.next_cursor,
        });
      }
    });
    expect(new Set(idsOf(seen)).size).toBe(LIVE);
    expect(seen).toEqual(expected);
  });

  it('by following next_page_url of cursor pages', async () => {
    const first = await list(`/api/v1/customer?per_page=${PER_PAGE}`);
    const seen = [...first.data];
    let url = `${BASE_URL}/api/v1/customer?per_page=${PER_PAGE}&cursor=${first.pagination.next_cursor}`;
    let pages = 1;
    for (;;) {
      const body = await list(relative(url));
      pages++;
      expect(body.pagination.current_page).toBeNull();
      seen.push(...body.data);
      if (body.pagination.next_page_url === null) {
        expect(body.pagination.next_cursor).toBeNull();
        break;
      }
      url = body.pagination.next_page_url;
      if (pages > 100) throw new Error('the walk does not end');
    }
    expect(pages).toBe(LAST_PAGE);
    expect(seen).toEqual(expected);
  });

  it('with the largest page size and with the default', async () => {
    const walked = await walkByCursor('', 100, LIVE);
    expect(walked).toEqual(expected);
    const first = await list('/api/v1/customer');
    expect(first.data).toEqual(expected.slice(0, 20));
    expect(first.pagination).toMatchObject({
      total: LIVE,
      per_page: 20,
      current_page: 1,
      last_page: LAST_PAGE,
    });
    const last = await list('/api/v1/customer?per_page=100&page=3');
    expect(last.data).toEqual(expected.slice(200));
    expect(last.pagination).toMatchObject({ last_page: 3, next_page_url: null, next_cursor: null });
  });

  it('past the end: empty data with correct totals', async () => {
    for (const page of [LAST_PAGE + 1, 1000]) {
      const body = await list(`/api/v1/customer?per_page=${PER_PAGE}&page=${page}`);
      expect(body.data).toEqual([]);
      expect(body.pagination).toMatchObject({
        total: LIVE,
        per_page: PER_PAGE,
        current_page: page,
        last_page: LAST_PAGE,
        next_page_url: null,
        next_cursor: null,
      });
    }
  });

  it("never includes the other business's customers, whose own walk is separate", async () => {
    const mine = new Set(idsOf(expected));
    const body = await list(`/api/v1/customer?per_page=100`, other);
    expect(body.pagination.total).toBe(theirs.length);
    expect(body.data).toEqual(theirs);
    expect(body.data.some((c) => mine.has(c.customer_id))).toBe(false);
    const search = await walkByCursor('search=elsewhere', 7, 0);
    expect(search).toEqual([]);
  });
});

describe('walking filtered lists', () => {
  it('country filter by cursor: each match once, newest first, total = filtered count', async () => {
    const brazil = expected.filter((c) => c.customer_country === 'BRA');
    expect(brazil.length).toBeGreaterThan(PER_PAGE);
    const seen = await walkByCursor('country=bra', 7, brazil.length, async (page, index) => {
      if (index > 0 && page.pagination.next_cursor !== null) {
        expect(paramsOf(page.pagination.next_page_url)).toEqual({
          country: 'bra',
          per_page: '7',
          cursor: page.pagination.next_cursor,
        });
      }
    });
    expect(seen).toEqual(brazil);
  });

  it('country filter by page number, following next_page_url', async () => {
    const brazil = expected.filter((c) => c.customer_country === 'BRA');
    const seen: Customer[] = [];
    let url: string | null = `${BASE_URL}/api/v1/customer?country=BRA&per_page=9`;
    let pages = 0;
    while (url !== null && pages < 100) {
      const body = await list(relative(url));
      pages++;
      expect(body.pagination.total).toBe(brazil.length);
      if (body.pagination.next_page_url !== null) {
        expect(paramsOf(body.pagination.next_page_url)).toEqual({
          country: 'BRA',
          per_page: '9',
          page: String(pages + 1),
        });
      }
      seen.push(...body.data);
      url = body.pagination.next_page_url;
    }
    expect(pages).toBe(Math.ceil(brazil.length / 9));
    expect(seen).toEqual(brazil);
  });

  it('created_from + search + country combined, by cursor', async () => {
    const from = (expected[150] as Customer).created_at;
    const matches = expected.filter(
      (c) =>
        c.created_at >= from &&
        c.customer_country === 'USA' &&
        /Walker 1/.test(String(c.customer_name)),
    );
    expect(matches.length).toBeGreaterThan(5);
    const query = `created_from=${from}&country=USA&search=walker%201`;
    const seen = await walkByCursor(query, 5, matches.length);
    expect(seen).toEqual(matches);
  });

  // Runs last: it changes the data the other walks rely on, then puts it back.
  it('a cursor walk is not disturbed by a customer created meanwhile', async () => {
    const first = await list('/api/v1/customer?per_page=50');
    t.clock.advance(1000);
    const newcomer = await createCustomer(t, acme);
    try {
      const seen = [...first.data];
      let cursor = first.pagination.next_cursor;
      while (cursor !== null) {
        const page = await list(`/api/v1/customer?per_page=50&cursor=${cursor}`);
        expect(page.pagination.total).toBe(LIVE + 1);
        seen.push(...page.data);
        cursor = page.pagination.next_cursor;
      }
      // The newcomer sorts before the walk's position: the remaining pages neither repeat nor
      // skip anything, where an offset walk would have shifted by one.
      expect(seen).toEqual(expected);
      const shifted = await list('/api/v1/customer?per_page=50&page=2');
      expect(shifted.data[0]).toEqual(expected[49]);
    } finally {
      await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/customer/${newcomer.customer_id}`,
        headers: acme.auth,
      });
    }
  });
});
