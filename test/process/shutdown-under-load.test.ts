import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  seedCustomerBody,
  sqliteEnv,
  startServer,
} from './server-process.js';

/**
 * SIGTERM in the middle of a steady load on keep-alive connections (test/process/shutdown.test.ts
 * covers requests half-sent at the signal): every request the server took gets a whole response,
 * no connection is reset, new connections are refused, the process exits 0, and every 201 is in
 * the database file afterwards.
 */

const WORKERS = 6;
const SHUTDOWN_TIMEOUT_SECONDS = 8;

type Outcome = { status: number; body: string } | { error: string };

function call(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = httpRequest(
      { agent, host: '127.0.0.1', port, method, path, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ error: error.code ?? error.message }),
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    request.end(body);
  });
}

afterAll(async () => {
  await killAllServers();
  await cleanupTempDirs();
}, PROCESS_TIMEOUT_MS);

describe('SIGTERM under a steady keep-alive load', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('answers every request it took, resets no connection, exits 0, keeps every 201', async () => {
    const dir = await makeTempDir();
    const port = await freePort();
    const env = {
      ...sqliteEnv(dir, port),
      SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
      // The load is far above the default 600 requests a minute (kept list pages answer in
      // ~50 µs); a 429 is not what this test is about.
      RATE_LIMIT_PER_MINUTE: '10000000',
    };
    const credentials = await createBusinessWithCli(env, dir);
    const server = await startServer({ cwd: dir, env, port });
    const token = await loginOverHttp(server.baseUrl, credentials);
    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
    const outcomes: Outcome[] = [];
    let signalled = false;

    const worker = async (index: number) => {
      for (let i = 0; ; i++) {
        const create = (i + index) % 2 === 0;
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        let body: string | undefined;
        if (create) {
          headers['content-type'] = 'application/json';
          headers['idempotency-key'] = `sigterm-${randomUUID()}`;
          body = JSON.stringify(seedCustomerBody());
        }
        const outcome = await call(
          agent,
          port,
          create ? 'POST' : 'GET',
          '/api/v1/customer',
          headers,
          body,
        );
        outcomes.push(outcome);
        // After the signal, a refused new connection is the server having stopped accepting.
        if ('error' in outcome && signalled) return;
        if ('error' in outcome)
          throw new Error(`request failed before the signal: ${outcome.error}`);
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    await sleep(500);
    signalled = true;
    server.child.kill('SIGTERM');
    await load;
    const exit = await Promise.race([
      server.exited,
      sleep(SHUTDOWN_TIMEOUT_SECONDS * 1000 + 3000).then(() => 'still running'),
    ]);
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    const output = server.stdout() + server.stderr();
    for (const secret of [credentials.app_secret, token]) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/\n\s+at /);

    const errors = outcomes.flatMap((o) => ('error' in o ? [o.error] : []));
    expect(
      errors.filter((e) => e !== 'ECONNREFUSED'),
      'connections reset or hung up',
    ).toEqual([]);
    const answered = outcomes.flatMap((o) => ('status' in o ? [o] : []));
    for (const { status, body } of answered) {
      expect([200, 201], body).toContain(status);
      expect(JSON.parse(body).status_code).toBe(status);
    }
    const created = answered
      .filter((o) => o.status === 201)
      .map((o) => JSON.parse(o.body).data.customer_id as string);
    const db = new SQLite(join(dir, 'db.sqlite'), { readonly: true });
    const stored = new Set(
      (db.prepare('select customer_id from customers').all() as Array<{ customer_id: string }>).map(
        (r) => r.customer_id,
      ),
    );
    db.close();
    for (const id of created) expect(stored.has(id), `acknowledged ${id} lost`).toBe(true);
    console.log(
      `SIGTERM under load: ${answered.length} requests answered (${created.length} creates), ${errors.length} refused after the signal`,
    );
    expect(answered.length).toBeGreaterThan(WORKERS);
  });
});
