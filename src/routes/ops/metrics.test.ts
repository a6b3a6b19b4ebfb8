import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
} from '../../../test/helpers/test-app.js';

async function scrape(t: TestApp): Promise<string> {
  const response = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
}

/** The value of one sample line, e.g. `name{labels} 3`. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('GET /metrics → 200 Prometheus text', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('counts and times requests by route pattern and status, never by raw URL or tenant', async () => {
    const business = await createBusiness(t, 'MetricsCo');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createCustomer(t, business)).customer_id);
    for (const id of ids) {
      await t.app.inject({ method: 'GET', url: `/api/v1/customer/${id}`, headers: business.auth });
    }
    await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer/not-a-uuid',
      headers: business.auth,
    });
    await t.app.inject({ method: 'GET', url: '/no/such/route/secret-path-123' });

    const text = await scrape(t);
    const route = 'method="GET",route="/api/v1/customer/:customer_id"';
    expect(sample(text, 'clientele_http_requests_total', `${route},status_code="200"`)).toBe(3);
    expect(sample(text, 'clientele_http_requests_total', `${route},status_code="404"`)).toBe(1);
    expect(
      sample(text, 'clientele_http_request_duration_seconds_count', `${route},status_code="200"`),
    ).toBe(3);
    expect(
      sample(
        text,
        'clientele_http_requests_total',
        'method="POST",route="/api/v1/customer",status_code="201"',
      ),
    ).toBe(3);
    expect(
      sample(
        text,
        'clientele_http_requests_total',
        'method="GET",route="unmatched",status_code="404"',
      ),
    ).toBe(1);
    // Nothing of a tenant, a customer or a raw URL.
    for (const secretish of [
      ...ids,
      business.businessId,
      business.accountId,
      business.token,
      'not-a-uuid',
      'secret-path-123',
      'customer_email',
    ]) {
      expect(text).not.toContain(secretish);
    }
  });

  it('shows the database connections and the process metrics', async () => {
    // A request that reads the database first: the pool opens connections as they are needed
    // (migrations run on a connection of their own on PostgreSQL).
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const text = await scrape(t);
    expect(sample(text, 'clientele_db_pool_connections', 'state="total"')).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(text, 'clientele_db_pool_connections', 'state="waiting"')).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
  });

  it('keeps one registry per app, so apps never count each other’s requests', async () => {
    const other = await createTestApp();
    try {
      for (let i = 0; i < 4; i++) await other.app.inject({ method: 'GET', url: '/healthz' });
      await t.app.inject({ method: 'GET', url: '/healthz' });
      const healthz = 'method="GET",route="/healthz",status_code="200"';
      expect(sample(await scrape(t), 'clientele_http_requests_total', healthz)).toBe(1);
      expect(sample(await scrape(other), 'clientele_http_requests_total', healthz)).toBe(4);
    } finally {
      await other.close();
    }
  });
});
