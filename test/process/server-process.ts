import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the BUILT program as shipped (`node dist/bundle/main.js …`, what `npm start` and the
 * `clientele` command run) as a separate process, the way an operator would: its own environment
 * and working directory, a real TCP port on 127.0.0.1.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN_JS = join(REPO_ROOT, 'dist', 'bundle', 'main.js');

/**
 * Per test and hook: each spawns processes, and on a loaded two-core machine a cold start of the
 * program takes seconds. These bound hangs; they are not performance assertions.
 */
export const PROCESS_TIMEOUT_MS = 120_000;

/** Every variable Clientele's config reads: never inherited from the test runner's environment. */
const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'PUBLIC_BASE_URL',
  'JWT_SECRET',
  'TOKEN_TTL_SECONDS',
  'IDEMPOTENCY_TTL_SECONDS',
  'RATE_LIMIT_PER_MINUTE',
  'REDIS_URL',
  'DATA_ENCRYPTION_KEY',
  'LOG_LEVEL',
  'SHUTDOWN_TIMEOUT_SECONDS',
  'BODY_LIMIT_BYTES',
  'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
  'NODE_OPTIONS',
];

/** The parent's environment without any Clientele setting, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete base[name];
  for (const name of Object.keys(base)) if (name.startsWith('KYC_')) delete base[name];
  return { ...base, ...env };
}

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) {
    throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first (npm test does it)`);
  }
}

/** A port that was free a moment ago: the OS picks it for a listener on port 0, which we close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

const tempDirs: string[] = [];

/** A fresh directory under os.tmpdir(), removed by `cleanupTempDirs`. */
export async function makeTempDir(prefix = 'clientele-process-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  const dirs = tempDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bundle/main.js <args>` to completion. */
export function runCli(
  args: string[],
  options: { env: Record<string, string>; cwd: string; timeoutMs?: number },
): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
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
      reject(
        new Error(`clientele ${args.join(' ')} did not finish\nstdout:${stdout}\nstderr:${stderr}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** Everything the process has written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (at once if it already has). */
  readonly exited: Promise<Exit>;
  /** Sends `signal` (if still running) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<ServerProcess>();

export interface StartOptions {
  cwd: string;
  /** The child's Clientele settings; PORT and HOST are filled in when absent. */
  env?: Record<string, string>;
  port?: number;
  args?: string[];
  readyTimeoutMs?: number;
}

/**
 * Starts `node dist/bundle/main.js serve` (or `args`) and resolves once it prints "Clientele listening
 * on"; rejects with its output if it exits or stays silent first. Track-and-kill: every process
 * started here is killed by `killAllServers`.
 */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  assertBuilt();
  const port = options.port ?? Number(options.env?.PORT ?? (await freePort()));
  const env = { HOST: '127.0.0.1', ...options.env, PORT: String(port) };
  const child = spawn(process.execPath, [MAIN_JS, ...(options.args ?? ['serve'])], {
    cwd: options.cwd,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const server: ServerProcess = {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const exit = await exited;
      running.delete(server);
      return exit;
    },
  };
  running.add(server);
  void exited.then(() => running.delete(server));

  await new Promise<void>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    const describe = () => `\nstdout:\n${out}\nstderr:\n${err}`;
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(
        new Error(`server did not print "Clientele listening on" in ${timeoutMs} ms${describe()}`),
      );
    }, timeoutMs);
    const onData = () => {
      if (out.includes('Clientele listening on')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(
        new Error(`server exited (code ${code}, signal ${signal}) before listening${describe()}`),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
    onData();
  });
  return server;
}

/** Kills (SIGKILL) every server still running; for afterEach/afterAll, also after failures. */
export async function killAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop('SIGKILL')));
}

// A test runner that dies must not leave servers behind.
process.once('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
});

/** The env for a server or CLI on a SQLite file in `dir`. */
export function sqliteEnv(dir: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
  };
}

/** A fetch that refuses any address but 127.0.0.1. */
export function localFetch(url: string, init?: RequestInit): Promise<Response> {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`refusing non-loopback URL ${url}`);
  return fetch(url, init);
}

export interface Credentials {
  account_id: string;
  app_secret: string;
}

/** `business create --json` through the CLI. */
export async function createBusinessWithCli(
  env: Record<string, string>,
  cwd: string,
  name = 'Acme Payments',
  email = 'ops@acme.example',
): Promise<Credentials> {
  const result = await runCli(['business', 'create', '--name', name, '--email', email, '--json'], {
    env,
    cwd,
  });
  if (result.code !== 0) {
    throw new Error(`business create failed (${result.code}): ${result.stderr}${result.stdout}`);
  }
  return JSON.parse(result.stdout) as Credentials;
}

export async function loginOverHttp(baseUrl: string, credentials: Credentials): Promise<string> {
  const response = await localFetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account_id: credentials.account_id,
      app_secret: credentials.app_secret,
    }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${text}`);
  return (JSON.parse(text) as { data: { access_token: string } }).data.access_token;
}

let sequence = 0;

/** The seed's sample customer, with a distinct email per call unless given one. */
export function seedCustomerBody(email?: string): Record<string, unknown> {
  sequence += 1;
  return {
    customer_name: 'Test Customer',
    customer_email: email ?? `test.customer.${process.pid}.${sequence}@example.com`,
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
  };
}
