import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import { type BothWays, bothWays, comparable } from '../helpers/both-ways.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

// Over HTTP a list page kept at the business's current version is sent by the fast path
// (list-customers-fast-path.ts); anything else falls back to the route. Every case is asked both
// ways (test/helpers/both-ways.ts) and the answers must be the same bytes.

describe('GET /api/v1/customer over HTTP answers as the Fastify route does', () => {
  let t: TestApp;
  let business: TestBusiness;
  let ways: BothWays;

  async function setUp(env: Record<string, string> = {}) {
    t = await createTestApp({ env });
    business = await createBusiness(t, 'ListCo');
    for (let i = 0; i < 5; i++) await createCustomer(t, business);
    ways = await bothWays(t);
  }

  afterEach(() => t.close());

  it('sends a kept page without computing it again, and a changed list afresh', async () => {
    await setUp();
    const pageQuery = vi.spyOn(t.storage.customers, 'list');
    const path = '/api/v1/customer?per_page=2';
    // The first request computes the page (the route), the second is sent as kept.
    const first = await ways.same(path, business.auth);
    expect(first.status).toBe(200);
    expect(pageQuery).toHaveBeenCalledTimes(1);
    // The route checks the token on its own; the fast path reads it with the version.
    const routeTokenCheck = vi.spyOn(t.storage.tokens, 'isActive');
    const kept = await ways.overHttp(path, business.auth);
    expect(comparable(kept)).toEqual(comparable(first));
    expect(pageQuery).toHaveBeenCalledTimes(1);
    expect(routeTokenCheck).not.toHaveBeenCalled();

    const added = await createCustomer(t, business);
    const changed = await ways.same(path, business.auth);
    expect(JSON.parse(changed.body).data[0].customer_id).toBe(added.customer_id);
    expect(JSON.parse(changed.body).pagination.total).toBe(6);
  });

  it('keeps each query string apart, and leaves every other request to the route', async () => {
    await setUp();
    const other = await createBusiness(t, 'OtherCo');
    await createCustomer(t, other);
    for (const query of [
      '',
      '?page=2&per_page=2',
      '?country=USA&per_page=3',
      '?email=customer',
      '?per_page=500',
      '?page=0',
      '?unknown=1',
    ]) {
      for (let round = 0; round < 2; round++) {
        await ways.same(`/api/v1/customer${query}`, business.auth);
        await ways.same(`/api/v1/customer${query}`, other.auth);
      }
    }
    // A trailing slash is the same route to Fastify, but not the fast path's to answer.
    await ways.same('/api/v1/customer/?per_page=2', business.auth);
    const keyPair = { 'x-api-key': business.accountId, 'x-api-secret': business.appSecret };
    expect((await ways.same('/api/v1/customer', keyPair)).status).toBe(200);
  });

  it('answers bad and revoked tokens with the route’s 401', async () => {
    await setUp();
    await ways.same('/api/v1/customer', business.auth);
    expect((await ways.same('/api/v1/customer', { authorization: 'Bearer x' })).status).toBe(401);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: business.auth });
    expect((await ways.same('/api/v1/customer', business.auth)).status).toBe(401);
  });

  it('spends the business’s budget on a kept page and answers the 429 the same', async () => {
    // Five creates, then two requests both ways, then two more.
    await setUp({ RATE_LIMIT_PER_MINUTE: '10' });
    await ways.same('/api/v1/customer', business.auth);
    await ways.same('/api/v1/customer', business.auth);
    const routeTokenCheck = vi.spyOn(t.storage.tokens, 'isActive');
    const last = await ways.overHttp('/api/v1/customer', business.auth);
    expect(last.status).toBe(200);
    expect(last.headers['x-ratelimit-remaining']).toBe('0');
    const refused = await ways.overHttp('/api/v1/customer', business.auth);
    expect(routeTokenCheck).not.toHaveBeenCalled();
    const refusedToo = await ways.injected('/api/v1/customer', business.auth);
    expect(comparable(refused)).toEqual(comparable(refusedToo));
    expect(refused.status).toBe(429);
  });

  it('falls back to the route when the read fails, which answers the 503', async () => {
    await setUp();
    await ways.same('/api/v1/customer', business.auth);
    const outage = new StorageUnavailableError(new Error('connection refused'));
    vi.spyOn(t.storage.customers, 'versionWithActiveToken').mockRejectedValue(outage);
    vi.spyOn(t.storage.tokens, 'isActive').mockRejectedValue(outage);
    const answer = await ways.same('/api/v1/customer', business.auth);
    expect(answer.status).toBe(503);
  });
});
