import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusiness,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../../test/helpers/test-app.js';

let t: TestApp;
let acme: TestBusiness;

beforeEach(async () => {
  t = await createTestApp({ env: { LOG_LEVEL: 'info' } });
  acme = await createBusiness(t);
});
afterEach(() => t.close());

describe('request logs', () => {
  it('carry the path and request id but not the query string, which can hold personal data', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customer?email=jane.secret%40example.com&search=Jane%20Secret',
      headers: { ...acme.auth, 'x-request-id': 'log-test-1' },
    });
    expect(response.statusCode).toBe(200);
    const lines = t.logs.filter((line) => line.includes('log-test-1'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"path":"/api/v1/customer"'))).toBe(true);
    const all = t.logs.join('\n');
    expect(all).not.toContain('jane.secret');
    expect(all).not.toContain('Jane%20Secret');
  });
});
