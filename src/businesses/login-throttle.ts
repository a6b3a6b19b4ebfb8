import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimitStore } from '../lib/fixed-window-limiter.js';

const WINDOW_MS = 15 * 60 * 1000;
/** Failures allowed per account id, and per client address, in one window. */
const MAX_FAILURES_PER_ACCOUNT = 10;
const MAX_FAILURES_PER_ADDRESS = 30;

/**
 * Slows down secret guessing: after too many failed attempts for one account id or from one
 * client address, further attempts are refused (even right ones) until the window ends.
 */
export class LoginThrottle {
  constructor(
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Throws rate_limited when either key is over its budget. */
  async check(accountId: string, clientAddress: string): Promise<void> {
    const now = this.clock.now().getTime();
    const [account, address] = await Promise.all([
      this.store.peek(this.accountKey(accountId), WINDOW_MS, now),
      this.store.peek(this.addressKey(clientAddress), WINDOW_MS, now),
    ]);
    const blocked = [
      account.count >= MAX_FAILURES_PER_ACCOUNT ? account.resetAt : 0,
      address.count >= MAX_FAILURES_PER_ADDRESS ? address.resetAt : 0,
    ];
    const until = Math.max(...blocked);
    if (until > 0) {
      throw new AppError('rate_limited', 'Too many failed attempts. Try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
      });
    }
  }

  async recordFailure(accountId: string, clientAddress: string): Promise<void> {
    const now = this.clock.now().getTime();
    await Promise.all([
      this.store.increment(this.accountKey(accountId), WINDOW_MS, now),
      this.store.increment(this.addressKey(clientAddress), WINDOW_MS, now),
    ]);
  }

  private accountKey(accountId: string): string {
    return `login-failures:account:${accountId}`;
  }

  private addressKey(clientAddress: string): string {
    return `login-failures:address:${clientAddress}`;
  }
}
