/**
 * When a failed delivery is tried again: exponential backoff from 10 s, doubling, capped at
 * 12 h, each delay jittered by ±25 % so that many deliveries failing together (an endpoint
 * down) do not come back together. No retry is scheduled more than 3 days after the delivery
 * was created: it is then marked failed (a manual retry can still send it).
 */
export const RETRY_BASE_MS = 10_000;
export const RETRY_CAP_MS = 12 * 60 * 60 * 1000;
export const RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
export const JITTER = 0.25;

/** Source of jitter in [0, 1); tests inject a fixed one. */
export type Random = () => number;

/** The delay after the `attempts`-th failed attempt (1 = the first attempt failed). */
export function retryDelayMs(attempts: number, random: Random): number {
  const exponential = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 - JITTER + 2 * JITTER * random()));
}

/** The next attempt's time, or null when the 3-day window is over and the delivery fails. */
export function nextRetryAt(
  createdAt: Date,
  now: Date,
  attempts: number,
  random: Random,
): Date | null {
  const next = new Date(now.getTime() + retryDelayMs(attempts, random));
  return next.getTime() - createdAt.getTime() > RETRY_WINDOW_MS ? null : next;
}
