import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimitStore } from '../lib/fixed-window-limiter.js';
import { principalOf } from './authenticate.js';

const WINDOW_MS = 60_000;

/** What spending one request of a business's budget answers. */
export interface BudgetSpent {
  /** Every authenticated response carries them, the refused ones too. */
  headers: {
    'x-ratelimit-limit': string;
    'x-ratelimit-remaining': string;
    'x-ratelimit-reset': string;
  };
  /** The 429 to answer instead, when the budget was already spent. */
  refusal: AppError | undefined;
}

/** Per-business request budget per minute (SPEC §6). */
export class RequestBudget {
  constructor(
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
    private readonly limitPerMinute: number,
  ) {}

  async spend(businessId: string): Promise<BudgetSpent> {
    const now = this.clock.now().getTime();
    const window = await this.store.increment(`requests:${businessId}`, WINDOW_MS, now);
    const limit = this.limitPerMinute;
    return {
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
        'x-ratelimit-reset': String(Math.ceil(window.resetAt / 1000)),
      },
      refusal:
        window.count > limit
          ? new AppError('rate_limited', 'Too many requests.', {
              retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
            })
          : undefined,
    };
  }
}

/** The budget as an onRequest hook; runs after authentication. */
export function createRateLimit(budget: RequestBudget) {
  return async function rateLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { headers, refusal } = await budget.spend(principalOf(request).businessId);
    reply.headers(headers);
    if (refusal) throw refusal;
  };
}
