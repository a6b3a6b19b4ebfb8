import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimitStore } from '../lib/fixed-window-limiter.js';
import { KeyedQueue } from '../lib/keyed-queue.js';

const WINDOW_MS = 15 * 60 * 1000;
/** Failed attempts allowed per account id, and per client address, in one window. */
const MAX_FAILURES_PER_ACCOUNT = 10;
const MAX_FAILURES_PER_ADDRESS = 30;

/**
 * Slows down secret guessing (SPEC §6): after too many failed attempts for one account id or from
 * one client address, further attempts are refused (even right ones) until the window ends.
 * Successful logins are never counted. Attempts for one account (and one address) are checked
 * one at a time in this process, so a burst of concurrent guesses cannot all pass the check
 * before their failures are counted, while a burst of right ones simply queues and succeeds.
 * With a shared (Redis) store, each instance adds at most one unchecked attempt.
 */
export class LoginThrottle {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `attempt` (true = the credentials were right) unless either budget is spent
   * (rate_limited), and counts it when it fails.
   */
  guard(
    accountId: string,
    clientAddress: string,
    attempt: () => Promise<boolean>,
  ): Promise<boolean> {
    const keys = [`login-failures:account:${accountId}`, `login-failures:address:${clientAddress}`];
    return this.queue.run(keys[0]!, () =>
      this.queue.run(keys[1]!, async () => {
        await this.refuseIfSpent(keys);
        const succeeded = await attempt();
        if (!succeeded) {
          const now = this.clock.now().getTime();
          await Promise.all(keys.map((key) => this.store.increment(key, WINDOW_MS, now)));
        }
        return succeeded;
      }),
    );
  }

  private async refuseIfSpent(keys: string[]): Promise<void> {
    const now = this.clock.now().getTime();
    const [account, address] = await Promise.all(
      keys.map((key) => this.store.peek(key, WINDOW_MS, now)),
    );
    const until = Math.max(
      account && account.count >= MAX_FAILURES_PER_ACCOUNT ? account.resetAt : 0,
      address && address.count >= MAX_FAILURES_PER_ADDRESS ? address.resetAt : 0,
    );
    if (until > 0) {
      throw new AppError('rate_limited', 'Too many failed attempts. Try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
      });
    }
  }
}
