import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../http/logger.js';
import { startPurgeJob } from '../jobs/purge-expired.js';
import { createKycService } from '../kyc/create-kyc-service.js';
import { KycJobRunner } from '../kyc/kyc-job-runner.js';
import { systemClock } from '../lib/clock.js';
import { DataCipher } from '../lib/encryption.js';
import { MemoryRateLimitStore } from '../lib/fixed-window-limiter.js';
import { RedisRateLimitStore } from '../storage/redis-rate-limit-store.js';
import { startWebhookDispatcher } from '../webhooks/start-dispatcher.js';
import { createDemoBusinessIfFirstRun } from './demo-business.js';
import { resolveSecrets } from './local-secrets.js';
import { openMigratedStorage } from './open-storage.js';

/**
 * Runs the API until SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish, closes
 * the database and exits 0 — or exits 1 if that takes longer than SHUTDOWN_TIMEOUT_SECONDS.
 */
export async function serve(config: Readonly<Config>): Promise<void> {
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
    Promise.all([app.close(), dispatcher.stop(), kycJobs.stop()])
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
