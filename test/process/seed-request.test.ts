import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_FIELDS_IN_ORDER } from '../helpers/contract.js';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  type ServerProcess,
  seedCustomerBody,
  sqliteEnv,
  startServer,
} from './server-process.js';

/**
 * The seed page's request, against the built server in its own process: an operator provisions a
 * business with the CLI, the client logs in over HTTP and sends exactly the seed's GET.
 */

const SPEC_FIELD_ORDER = [...CUSTOMER_FIELDS_IN_ORDER];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EMAIL = 'test.customer@example.com';

describe('the seed request against the built server', { timeout: PROCESS_TIMEOUT_MS }, () => {
  let server: ServerProcess;
  let token: string;
  let created: Record<string, unknown> & { customer_id: string };

  beforeAll(async () => {
    const dir = await makeTempDir();
    const port = await freePort();
    const env = sqliteEnv(dir, port);
    const credentials = await createBusinessWithCli(env, dir);
    server = await startServer({ cwd: dir, env, port });
    token = await loginOverHttp(server.baseUrl, credentials);

    const response = await localFetch(`${server.baseUrl}/api/v1/customer`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': `seed-${randomUUID()}`,
      },
      body: JSON.stringify(seedCustomerBody(EMAIL)),
    });
    const body = await response.text();
    expect(response.status, body).toBe(201);
    created = JSON.parse(body).data;
  }, PROCESS_TIMEOUT_MS);

  afterAll(async () => {
    await killAllServers();
    await cleanupTempDirs();
  }, PROCESS_TIMEOUT_MS);

  it('GET /api/v1/customer/{id} with only a bearer token → 200 and the seed shape', async () => {
    const response = await localFetch(`${server.baseUrl}/api/v1/customer/${created.customer_id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(['status', 'status_code', 'message', 'data']);
    expect(body.status).toBe('success');
    expect(body.status_code).toBe(200);
    expect(body.message).toBe('Request successful');
    expect(Array.isArray(body.data)).toBe(false);

    const data = body.data;
    expect(Object.keys(data)).toEqual(SPEC_FIELD_ORDER);
    expect(data).toEqual({
      customer_id: created.customer_id,
      customer_name: 'Test Customer',
      customer_email: EMAIL,
      customer_phone: '+19203751411',
      customer_country: 'USA',
      customer_address: {
        city: 'Anytown',
        state: 'Anystate',
        zipcode: '12345',
        street: '1234 Elm Street',
        number: '5678',
        country: 'USA',
      },
      customer_type: 'individual',
      customer_status: 'pending',
      customer_kyc_status: 'not_started',
      customer_kyc_reject_reason: null,
      can_create_vc: 0,
      can_create_va: 0,
      kyc_verified_date: null,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
    });
    expect(Object.keys(data.customer_address).sort()).toEqual(
      ['city', 'country', 'number', 'state', 'street', 'zipcode'].sort(),
    );
    expect(data.customer_id).toMatch(UUID_V7);
    expect(data.updated_at >= data.created_at).toBe(true);
    // What the create answered is what the retrieve answers.
    expect(data).toEqual(created);
  });

  it('the same request without a token → 401 with WWW-Authenticate: Bearer', async () => {
    const response = await localFetch(`${server.baseUrl}/api/v1/customer/${created.customer_id}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toEqual({
      status: 'failed',
      status_code: 401,
      message: 'Request failed.',
      data: { error: expect.any(String), code: 'unauthenticated' },
    });
  });

  it('the seed page’s own sample id (unknown here) → 404 customer_not_found', async () => {
    const response = await localFetch(
      `${server.baseUrl}/api/v1/customer/5ae2f659-45d2-4256-9f82-2811726a5376`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      status: 'failed',
      status_code: 404,
      message: 'Request failed.',
      data: { error: 'Customer not found', code: 'customer_not_found' },
    });
  });
});
