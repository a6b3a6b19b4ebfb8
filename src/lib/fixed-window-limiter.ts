/**
 * Counts events per key in fixed windows. The interface is what every limiter (per process here,
 * shared through Redis elsewhere) offers to the rate limit and the login throttle.
 */
export interface WindowCount {
  count: number;
  /** Epoch milliseconds at which the current window ends. */
  resetAt: number;
}

export interface RateLimitStore {
  /** Adds one event to the key's current window and returns the window's count. */
  increment(key: string, windowMs: number, nowMs: number): Promise<WindowCount>;
  /** The key's current window without adding to it. */
  peek(key: string, windowMs: number, nowMs: number): Promise<WindowCount>;
  close(): Promise<void>;
}

/** Per-process windows; expired keys are swept as new windows begin so memory stays bounded. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, WindowCount>();
  private nextSweepAt = 0;

  async increment(key: string, windowMs: number, nowMs: number): Promise<WindowCount> {
    const window = this.current(key, windowMs, nowMs);
    window.count += 1;
    this.windows.set(key, window);
    return { ...window };
  }

  async peek(key: string, windowMs: number, nowMs: number): Promise<WindowCount> {
    return { ...this.current(key, windowMs, nowMs) };
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private current(key: string, windowMs: number, nowMs: number): WindowCount {
    if (nowMs >= this.nextSweepAt) this.sweep(nowMs, windowMs);
    const existing = this.windows.get(key);
    if (existing !== undefined && existing.resetAt > nowMs) return existing;
    return { count: 0, resetAt: (Math.floor(nowMs / windowMs) + 1) * windowMs };
  }

  private sweep(nowMs: number, windowMs: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt <= nowMs) this.windows.delete(key);
    }
    this.nextSweepAt = nowMs + windowMs;
  }
}
