import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { individualKyc } from '../helpers/kyc.js';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  runCli,
  type ServerProcess,
  seedCustomerBody,
  sqliteEnv,
  startServer,
} from './server-process.js';

/** The fields these tests read from the customer, KYC status and create responses. */
interface ResponseData extends Record<string, unknown> {
  customer_id: string;
  status: string;
  history: Array<Record<string, unknown>>;
  kyc_rejection_reasons: string[];
}

/** The KYC lifecycle in the built program: due jobs across a crash, and the operator CLI. */

async function call(
  server: ServerProcess,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await localFetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data: ResponseData },
  };
}

/** A customer of the token's business, submitted for KYC. */
async function submitted(server: ServerProcess, token: string, lastName = 'Doe'): Promise<string> {
  const created = await call(server, token, 'POST', '/api/v1/customer', seedCustomerBody());
  expect(created.status).toBe(201);
  const id = created.body.data.customer_id;
  const kyc = await call(
    server,
    token,
    'POST',
    '/api/v1/verification/verify-customer',
    individualKyc(id, { last_name: lastName }),
  );
  expect(kyc.status, JSON.stringify(kyc.body)).toBe(200);
  return id;
}

async function waitForKycStatus(server: ServerProcess, token: string, id: string, status: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await call(server, token, 'GET', `/api/v1/customer/kyc/${id}`);
    if (response.body.data.status === status) return response.body.data;
    if (Date.now() > deadline) throw new Error(`still ${response.body.data.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function count(file: string, sql: string, ...params: unknown[]): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}

afterAll(async () => {
  await killAllServers();
  await cleanupTempDirs();
}, PROCESS_TIMEOUT_MS);

describe('a decision due when the server is killed', { timeout: PROCESS_TIMEOUT_MS }, () => {
  afterEach(() => killAllServers(), PROCESS_TIMEOUT_MS);

  it('still happens after a restart, exactly once', async () => {
    const dir = await makeTempDir();
    const port = await freePort();
    const env = { ...sqliteEnv(dir, port), KYC_SANDBOX_DELAY_SECONDS: '3' };
    const file = join(dir, 'db.sqlite');
    const credentials = await createBusinessWithCli(env, dir);
    const first = await startServer({ cwd: dir, env, port });
    const id = await submitted(first, await loginOverHttp(first.baseUrl, credentials));
    // Killed outright, seconds before the decision is due.
    expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
    const jobs = 'select count(*) as n from kyc_jobs where customer_id = ?';
    expect(count(file, jobs, id)).toBe(1);
    expect(
      count(file, "select count(*) as n from customers where customer_kyc_status = 'under_review'"),
    ).toBe(1);

    const second = await startServer({ cwd: dir, env, port });
    const token = await loginOverHttp(second.baseUrl, credentials);
    const status = await waitForKycStatus(second, token, id, 'approved');
    expect(status).toMatchObject({ is_va_approved: true, kyc_verified_date: expect.any(String) });
    // Several polls later, still one decision and one of each event.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const history = (await call(second, token, 'GET', `/api/v1/customer/kyc/${id}`)).body.data
      .history;
    expect(history.map((h) => h.cause)).toEqual(['submission', 'provider_decision']);
    expect(count(file, jobs, id)).toBe(0);
    const events =
      'select count(*) as n from outbox_events where customer_id = ? and event_type = ?';
    expect(count(file, events, id, 'customer.kyc.approved')).toBe(1);
    expect(count(file, events, id, 'customer.updated')).toBe(2);
  });
});

describe('operator CLI', { timeout: PROCESS_TIMEOUT_MS }, () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  let token: string;
  const cli = (...args: string[]) => runCli(args, { env, cwd: dir });
  const summary = (stdout: string) => JSON.parse(stdout.trim()) as Record<string, unknown>;

  beforeAll(async () => {
    dir = await makeTempDir();
    const port = await freePort();
    env = { ...sqliteEnv(dir, port), KYC_SANDBOX_DELAY_SECONDS: '1' };
    const credentials = await createBusinessWithCli(env, dir);
    server = await startServer({ cwd: dir, env, port });
    token = await loginOverHttp(server.baseUrl, credentials);
  }, PROCESS_TIMEOUT_MS);

  it('kyc approve from manual review, then customer suspend and reactivate', async () => {
    const id = await submitted(server, token, 'Review');
    await waitForKycStatus(server, token, id, 'manual_review');
    const approve = await cli('kyc', 'approve', id, '--json');
    expect(approve.code, approve.stderr).toBe(0);
    expect(summary(approve.stdout)).toMatchObject({
      customer_kyc_status: 'approved',
      customer_status: 'active',
      can_create_vc: 1,
      can_create_va: 1,
    });
    const suspend = await cli('customer', 'suspend', id, '--json');
    expect(summary(suspend.stdout)).toMatchObject({
      customer_status: 'suspended',
      can_create_vc: 0,
      can_create_va: 0,
    });
    const retrieved = await call(server, token, 'GET', `/api/v1/customer/${id}`);
    expect(retrieved.body.data).toMatchObject({ customer_status: 'suspended', can_create_va: 0 });
    const reactivate = await cli('customer', 'reactivate', id, '--json');
    expect(summary(reactivate.stdout)).toMatchObject({
      customer_status: 'active',
      can_create_vc: 1,
      can_create_va: 1,
    });
    const history = (await call(server, token, 'GET', `/api/v1/customer/kyc/${id}`)).body.data
      .history;
    expect(history.at(-1)).toMatchObject({
      from: 'manual_review',
      to: 'approved',
      actor: 'operator',
    });

    // Approved is final: the operator cannot reject it now.
    const reject = await cli('kyc', 'reject', id, '--reason', 'Changed my mind');
    expect(reject.code).toBe(1);
    expect(reject.stderr).toMatch(
      /Cannot decide KYC \(rejected\) while the KYC status is approved/,
    );
    expect(reject.stdout).toBe('');
  });

  it('kyc reject records the reason', async () => {
    const id = await submitted(server, token, 'Review');
    const reject = await cli('kyc', 'reject', id, '--reason', 'Sanctions list match', '--json');
    expect(reject.code, reject.stderr).toBe(0);
    expect(summary(reject.stdout)).toMatchObject({
      customer_kyc_status: 'rejected',
      customer_kyc_reject_reason: 'Sanctions list match',
    });
    const status = await call(server, token, 'GET', `/api/v1/customer/kyc/${id}`);
    expect(status.body.data.kyc_rejection_reasons).toEqual(['Sanctions list match']);
    // From under_review, or manual_review if the sandbox was quicker than the CLI's start.
    expect(status.body.data.history.at(-1)).toMatchObject({
      to: 'rejected',
      cause: 'operator_decision',
      actor: 'operator',
      reason: 'Sanctions list match',
    });
  });

  it('refuses unknown customers and incomplete command lines', async () => {
    const [unknown, noReason] = await Promise.all([
      cli('kyc', 'approve', randomUUID()),
      cli('kyc', 'reject', randomUUID()),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Customer not found/);
    expect(noReason.code).toBe(64);
    expect(noReason.stderr).toMatch(/--reason/);
  });
});
