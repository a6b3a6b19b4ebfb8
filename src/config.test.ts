import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl } from './config.js';

const HEX_KEY = 'ab'.repeat(32);
const JWT_SECRET = 's'.repeat(32);
const POSTGRES = 'postgres://clientele:pw@db.internal:5432/clientele';

/** Runs loadConfig and returns the ConfigError it throws, failing when it throws nothing else. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('defaults (SPEC §8)', () => {
  it('applies every documented default to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      database: { engine: 'sqlite', path: './data/clientele.db' },
      databaseIsDefault: true,
      publicBaseUrl: 'http://127.0.0.1:3000',
      jwtSecret: undefined,
      tokenTtlSeconds: 600,
      idempotencyTtlSeconds: 86_400,
      rateLimitPerMinute: 600,
      redisUrl: undefined,
      dataEncryptionKey: undefined,
      logLevel: 'info',
      shutdownTimeoutSeconds: 10,
      bodyLimitBytes: 1024 * 1024,
      listCacheMegabytes: 32,
      kycProvider: 'sandbox',
      kycSandboxDelaySeconds: 5,
    });
  });

  it('reads the KYC provider settings', () => {
    expect(loadConfig({ KYC_PROVIDER: 'sandbox', KYC_SANDBOX_DELAY_SECONDS: '0' })).toMatchObject({
      kycProvider: 'sandbox',
      kycSandboxDelaySeconds: 0,
    });
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('derives PUBLIC_BASE_URL from HOST and PORT, bracketing IPv6 hosts', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicBaseUrl).toBe('http://0.0.0.0:8080');
    expect(loadConfig({ HOST: '::1', PORT: '8080' }).publicBaseUrl).toBe('http://[::1]:8080');
  });

  it('does not read process.env when an environment is given', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4567';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe('accepted values', () => {
  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8443',
      HOST: '0.0.0.0',
      DATABASE_URL: 'sqlite:/var/lib/clientele/db.sqlite',
      PUBLIC_BASE_URL: 'https://api.example.com/',
      JWT_SECRET,
      TOKEN_TTL_SECONDS: '900',
      IDEMPOTENCY_TTL_SECONDS: '3600',
      RATE_LIMIT_PER_MINUTE: '1200',
      REDIS_URL: 'redis://cache:6379',
      DATA_ENCRYPTION_KEY: HEX_KEY,
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_SECONDS: '30',
    });
    expect(config).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      database: { engine: 'sqlite', path: '/var/lib/clientele/db.sqlite' },
      databaseIsDefault: false,
      publicBaseUrl: 'https://api.example.com',
      jwtSecret: JWT_SECRET,
      tokenTtlSeconds: 900,
      idempotencyTtlSeconds: 3600,
      rateLimitPerMinute: 1200,
      redisUrl: 'redis://cache:6379',
      logLevel: 'debug',
      shutdownTimeoutSeconds: 30,
    });
    expect(config.dataEncryptionKey).toEqual(Buffer.from(HEX_KEY, 'hex'));
  });

  it('accepts the data encryption key as 64 hex characters or as base64 of 32 bytes', () => {
    const bytes = Buffer.from(HEX_KEY, 'hex');
    expect(loadConfig({ DATA_ENCRYPTION_KEY: HEX_KEY }).dataEncryptionKey).toEqual(bytes);
    expect(loadConfig({ DATA_ENCRYPTION_KEY: bytes.toString('base64') }).dataEncryptionKey).toEqual(
      bytes,
    );
  });

  it('parses the three DATABASE_URL forms', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ engine: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('sqlite:./data/x.db')).toEqual({
      engine: 'sqlite',
      path: './data/x.db',
    });
    expect(parseDatabaseUrl(POSTGRES)).toEqual({ engine: 'postgres', url: POSTGRES });
    expect(parseDatabaseUrl('postgresql://h/db')).toEqual({
      engine: 'postgres',
      url: 'postgresql://h/db',
    });
  });

  it('runs on postgres once JWT_SECRET and DATA_ENCRYPTION_KEY are both set', () => {
    const config = loadConfig({
      DATABASE_URL: POSTGRES,
      JWT_SECRET,
      DATA_ENCRYPTION_KEY: HEX_KEY,
    });
    expect(config.database).toEqual({ engine: 'postgres', url: POSTGRES });
    expect(config.databaseIsDefault).toBe(false);
  });

  it('accepts every documented log level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  it('accepts the range boundaries of PORT', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });
});

describe('bad values stop the start with a ConfigError naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', '0x50'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'sqlite:'],
    ['DATABASE_URL', './data/clientele.db'],
    ['DATABASE_URL', 'postgres://exa mple/db'],
    ['PUBLIC_BASE_URL', 'not a url'],
    ['PUBLIC_BASE_URL', 'ftp://files.example.com'],
    ['JWT_SECRET', 'short'],
    ['TOKEN_TTL_SECONDS', 'ten'],
    ['TOKEN_TTL_SECONDS', '0'],
    ['TOKEN_TTL_SECONDS', '-600'],
    ['IDEMPOTENCY_TTL_SECONDS', 'forever'],
    ['IDEMPOTENCY_TTL_SECONDS', '0'],
    ['IDEMPOTENCY_TTL_SECONDS', '86400.5'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['DATA_ENCRYPTION_KEY', 'ab'.repeat(16)],
    ['DATA_ENCRYPTION_KEY', 'ab'.repeat(33)],
    ['DATA_ENCRYPTION_KEY', 'not-a-key'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_LEVEL', 'INFO!'],
    ['SHUTDOWN_TIMEOUT_SECONDS', 'soon'],
    ['SHUTDOWN_TIMEOUT_SECONDS', '0'],
    ['KYC_PROVIDER', 'acme-kyc'],
    ['KYC_SANDBOX_DELAY_SECONDS', 'soon'],
    ['KYC_SANDBOX_DELAY_SECONDS', '-1'],
  ])('%s=%j', (name, value) => {
    expect(configError({ [name]: value }).message).toContain(name);
  });

  it('does not echo a rejected secret in the message', () => {
    const jwt = 'tooShortButSecret';
    expect(configError({ JWT_SECRET: jwt }).message).not.toContain(jwt);
    const key = 'c2VjcmV0LWJ1dC13cm9uZy1sZW5ndGg=';
    expect(configError({ DATA_ENCRYPTION_KEY: key }).message).not.toContain(key);
  });
});

describe('postgres needs its secrets from the environment', () => {
  it('refuses postgres without JWT_SECRET, naming it', () => {
    const error = configError({ DATABASE_URL: POSTGRES, DATA_ENCRYPTION_KEY: HEX_KEY });
    expect(error.message).toContain('JWT_SECRET');
  });

  it('refuses postgres without DATA_ENCRYPTION_KEY, naming it', () => {
    const error = configError({ DATABASE_URL: POSTGRES, JWT_SECRET });
    expect(error.message).toContain('DATA_ENCRYPTION_KEY');
  });

  it('refuses postgres with neither', () => {
    expect(configError({ DATABASE_URL: POSTGRES }).message).toMatch(
      /JWT_SECRET|DATA_ENCRYPTION_KEY/,
    );
  });

  it('lets SQLite start without either (they are made and kept in the data folder)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:./data/x.db' })).not.toThrow();
  });
});
