import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  cleanupTempDirs,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  runCli,
  type ServerProcess,
  sqliteEnv,
  startServer,
} from './server-process.js';

/** The operator CLI (SPEC §8), run as the built program. */

function parseSingleJson(stdout: string): unknown {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  expect(lines, `stdout should be exactly one JSON line:\n${stdout}`).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

async function loginStatus(baseUrl: string, accountId: string, appSecret: string) {
  const response = await localFetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: accountId, app_secret: appSecret }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data: { code?: string } },
  };
}

describe('business commands', { timeout: PROCESS_TIMEOUT_MS }, () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  /** The business the first test creates; later tests use it. */
  let acme: { account_id: string; app_secret: string };

  beforeAll(async () => {
    dir = await makeTempDir();
    const port = await freePort();
    env = sqliteEnv(dir, port);
    server = await startServer({ cwd: dir, env, port });
  }, PROCESS_TIMEOUT_MS);

  afterAll(async () => {
    await killAllServers();
    await cleanupTempDirs();
  }, PROCESS_TIMEOUT_MS);

  it('business create --json prints one JSON object with account_id and app_secret', async () => {
    const result = await runCli(
      ['business', 'create', '--name', 'Acme Payments', '--email', 'ops@acme.example', '--json'],
      { env, cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const created = parseSingleJson(result.stdout) as Record<string, unknown>;
    expect(created).toEqual(
      expect.objectContaining({ account_id: expect.any(String), app_secret: expect.any(String) }),
    );
    expect(String(created.account_id).length).toBeGreaterThan(0);
    expect(String(created.app_secret).length).toBeGreaterThanOrEqual(32);
    acme = { account_id: String(created.account_id), app_secret: String(created.app_secret) };
    // The printed pair works against the running server.
    const login = await loginStatus(
      server.baseUrl,
      String(created.account_id),
      String(created.app_secret),
    );
    expect(login.status).toBe(200);
  });

  it('business list --json lists businesses and never a secret or a hash', async () => {
    const created = acme;
    const result = await runCli(['business', 'list', '--json'], { env, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const rows = parseSingleJson(result.stdout) as Array<Record<string, unknown>>;
    expect(Array.isArray(rows)).toBe(true);
    const row = rows.find((r) => r.account_id === created.account_id);
    expect(row).toBeDefined();
    expect(row).toMatchObject({ name: 'Acme Payments', email: 'ops@acme.example' });

    expect(result.stdout).not.toContain(created.app_secret!);
    const keys = new Set<string>();
    const collect = (value: unknown) => {
      if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          keys.add(key);
          collect(inner);
        }
      }
    };
    collect(rows);
    for (const key of keys) expect(key).not.toMatch(/secret|hash|password|salt/i);
    // Nor anything that looks like a stored hash (hex/base64 digests, scrypt/argon/bcrypt strings).
    expect(result.stdout).not.toContain(
      createHash('sha256').update(created.app_secret).digest('hex'),
    );
    expect(result.stdout).not.toMatch(/\$(argon2|scrypt|2[aby])\$|[0-9a-f]{64}/i);
  });

  it('business rotate-secret --json gives a new secret; the old one and its tokens stop working', async () => {
    const created = acme;
    const oldToken = await loginOverHttp(server.baseUrl, {
      account_id: created.account_id!,
      app_secret: created.app_secret!,
    });
    const before = await localFetch(`${server.baseUrl}/api/v1/customer`, {
      headers: { authorization: `Bearer ${oldToken}` },
    });
    expect(before.status).toBe(200);

    const result = await runCli(
      ['business', 'rotate-secret', '--account-id', created.account_id!, '--json'],
      { env, cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const rotated = parseSingleJson(result.stdout) as Record<string, string>;
    expect(rotated.account_id).toBe(created.account_id);
    expect(typeof rotated.app_secret).toBe('string');
    expect(rotated.app_secret).not.toBe(created.app_secret);

    const oldLogin = await loginStatus(server.baseUrl, created.account_id!, created.app_secret!);
    expect(oldLogin.status).toBe(401);
    expect(oldLogin.body.data.code).toBe('invalid_credentials');
    const newLogin = await loginStatus(server.baseUrl, created.account_id!, rotated.app_secret!);
    expect(newLogin.status).toBe(200);

    const after = await localFetch(`${server.baseUrl}/api/v1/customer`, {
      headers: { authorization: `Bearer ${oldToken}` },
    });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { data: { code: string } }).data.code).toBe('unauthenticated');
  });

  it('usage errors exit non-zero with a message and print nothing on stdout', async () => {
    const [unknownAccount, missingEmail] = await Promise.all([
      runCli(['business', 'rotate-secret', '--account-id', 'no-such-account', '--json'], {
        env,
        cwd: dir,
      }),
      runCli(['business', 'create', '--name', 'X', '--json'], { env, cwd: dir }),
    ]);
    expect(unknownAccount.code).not.toBe(0);
    expect(unknownAccount.stderr).toMatch(/no-such-account|not found/i);
    expect(unknownAccount.stdout).toBe('');
    expect(missingEmail.code).not.toBe(0);
    expect(missingEmail.stderr).toMatch(/--email/);
    expect(missingEmail.stdout).toBe('');
  });
});

describe('configuration errors', { timeout: PROCESS_TIMEOUT_MS }, () => {
  afterEach(async () => {
    await killAllServers();
    await cleanupTempDirs();
  }, PROCESS_TIMEOUT_MS);

  async function serveWith(variable: string, value: string) {
    const dir = await makeTempDir();
    const env = { ...sqliteEnv(dir, await freePort()), [variable]: value };
    return runCli(['serve'], { env, cwd: dir, timeoutMs: 15_000 });
  }

  function expectStoppedNaming(result: CliResult, variable: string) {
    expect(result.code, `${variable}: ${result.stderr}`).not.toBe(0);
    expect(result.code, `${variable} should exit, not be killed`).not.toBeNull();
    expect(result.stderr).toContain(variable);
    expect(result.stdout).not.toContain('Clientele listening on');
  }

  it('PORT=abc stops serve with a message naming PORT', async () => {
    expectStoppedNaming(await serveWith('PORT', 'abc'), 'PORT');
  });

  it('other bad values stop serve naming their variable, and stop the CLI commands too', async () => {
    const cases = [
      ['DATABASE_URL', 'mysql://localhost/x'],
      ['TOKEN_TTL_SECONDS', '-5'],
    ] as const;
    const dir = await makeTempDir();
    const [list, ...results] = await Promise.all([
      runCli(['business', 'list', '--json'], {
        env: { ...sqliteEnv(dir, 1), PORT: 'abc' },
        cwd: dir,
      }),
      ...cases.map(([variable, value]) => serveWith(variable, value)),
    ]);
    expectStoppedNaming(list!, 'PORT');
    cases.forEach(([variable], i) => {
      expectStoppedNaming(results[i]!, variable);
    });
  });
});

describe('migrate', { timeout: PROCESS_TIMEOUT_MS }, () => {
  afterEach(async () => {
    await cleanupTempDirs();
  }, PROCESS_TIMEOUT_MS);

  it('creates the schema on a fresh database, and is a no-op the second time', async () => {
    const dir = await makeTempDir();
    const env = sqliteEnv(dir, 3000);
    const databaseFile = join(dir, 'db.sqlite');
    expect(existsSync(databaseFile)).toBe(false);

    const first = await runCli(['migrate'], { env, cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(databaseFile)).toBe(true);

    const db = new Database(databaseFile, { readonly: true });
    try {
      const tables = (
        db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{
          name: string;
        }>
      ).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['businesses', 'customers']));
      const applied = db.prepare('select count(*) as n from kysely_migration').get() as {
        n: number;
      };
      expect(applied.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }

    const second = await runCli(['migrate'], { env, cwd: dir });
    expect(second.code, second.stderr).toBe(0);
  });
});
