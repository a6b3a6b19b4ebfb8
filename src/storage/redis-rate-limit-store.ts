import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { RateLimitStore, WindowCount } from '../lib/fixed-window-limiter.js';
import { StorageUnavailableError } from './errors.js';

/** For `ioredis`, loaded only when REDIS_URL is set: it is a tenth of the server's start-up. */
const requireOnDemand = createRequire(import.meta.url);

/**
 * Fixed windows in Redis, shared by every instance (SPEC §6). A window is one key named after its
 * index, incremented atomically and expiring with the window, so instances need no coordination
 * beyond roughly agreeing on the time.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;

  constructor(url: string) {
    const { Redis: RedisClient } = requireOnDemand('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, {
      // Fail within a second instead of holding requests behind a dead connection.
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      connectTimeout: 2000,
    });
    // Connection errors surface on each call; the client reconnects by itself.
    this.redis.on('error', () => {});
  }

  async increment(key: string, windowMs: number, nowMs: number): Promise<WindowCount> {
    const { name, resetAt } = this.window(key, windowMs, nowMs);
    try {
      const results = await this.redis
        .multi()
        .incr(name)
        .pexpire(name, windowMs * 2)
        .exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      return { count, resetAt };
    } catch (error) {
      throw new StorageUnavailableError(error);
    }
  }

  async peek(key: string, windowMs: number, nowMs: number): Promise<WindowCount> {
    const { name, resetAt } = this.window(key, windowMs, nowMs);
    try {
      return { count: Number((await this.redis.get(name)) ?? 0), resetAt };
    } catch (error) {
      throw new StorageUnavailableError(error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private window(key: string, windowMs: number, nowMs: number) {
    const index = Math.floor(nowMs / windowMs);
    return { name: `clientele:rl:${key}:${windowMs}:${index}`, resetAt: (index + 1) * windowMs };
  }
}
