import { type AddressInfo, connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import { type BothWays, bothWays, comparable, REQUEST_ID } from '../helpers/both-ways.js';
import {
  createBusiness,
  createCustomer,
  createTestApp,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

// Over HTTP most retrieves are answered by the fast path (retrieve-customer-fast-path.ts):
// every case is asked both ways (test/helpers/both-ways.ts) and the answers must be the same bytes.

describe('GET /api/v1/customer/:id over HTTP answers as the Fastify route does', () => {
  let t: TestApp;
  let business: TestBusiness;
  let overHttp: BothWays['overHttp'];
  let injected: BothWays['injected'];
  let sameBothWays: BothWays['same'];

  async function setUp(env: Record<string, string> = {}) {
    t = await createTestApp({ env });
    business = await createBusiness(t, 'FastCo');
    ({ overHttp, injected, same: sameBothWays } = await bothWays(t));
  }

  afterEach(() => t.close());

  describe('with the default settings', () => {
    beforeEach(() => setUp());

    it('answers a customer, an unknown id, and another business’s or a deleted customer the same', async () => {
      const spy = vi.spyOn(t.storage.tokens, 'isActive');
      const customer = await createCustomer(t, business);
      const other = await createBusiness(t, 'OtherCo');
      const othersCustomer = await createCustomer(t, other);
      const deleted = await createCustomer(t, business);
      await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/customer/${deleted.customer_id}`,
        headers: business.auth,
      });

      const found = await sameBothWays(`/api/v1/customer/${customer.customer_id}`, business.auth);
      expect(found.status).toBe(200);
      expect(JSON.parse(found.body).data).toEqual(customer);
      expect(found.headers['x-request-id']).toBe(REQUEST_ID);
      for (const id of [
        othersCustomer.customer_id,
        deleted.customer_id,
        '0190a6f4-0000-7000-8000-000000000000',
        customer.customer_id.toUpperCase(),
      ]) {
        expect((await sameBothWays(`/api/v1/customer/${id}`, business.auth)).status).toBe(404);
      }
      // The fast path reads the token with the customer: only the three creates, the delete and
      // the five injected retrieves checked it on its own.
      expect(spy).toHaveBeenCalledTimes(3 + 1 + 5);
    });

    it('answers a customer changed since its last retrieve with the change', async () => {
      const customer = await createCustomer(t, business);
      const path = `/api/v1/customer/${customer.customer_id}`;
      const before = await overHttp(path, business.auth);
      expect((await overHttp(path, business.auth)).body).toBe(before.body);
      const changed = await t.app.inject({
        method: 'PATCH',
        url: path,
        headers: { ...business.auth, 'idempotency-key': 'rename-1' },
        payload: { customer_name: 'Renamed Customer' },
      });
      expect(changed.statusCode).toBe(200);
      const after = await sameBothWays(path, business.auth);
      expect(JSON.parse(after.body).data.customer_name).toBe('Renamed Customer');
    });

    it('answers every kind of bad credentials with the same 401', async () => {
      const customer = await createCustomer(t, business);
      const path = `/api/v1/customer/${customer.customer_id}`;
      const [header, payload] = business.token.split('.');
      for (const authorization of [
        '',
        'Bearer',
        'Basic dXNlcjpwYXNz',
        `Bearer ${business.token}x`,
        `Bearer ${header}.${payload}.${'A'.repeat(43)}`,
      ]) {
        expect((await sameBothWays(path, { authorization })).status).toBe(401);
      }

      const loggedOut = await createBusiness(t, 'LeftCo');
      const leftCustomer = await createCustomer(t, loggedOut);
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: loggedOut.auth });
      const revoked = await sameBothWays(
        `/api/v1/customer/${leftCustomer.customer_id}`,
        loggedOut.auth,
      );
      expect(revoked.status).toBe(401);
      expect(revoked.headers['www-authenticate']).toBe('Bearer');

      t.clock.advance((t.config.tokenTtlSeconds + 1) * 1000);
      expect((await sameBothWays(path, business.auth)).status).toBe(401);
    });

    it('leaves other shapes of the URL and the key pair to the route, which answers them', async () => {
      const customer = await createCustomer(t, business);
      const spy = vi.spyOn(t.storage.customers, 'findLiveWithActiveToken');
      const id = customer.customer_id;
      for (const path of [
        `/api/v1/customer/${id}/`,
        `/api/v1/customer/${id}?expand=all`,
        '/api/v1/customer/not-a-uuid',
      ]) {
        await sameBothWays(path, business.auth);
      }
      const keyPair = { 'x-api-key': business.accountId, 'x-api-secret': business.appSecret };
      expect((await sameBothWays(`/api/v1/customer/${id}`, keyPair)).status).toBe(200);
      expect((await sameBothWays(`/api/v1/customer/${id}`, business.auth, 'HEAD')).status).toBe(
        200,
      );
      expect(spy).not.toHaveBeenCalled();
    });

    it('answers requests pipelined on one connection in their order, the route’s among them', async () => {
      const first = await createCustomer(t, business);
      const second = await createCustomer(t, business);
      const { port } = t.app.server.address() as AddressInfo;
      const get = (path: string, requestId: string) =>
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${business.auth.authorization}\r\n` +
        `X-Request-Id: ${requestId}\r\n\r\n`;
      // The fast path answers the first and the third at the end of the turn; the route the
      // second (a trailing slash is not the fast path's), which it may answer later.
      const requests =
        get(`/api/v1/customer/${first.customer_id}`, 'pipelined-1') +
        get(`/api/v1/customer/${second.customer_id}/`, 'pipelined-2') +
        get(`/api/v1/customer/${second.customer_id}`, 'pipelined-3');

      const answers = await new Promise<{ head: string; body: string }[]>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(requests));
        let received = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          const complete = completeResponses(received);
          if (complete.length < 3) return;
          socket.destroy();
          resolve(complete);
        });
        socket.on('error', reject);
      });
      expect(answers.map(({ head }) => /x-request-id: (\S+)/.exec(head)?.[1])).toEqual([
        'pipelined-1',
        'pipelined-2',
        'pipelined-3',
      ]);
      expect(JSON.parse(answers[0]?.body ?? '').data.customer_id).toBe(first.customer_id);
      expect(JSON.parse(answers[2]?.body ?? '').data.customer_id).toBe(second.customer_id);
    });

    it('answers a database outage with the 503 and a bug with the 500, as the route does', async () => {
      const customer = await createCustomer(t, business);
      const path = `/api/v1/customer/${customer.customer_id}`;
      const failWith = (error: Error) => {
        vi.spyOn(t.storage.customers, 'findLiveWithActiveToken').mockRejectedValue(error);
        vi.spyOn(t.storage.tokens, 'isActive').mockRejectedValue(error);
      };
      failWith(new StorageUnavailableError(new Error('connection refused')));
      const outage = await sameBothWays(path, business.auth);
      expect(outage.status).toBe(503);
      expect(outage.headers['retry-after']).toBe('2');
      failWith(new Error('a bug'));
      const bug = await sameBothWays(path, business.auth);
      expect(bug.status).toBe(500);
      expect(bug.body).not.toContain('a bug');
      expect(t.logs.filter((line) => line.includes('"unhandled error"'))).toHaveLength(2);
    });

    it('logs, counts and drains like the route', async () => {
      const customer = await createCustomer(t, business);
      const path = `/api/v1/customer/${customer.customer_id}`;
      const headers = { ...business.auth, 'x-request-id': 'fast-path-log-1' };
      expect((await overHttp(path, headers)).status).toBe(200);

      const lines = t.logs
        .map((line) => JSON.parse(line))
        .filter((line) => line.reqId === 'fast-path-log-1');
      expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
      expect(lines[0].req).toEqual({ method: 'GET', path, remoteAddress: '127.0.0.1' });
      expect(lines[1].res).toEqual({ statusCode: 200 });
      expect(lines[1].responseTime).toBeGreaterThan(0);

      await injected(path, business.auth);
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain(
        'clientele_http_requests_total{method="GET",route="/api/v1/customer/:customer_id",status_code="200"} 2',
      );

      t.app.startDraining();
      const draining = await sameBothWays(path, business.auth);
      expect(draining.status).toBe(200);
      expect(draining.headers.connection).toBe('close');
    });
  });

  it('spends the business’s budget and answers the 429 the same', async () => {
    await setUp({ RATE_LIMIT_PER_MINUTE: '4' });
    // Creating the customer spends one request.
    const customer = await createCustomer(t, business);
    const path = `/api/v1/customer/${customer.customer_id}`;
    expect((await sameBothWays(path, business.auth)).status).toBe(200);
    const last = await overHttp(path, business.auth);
    expect(last.status).toBe(200);
    expect(last.headers['x-ratelimit-remaining']).toBe('0');
    const refused = await overHttp(path, business.auth);
    const refusedToo = await injected(path, business.auth);
    expect(comparable(refused)).toEqual(comparable(refusedToo));
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  });
});

/** The HTTP/1.1 responses complete in `received` (each with a Content-Length), in order. */
function completeResponses(received: Buffer): { head: string; body: string }[] {
  const responses: { head: string; body: string }[] = [];
  let start = 0;
  for (;;) {
    const headEnd = received.indexOf('\r\n\r\n', start);
    if (headEnd === -1) return responses;
    const head = received.subarray(start, headEnd).toString('latin1');
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    const bodyEnd = headEnd + 4 + length;
    if (received.length < bodyEnd) return responses;
    responses.push({ head, body: received.subarray(headEnd + 4, bodyEnd).toString('utf8') });
    start = bodyEnd;
  }
}
