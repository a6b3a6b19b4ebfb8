import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimitStore } from '../lib/fixed-window-limiter.js';
import { principalOf } from './authenticate.js';

const WINDOW_MS = 60_000;

/**
 * Per-business request budget per minute (SPEC §6). Runs after authentication; every
 * authenticated response carries the budget's headers, the refused ones too.
 */
export function createRateLimit(store: RateLimitStore, clock: Clock, limitPerMinute: number) {
  return async function rateLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { businessId } = principalOf(request);
    const now = clock.now().getTime();
    const window = await store.increment(`requests:${businessId}`, WINDOW_MS, now);
    reply.header('x-ratelimit-limit', String(limitPerMinute));
    reply.header('x-ratelimit-remaining', String(Math.max(0, limitPerMinute - window.count)));
    reply.header('x-ratelimit-reset', String(Math.ceil(window.resetAt / 1000)));
    if (window.count > limitPerMinute) {
      throw new AppError('rate_limited', 'Too many requests.', {
        retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
      });
    }
  };
}
