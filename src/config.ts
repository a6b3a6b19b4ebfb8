import { KYC_PROVIDER_NAMES, type KycProviderName } from './kyc/providers/names.js';

/**
 * The only reader of process.env. Every variable is read and validated once at start; a bad
 * value stops the process with a message naming the variable.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type DatabaseTarget =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; url: string };

export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  /** True when DATABASE_URL was not set: the embedded default, where first-run conveniences apply. */
  databaseIsDefault: boolean;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  publicBaseUrl: string;
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  idempotencyTtlSeconds: number;
  rateLimitPerMinute: number;
  redisUrl: string | undefined;
  dataEncryptionKey: Buffer | undefined;
  logLevel: LogLevel;
  shutdownTimeoutSeconds: number;
  bodyLimitBytes: number;
  /** Memory for list pages kept between requests (routes/customers/list-customers.ts); 0: none. */
  listCacheMegabytes: number;
  /** Rows of the hottest reads kept in memory on SQLite (storage/read-cache.ts); 0: none. */
  readCacheRows: number;
  /** Lets webhook endpoints be http and on loopback/private networks: development and tests. */
  webhookAllowPrivateNetworks: boolean;
  /** Which KYC provider verifies submissions (SPEC §10). */
  kycProvider: KycProviderName;
  /** How long after a submission the sandbox provider decides. */
  kycSandboxDelaySeconds: number;
}

export class ConfigError extends Error {}

const DEFAULT_DATABASE_URL = 'sqlite:./data/clientele.db';
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

export function parseDatabaseUrl(raw: string, name = 'DATABASE_URL'): DatabaseTarget {
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length);
    if (path === '') throw new ConfigError(`${name} needs a path after "sqlite:"`);
    return { engine: 'sqlite', path };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`${name} is not a valid postgres:// URL`);
    }
    return { engine: 'postgres', url: raw };
  }
  // Only the scheme is echoed: a mistyped URL may carry a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(raw)?.[0] ?? 'no scheme';
  throw new ConfigError(`${name} must start with sqlite: or postgres:// (got ${scheme})`);
}

function encryptionKey(env: Env): Buffer | undefined {
  const raw = env.DATA_ENCRYPTION_KEY;
  if (raw === undefined || raw === '') return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('DATA_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  }
  return key;
}

function jwtSecret(env: Env): string | undefined {
  const raw = env.JWT_SECRET;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  return raw;
}

function kycProvider(env: Env): KycProviderName {
  const raw = env.KYC_PROVIDER || 'sandbox';
  if (!(KYC_PROVIDER_NAMES as readonly string[]).includes(raw)) {
    throw new ConfigError(`KYC_PROVIDER must be one of ${KYC_PROVIDER_NAMES.join(', ')}`);
  }
  return raw as KycProviderName;
}

function publicBaseUrl(env: Env, host: string, port: number): string {
  const raw = env.PUBLIC_BASE_URL;
  if (raw === undefined || raw === '') {
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return `http://${shownHost}:${port}`;
  }
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL must be an http(s) URL (got "${raw}")`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const databaseIsDefault = !env.DATABASE_URL;
  const database = parseDatabaseUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL);
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const config: Config = {
    port,
    host,
    database,
    databaseIsDefault,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseStatementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    publicBaseUrl: publicBaseUrl(env, host, port),
    jwtSecret: jwtSecret(env),
    tokenTtlSeconds: integer(env, 'TOKEN_TTL_SECONDS', 600, 10, 86_400 * 30),
    idempotencyTtlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400, 60, 86_400 * 30),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    redisUrl: env.REDIS_URL || undefined,
    dataEncryptionKey: encryptionKey(env),
    logLevel,
    shutdownTimeoutSeconds: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 3600),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    listCacheMegabytes: integer(env, 'LIST_CACHE_MB', 32, 0, 4096),
    readCacheRows: integer(env, 'READ_CACHE_ROWS', 10_000, 0, 1_000_000),
    webhookAllowPrivateNetworks: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    kycProvider: kycProvider(env),
    kycSandboxDelaySeconds: integer(env, 'KYC_SANDBOX_DELAY_SECONDS', 5, 0, 86_400),
  };
  if (database.engine === 'postgres') {
    if (!config.jwtSecret)
      throw new ConfigError('JWT_SECRET is required with a postgres DATABASE_URL');
    if (!config.dataEncryptionKey) {
      throw new ConfigError('DATA_ENCRYPTION_KEY is required with a postgres DATABASE_URL');
    }
  }
  return Object.freeze(config);
}
