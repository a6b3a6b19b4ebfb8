import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../test/helpers/storage-with.js';
import { FakeClock } from '../lib/clock.js';
import type { Storage } from '../storage/storage.js';
import { PURGE_BATCH, startPurgeJob } from './purge-expired.js';

const BUSINESS = '0190a6f4-0000-7000-8000-00000000000a';
const NOW = '2026-03-09T12:00:00.000000Z';
const EXPIRED = '2026-03-08T12:00:00.000000Z';
const LIVE = '2026-03-10T12:00:00.000000Z';

describe('the purge of expired records', () => {
  let storage: Storage;
  let stop: (() => void) | undefined;

  beforeEach(async () => {
    storage = memoryStorage();
    await storage.migrate();
  });
  afterEach(async () => {
    stop?.();
    await storage.close();
  });

  /** Starts the job and resolves with what it logged once its first purge is done. */
  async function purgeOnce(): Promise<unknown> {
    const purged = new Promise((resolve) => {
      const logger = { info: resolve, warn: resolve } as unknown as FastifyBaseLogger;
      stop = startPurgeJob(storage, new FakeClock(NOW), logger);
    });
    return purged;
  }

  it('deletes every expired record, in transactions of at most a batch, and keeps the rest', async () => {
    const expired = 2 * PURGE_BATCH + PURGE_BATCH / 2;
    for (let i = 0; i < expired; i++) {
      await storage.idempotency.tryInsert({
        businessId: BUSINESS,
        key: `expired-${i}`,
        fingerprint: 'f',
        responseStatus: 201,
        responseBody: 'sealed',
        createdAt: EXPIRED,
        expiresAt: EXPIRED,
      });
    }
    await storage.idempotency.tryInsert({
      businessId: BUSINESS,
      key: 'live',
      fingerprint: 'f',
      responseStatus: 201,
      responseBody: 'sealed',
      createdAt: NOW,
      expiresAt: LIVE,
    });
    await storage.tokens.insert({
      businessId: BUSINESS,
      jti: 'old',
      issuedAt: EXPIRED,
      expiresAt: EXPIRED,
      revokedAt: null,
    });
    const transactions = vi.spyOn(storage, 'transaction');

    expect(await purgeOnce()).toEqual({ keys: expired, tokens: 1 });
    // Three batches of keys (the last one short), then one of tokens.
    expect(transactions).toHaveBeenCalledTimes(4);
    expect(await storage.idempotency.deleteExpired(NOW, PURGE_BATCH)).toBe(0);
    expect(await storage.idempotency.find(BUSINESS, 'live', NOW)).toMatchObject({ key: 'live' });
  });
});
