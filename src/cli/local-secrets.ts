import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppSecrets } from '../app.js';
import type { Config } from '../config.js';

interface StoredSecrets {
  jwt_secret: string;
  data_encryption_key: string;
}

function newSecrets(): StoredSecrets {
  return {
    jwt_secret: randomBytes(48).toString('base64url'),
    data_encryption_key: randomBytes(32).toString('base64'),
  };
}

/**
 * JWT_SECRET and DATA_ENCRYPTION_KEY from the environment, or — on SQLite only — made once and
 * kept (mode 0600) beside the database, so the embedded default needs no setup and its tokens and
 * encrypted documents survive restarts. Postgres requires both in the environment (config.ts).
 */
export function resolveSecrets(config: Readonly<Config>): AppSecrets {
  let stored: StoredSecrets | undefined;
  if (!config.jwtSecret || !config.dataEncryptionKey) {
    if (config.database.engine !== 'sqlite')
      throw new Error('JWT_SECRET and DATA_ENCRYPTION_KEY are required');
    stored =
      config.database.path === ':memory:' ? newSecrets() : loadOrCreate(config.database.path);
  }
  return {
    jwtSecret: config.jwtSecret ?? (stored as StoredSecrets).jwt_secret,
    dataEncryptionKey:
      config.dataEncryptionKey ??
      Buffer.from((stored as StoredSecrets).data_encryption_key, 'base64'),
  };
}

function loadOrCreate(databasePath: string): StoredSecrets {
  const file = join(dirname(databasePath), 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets;
  mkdirSync(dirname(file), { recursive: true });
  const secrets = newSecrets();
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return secrets;
}
