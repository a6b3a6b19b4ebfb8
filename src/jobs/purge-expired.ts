import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { Storage } from '../storage/storage.js';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/** Deletes idempotency records past their TTL and expired tokens, now and every ten minutes. */
export function startPurgeJob(
  storage: Storage,
  clock: Clock,
  logger: FastifyBaseLogger,
): () => void {
  const purge = async () => {
    try {
      const now = toTimestamp(clock.now());
      const keys = await storage.idempotency.deleteExpired(now);
      const tokens = await storage.tokens.deleteExpired(now);
      if (keys + tokens > 0) logger.info({ keys, tokens }, 'purged expired records');
    } catch (error) {
      logger.warn({ err: error }, 'purge of expired records failed; will retry');
    }
  };
  void purge();
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
