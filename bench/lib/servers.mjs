/** The two servers under load: the built Clientele, and the bare node:http reference. */
import { randomBytes } from 'node:crypto';
import { freePort, HOST, startProcess } from './processes.mjs';

/** Variables that would change what is measured if inherited from the caller's shell. */
const CLEARED = ['REDIS_URL', 'PUBLIC_BASE_URL', 'DATABASE_POOL_SIZE', 'NODE_OPTIONS'];

/**
 * `node dist/bundle/main.js serve` (the program as shipped) on the dataset's database; resolves when it prints
 * "Clientele listening on".
 * @param {import('./datasets.mjs').Dataset} dataset
 * @param {Record<string, string>} [settings] more environment, e.g. LIST_CACHE_MB
 */
export async function startClientele(dataset, settings = {}) {
  const port = await freePort();
  const env = { ...process.env };
  for (const name of CLEARED) delete env[name];
  Object.assign(env, {
    DATABASE_URL: dataset.databaseUrl,
    PORT: String(port),
    HOST,
    LOG_LEVEL: 'warn',
    // The highest value config accepts: the limiter still runs, but never throttles the load.
    RATE_LIMIT_PER_MINUTE: '10000000',
    TOKEN_TTL_SECONDS: '86400',
    // Required on PostgreSQL; on SQLite they save writing a secrets file beside the database.
    JWT_SECRET: randomBytes(48).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...settings,
  });
  return startProcess({
    name: `Clientele (${dataset.name})`,
    args: ['dist/bundle/main.js', 'serve'],
    env,
    port,
    ready: /Clientele listening on/,
  });
}

/** bench/bare-server.mjs: a fixed JSON body of any size, by path. */
export async function startBare() {
  const port = await freePort();
  return startProcess({
    name: 'bare server',
    args: ['bench/bare-server.mjs'],
    env: { ...process.env, PORT: String(port), HOST },
    port,
    ready: /bare listening/,
  });
}
