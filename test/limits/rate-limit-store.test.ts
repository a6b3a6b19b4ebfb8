import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/lib/fixed-window-limiter.js';
import { RedisRateLimitStore } from '../../src/storage/redis-rate-limit-store.js';
import { skipReason, TEST_REDIS_URL } from '../helpers/databases.js';

/** Both stores count the same way: the rate limit and the login throttle rely on it. */
function rateLimitStoreContract(name: string, open: () => RateLimitStore): void {
  describe(`rate-limit store: ${name}`, () => {
    const stores: RateLimitStore[] = [];
    const fresh = () => {
      const store = open();
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });
    const key = () => `test-${randomBytes(6).toString('hex')}`;
    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;

    it('counts events in the current window and reports when it resets', async () => {
      const store = fresh();
      const k = key();
      expect(await store.peek(k, 60_000, windowStart + 10)).toEqual({
        count: 0,
        resetAt: windowStart + 60_000,
      });
      await store.increment(k, 60_000, windowStart + 10);
      expect(await store.increment(k, 60_000, windowStart + 20)).toEqual({
        count: 2,
        resetAt: windowStart + 60_000,
      });
      expect((await store.peek(k, 60_000, windowStart + 30)).count).toBe(2);
    });

    it('starts a new count in the next window and keeps keys apart', async () => {
      const store = fresh();
      const [a, b] = [key(), key()];
      await store.increment(a, 60_000, windowStart + 10);
      await store.increment(a, 60_000, windowStart + 10);
      expect((await store.increment(b, 60_000, windowStart + 10)).count).toBe(1);
      expect((await store.increment(a, 60_000, windowStart + 60_000)).count).toBe(1);
    });
  });
}

rateLimitStoreContract('memory', () => new MemoryRateLimitStore());

const redisSkip = skipReason('TEST_REDIS_URL');
// Skipped with the printed reason when TEST_REDIS_URL is unset (skipReason throws under CI).
describe.skipIf(redisSkip)('redis', () => {
  rateLimitStoreContract('redis', () => new RedisRateLimitStore(TEST_REDIS_URL as string));

  describe('rate-limit store: redis shared by two instances', () => {
    it('counts events from both instances together', async () => {
      const one = new RedisRateLimitStore(TEST_REDIS_URL as string);
      const two = new RedisRateLimitStore(TEST_REDIS_URL as string);
      try {
        const k = `shared-${randomBytes(6).toString('hex')}`;
        const now = Date.now();
        await one.increment(k, 60_000, now);
        await two.increment(k, 60_000, now);
        expect((await one.increment(k, 60_000, now)).count).toBe(3);
        expect((await two.peek(k, 60_000, now)).count).toBe(3);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });
  });
});
