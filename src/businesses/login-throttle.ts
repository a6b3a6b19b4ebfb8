import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimitStore } from '../lib/fixed-window-limiter.js';

const WINDOW_MS = 15 * 60 * 1000;
/** Failed (or still running) attempts allowed per account id, and per client address, in one window. */
const MAX_FAILURES_PER_ACCOUNT = 10;
const MAX_FAILURES_PER_ADDRESS = 30;

/** An attempt counted against both budgets; `succeeded` takes it back. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
}

/**
 * Slows down secret guessing: after too many failed attempts for one account id or from one
 * client address, further attempts are refused (even right ones) until the window ends.
 * Each attempt is counted BEFORE the secret is checked and taken back only if it succeeds, so a
 * burst of concurrent guesses cannot all pass the check before any failure is counted.
 */
export class LoginThrottle {
  constructor(
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Counts the attempt; throws rate_limited when either budget is spent. */
  async attempt(accountId: string, clientAddress: string): Promise<LoginAttempt> {
    const now = this.clock.now().getTime();
    const keys = [this.accountKey(accountId), this.addressKey(clientAddress)];
    const [account, address] = await Promise.all(
      keys.map((key) => this.store.increment(key, WINDOW_MS, now)),
    );
    const over = [
      account && account.count > MAX_FAILURES_PER_ACCOUNT ? account.resetAt : 0,
      address && address.count > MAX_FAILURES_PER_ADDRESS ? address.resetAt : 0,
    ];
    const until = Math.max(...over);
    if (until > 0) {
      throw new AppError('rate_limited', 'Too many failed attempts. Try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
      });
    }
    return {
      succeeded: async () => {
        await Promise.all(keys.map((key) => this.store.decrement(key, WINDOW_MS, now)));
      },
    };
  }

  private accountKey(accountId: string): string {
    return `login-failures:account:${accountId}`;
  }

  private addressKey(clientAddress: string): string {
    return `login-failures:address:${clientAddress}`;
  }
}
