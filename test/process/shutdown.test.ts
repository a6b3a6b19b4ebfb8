import { randomUUID } from 'node:crypto';
import { Agent, type ClientRequest, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  seedCustomerBody,
  sqliteEnv,
  startServer,
} from './server-process.js';

/**
 * SIGTERM: stop accepting, let in-flight requests finish, close the database, exit 0 within
 * SHUTDOWN_TIMEOUT_SECONDS (SPEC §7). "In flight" is made certain: each request's headers reach
 * the server before the signal, and its body is still being sent when the signal arrives.
 */

const SHUTDOWN_TIMEOUT_SECONDS = 6;

interface Answer {
  status: number;
  body: string;
}

/** A POST whose headers go now and whose body is finished by calling `finish()`. */
function slowPost(
  agent: Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
): { request: ClientRequest; finish(): void; answer: Promise<Answer> } {
  const bytes = Buffer.from(body);
  const request = httpRequest({
    agent,
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': bytes.length },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
  const half = Math.floor(bytes.length / 2);
  request.flushHeaders();
  request.write(bytes.subarray(0, half));
  return { request, answer, finish: () => request.end(bytes.subarray(half)) };
}

/** Fastify's request log lines for the slow creates: proof the server has routed them. */
function countIncoming(stdout: string): number {
  return stdout
    .split('\n')
    .filter(
      (line) =>
        line.includes('incoming request') &&
        line.includes('"method":"POST"') &&
        line.includes('"url":"/api/v1/customer"'),
    ).length;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(50);
  }
}

/** GET /healthz on a new connection: its status, 'refused', or 'timeout'. */
function probe(port: number): Promise<number | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('timeout', () => {
      resolve('timeout');
      request.destroy();
    });
    request.on('error', () => resolve('refused'));
    request.end();
  });
}

afterEach(async () => {
  await killAllServers();
  await cleanupTempDirs();
}, PROCESS_TIMEOUT_MS);

describe('SIGTERM with requests in flight', { timeout: PROCESS_TIMEOUT_MS }, () => {
  // A client that keeps its connections open, as HTTP clients do (undici honours the server's
  // Keep-Alive hint of 72 s): the server must not wait for the client to hang up.
  let agent: Agent;
  beforeEach(() => {
    agent = new Agent({ keepAlive: true, maxSockets: 16 });
  }, PROCESS_TIMEOUT_MS);
  afterEach(() => agent.destroy());

  it('finishes every in-flight request with 2xx and exits 0 in time', async () => {
    const dir = await makeTempDir();
    const port = await freePort();
    const env = {
      ...sqliteEnv(dir, port),
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
    };
    const credentials = await createBusinessWithCli(env, dir);
    const server = await startServer({ cwd: dir, env, port });
    const token = await loginOverHttp(server.baseUrl, credentials);

    const bodies = Array.from({ length: 6 }, () => seedCustomerBody());
    const inFlight = bodies.map((body) =>
      slowPost(
        agent,
        port,
        '/api/v1/customer',
        { authorization: `Bearer ${token}`, 'idempotency-key': `shutdown-${randomUUID()}` },
        JSON.stringify(body),
      ),
    );
    const answers = Promise.all(inFlight.map((r) => r.answer));
    // Let the server route every request (its headers and half its body) before the signal: its
    // request log shows it; on a server that logs differently, a generous pause stands in.
    await waitFor(() => countIncoming(server.stdout()) >= inFlight.length, 10_000);
    await sleep(200);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // It stops accepting: a new connection is refused, or answered 503.
    let late = 200 as number | 'refused' | 'timeout';
    await waitFor(async () => {
      late = await probe(port);
      return late !== 200 && late !== 'timeout';
    }, 10_000);
    expect(late === 'refused' || late === 503, `a request after SIGTERM answered ${late}`).toBe(
      true,
    );
    expect(server.child.exitCode, 'exited before its in-flight requests finished').toBeNull();

    // The in-flight requests now finish sending; they must all succeed.
    for (const r of inFlight) r.finish();
    const results = await answers;
    for (const result of results) {
      expect(result.status, result.body).toBe(201);
      expect(JSON.parse(result.body)).toMatchObject({ status: 'success', status_code: 201 });
    }

    const exit = await Promise.race([
      server.exited,
      sleep(SHUTDOWN_TIMEOUT_SECONDS * 1000 + 3000).then(() => 'still running' as const),
    ]);
    const elapsedMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsedMs).toBeLessThan(SHUTDOWN_TIMEOUT_SECONDS * 1000);

    // What was acknowledged during shutdown was committed before the database closed.
    const restarted = await startServer({ cwd: dir, env, port });
    const token2 = await loginOverHttp(restarted.baseUrl, credentials);
    for (const result of results) {
      const id = JSON.parse(result.body).data.customer_id as string;
      const response = await localFetch(`${restarted.baseUrl}/api/v1/customer/${id}`, {
        headers: { authorization: `Bearer ${token2}` },
      });
      expect(response.status).toBe(200);
    }
  });

  it('an idle server exits 0 promptly on SIGTERM, and on SIGINT', async () => {
    await Promise.all(
      (['SIGTERM', 'SIGINT'] as const).map(async (signal) => {
        const dir = await makeTempDir();
        const port = await freePort();
        const env = {
          ...sqliteEnv(dir, port),
          SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
        };
        const server = await startServer({ cwd: dir, env, port });
        // An idle keep-alive connection must not hold the shutdown up.
        expect((await localFetch(`${server.baseUrl}/healthz`)).status).toBe(200);
        const started = Date.now();
        const exit = await server.stop(signal);
        expect(exit, signal).toEqual({ code: 0, signal: null });
        expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_SECONDS * 1000);
      }),
    );
  });
});
