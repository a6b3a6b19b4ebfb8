import { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../http/logger.js';
import { startPurgeJob } from '../jobs/purge-expired.js';
import { createKycService } from '../kyc/create-kyc-service.js';
import { KycJobRunner } from '../kyc/kyc-job-runner.js';
import { systemClock } from '../lib/clock.js';
import { DataCipher } from '../lib/encryption.js';
import { MemoryRateLimitStore } from '../lib/fixed-window-limiter.js';
import type { App } from '../routes/route-context.js';
import { RedisRateLimitStore } from '../storage/redis-rate-limit-store.js';
import { startWebhookDispatcher } from '../webhooks/start-dispatcher.js';
import { createDemoBusinessIfFirstRun } from './demo-business.js';
import { limitHeapGrowth } from './heap-growth.js';
import { resolveSecrets } from './local-secrets.js';
import { openMigratedStorage } from './open-storage.js';

/**
 * How long open connections get to finish after the signal: long enough for a busy keep-alive
 * client to get its current answer and leave, a small part of the shutdown budget.
 */
function drainGraceMs(shutdownTimeoutSeconds: number): number {
  return Math.min(2000, (shutdownTimeoutSeconds * 1000) / 4);
}

function openConnections(app: App): Promise<number> {
  return new Promise((resolve) =>
    app.server.getConnections((_error, count) => resolve(count ?? 0)),
  );
}

/**
 * Shutdown before `app.close()`: stop accepting new connections at once, but leave the open ones
 * alone — `http.Server.close()` would also destroy the idle ones, resetting a request a client is
 * sending on one at that moment. Every response now says `Connection: close`, so busy clients
 * leave after their current request; what is still open after the grace has been idle all along.
 */
async function drain(app: App, graceMs: number): Promise<void> {
  app.startDraining();
  Server.prototype.close.call(app.server);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await openConnections(app)) > 0) await sleep(25);
}

/**
 * Runs the API until SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish, closes
 * the database and exits 0 — or exits 1 if that takes longer than SHUTDOWN_TIMEOUT_SECONDS.
 */
export async function serve(config: Readonly<Config>): Promise<void> {
  limitHeapGrowth();
  const logger = createLogger(config.logLevel);
  const storage = await openMigratedStorage(config);
  const secrets = resolveSecrets(config);
  const clock = systemClock;
  const rateLimitStore = config.redisUrl
    ? new RedisRateLimitStore(config.redisUrl)
    : new MemoryRateLimitStore();
  const demo = await createDemoBusinessIfFirstRun(config, storage, clock, secrets);
  const app = await buildApp({ config, storage, clock, logger, secrets, rateLimitStore });
  await app.listen({ port: config.port, host: config.host });
  const stopPurge = startPurgeJob(storage, clock, logger);
  const dispatcher = startWebhookDispatcher(
    config,
    storage,
    clock,
    logger,
    new DataCipher(secrets.dataEncryptionKey),
  );
  const kycJobs = new KycJobRunner(
    storage,
    clock,
    createKycService(config, clock, new DataCipher(secrets.dataEncryptionKey)),
    logger,
  );
  kycJobs.start();
  if (demo) process.stdout.write(`${demo}\n`);
  process.stdout.write(
    `Clientele listening on ${config.publicBaseUrl} (docs: ${config.publicBaseUrl}/docs)\n`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    deadline.unref();
    stopPurge();
    drain(app, drainGraceMs(config.shutdownTimeoutSeconds))
      .then(() => Promise.all([app.close(), dispatcher.stop(), kycJobs.stop()]))
      .then(() => Promise.all([storage.close(), rateLimitStore.close()]))
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
