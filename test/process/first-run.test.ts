import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  childEnv,
  cleanupTempDirs,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  runCli,
  startServer,
} from './server-process.js';

/**
 * First run on the embedded default (no DATABASE_URL: ./data/clientele.db under the working
 * directory): a demo business, its credentials printed once, and a curl line that works as pasted.
 */

afterEach(async () => {
  await killAllServers();
  await cleanupTempDirs();
}, PROCESS_TIMEOUT_MS);

/** Runs `command` with bash, as a user pasting it into a terminal would. */
function runInBash(
  command: string,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bash did not finish: ${command}`));
    }, 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function printedValue(stdout: string, name: string): string {
  const match = new RegExp(`${name}:\\s*(\\S+)`).exec(stdout);
  if (!match) throw new Error(`no "${name}:" in the server's output:\n${stdout}`);
  return match[1]!;
}

describe('first run on the embedded default', { timeout: PROCESS_TIMEOUT_MS }, () => {
  it('prints demo credentials and a curl line that works; a restart prints none and keeps them', async () => {
    const dir = await makeTempDir('clientele-first-run-');
    const port = await freePort();
    // No DATABASE_URL, no PUBLIC_BASE_URL: every default applies.
    const first = await startServer({
      cwd: dir,
      env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      port,
    });
    const output = first.stdout();
    expect(existsSync(join(dir, 'data', 'clientele.db'))).toBe(true);

    const accountId = printedValue(output, 'account_id');
    const appSecret = printedValue(output, 'app_secret');
    expect(appSecret.length).toBeGreaterThanOrEqual(32);

    const curlLines = output.split('\n').filter((line) => /\bcurl\b/.test(line));
    expect(curlLines, output).toHaveLength(1);
    const command = curlLines[0]!.trim();
    // Only run it if every address it names is this server on loopback.
    const urls = command.match(/https?:\/\/[^\s'"]+/g) ?? [];
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) expect(url.startsWith(`http://127.0.0.1:${port}/`), url).toBe(true);

    const pasted = await runInBash(command, dir);
    expect(pasted.code, pasted.stderr).toBe(0);
    const envelope = JSON.parse(pasted.stdout);
    expect(envelope).toMatchObject({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: {
        customer_id: expect.any(String),
        customer_name: 'Test Customer',
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
        customer_status: 'pending',
        can_create_vc: 0,
        can_create_va: 0,
      },
    });
    const demoCustomerId = envelope.data.customer_id as string;
    expect(command).toContain(`/api/v1/customer/${demoCustomerId}`);

    const firstExit = await first.stop('SIGTERM');
    expect(firstExit.code).toBe(0);

    const port2 = await freePort();
    const second = await startServer({
      cwd: dir,
      env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      port: port2,
    });
    const again = second.stdout();
    expect(again).not.toContain('app_secret');
    expect(again).not.toContain(appSecret);
    expect(again).not.toMatch(/demo business/i);
    expect(again).not.toMatch(/\bcurl\b/);

    const listed = await runCli(['business', 'list', '--json'], { cwd: dir, env: {} });
    expect(listed.code, listed.stderr).toBe(0);
    const businesses = JSON.parse(listed.stdout) as Array<{ account_id: string }>;
    expect(businesses.map((b) => b.account_id)).toEqual([accountId]);

    const token = await loginOverHttp(second.baseUrl, {
      account_id: accountId,
      app_secret: appSecret,
    });
    const retrieved = await localFetch(`${second.baseUrl}/api/v1/customer/${demoCustomerId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(retrieved.status).toBe(200);
    expect(((await retrieved.json()) as { data: { customer_id: string } }).data.customer_id).toBe(
      demoCustomerId,
    );
  });

  const postgresUrl = process.env.TEST_DATABASE_URL;
  if (!postgresUrl) {
    console.info('first-run Postgres check skipped: TEST_DATABASE_URL is not set');
  }
  it.skipIf(!postgresUrl)(
    'with a postgres DATABASE_URL, serve creates no demo business',
    async () => {
      // A schema of its own, so an empty database is guaranteed and nothing else is touched.
      const schema = `clientele_first_run_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      try {
        await admin.query(`create schema ${schema}`);
        const url = new URL(postgresUrl!);
        url.searchParams.set('options', `-c search_path=${schema}`);
        const env = {
          DATABASE_URL: url.toString(),
          JWT_SECRET: randomBytes(32).toString('hex'),
          DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
          LOG_LEVEL: 'warn',
        };
        const dir = await makeTempDir('clientele-pg-first-run-');
        const server = await startServer({ cwd: dir, env, port: await freePort() });
        expect(server.stdout()).not.toContain('app_secret');
        expect(server.stdout()).not.toMatch(/demo business/i);
        const tables = await admin.query(
          'select count(*)::int as n from information_schema.tables where table_schema = $1',
          [schema],
        );
        expect(tables.rows[0].n, 'migrations ran in the test schema').toBeGreaterThan(0);
        const businesses = await admin.query(`select count(*)::int as n from ${schema}.businesses`);
        expect(businesses.rows[0].n).toBe(0);
        expect(existsSync(join(dir, 'data'))).toBe(false);
        await server.stop('SIGTERM');
      } finally {
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
    },
  );
});
