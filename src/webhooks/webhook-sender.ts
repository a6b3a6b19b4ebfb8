import type { LookupAddress, LookupOptions } from 'node:dns';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Agent } from 'undici';
import { type HostResolver, hostOf, isForbiddenAddress } from './address-guard.js';

/** For `undici`, loaded with the first delivery: it is a sixth of the server's start-up. */
const requireOnDemand = createRequire(import.meta.url);
type Undici = typeof import('undici');

export const DELIVERY_TIMEOUT_MS = 5000;
/** A receiver's answer is read only this far: its body is never used. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SenderOptions {
  resolve: HostResolver;
  allowPrivateNetworks: boolean;
  /** 2xx within this time = delivered (SPEC: 5 s). */
  timeoutMs?: number;
  /**
   * Called with the exact address about to be connected to, after the guard passed it. Tests
   * use it to refuse anything but loopback, so a broken guard fails them without a packet sent.
   */
  beforeConnect?: (address: string) => void;
}

/** What one attempt came to: a response status, or an error and no status. */
export interface SendOutcome {
  status: number | null;
  error: string | null;
}

class RefusedAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * POSTs deliveries. The SSRF guard sits in the connection's DNS lookup, so the address checked
 * is the address connected to (no second resolution an attacker's DNS could answer differently);
 * hosts that are IP literals skip DNS and are checked before the request. Redirects are not
 * followed: a 3xx is a failed attempt.
 */
export class WebhookSender {
  private agent: Agent | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: SenderOptions) {
    this.timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  }

  private connections(): { agent: Agent; request: Undici['request'] } {
    const undici = requireOnDemand('undici') as Undici;
    this.agent ??= new undici.Agent({
      connect: { timeout: this.timeoutMs, lookup: this.lookup },
      keepAliveTimeout: 4000,
    });
    return { agent: this.agent, request: undici.request };
  }

  async send(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
    try {
      const host = hostOf(new URL(url));
      if (isIP(host)) this.admit(host);
      const { agent, request } = this.connections();
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Clientele-Webhooks/1',
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      await response.body.dump({ limit: MAX_RESPONSE_BYTES });
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { status, error: null };
      const error = status >= 300 && status < 400 ? 'redirect not followed' : `HTTP ${status}`;
      return { status, error };
    } catch (error) {
      return { status: null, error: this.describe(error) };
    }
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  private readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: LookupCallback,
  ): void => {
    this.options
      .resolve(hostname)
      .then((addresses) => {
        const first = addresses[0];
        if (!first) throw new Error(`${hostname} has no address`);
        // Every address must pass, not just the one used: a name that mixes public and
        // private addresses is refused outright.
        for (const { address } of addresses) this.admit(address);
        if (options.all) callback(null, [first]);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, ''));
  };

  private admit(address: string): void {
    if (!this.options.allowPrivateNetworks && isForbiddenAddress(address)) {
      throw new RefusedAddressError(`refused to connect to non-public address ${address}`);
    }
    this.options.beforeConnect?.(address);
  }

  private describe(error: unknown): string {
    if (error instanceof RefusedAddressError) return error.message;
    const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
    if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT') {
      return `timed out after ${this.timeoutMs} ms`;
    }
    if (e.code === 'UND_ERR_BODY_TIMEOUT') return `timed out after ${this.timeoutMs} ms`;
    if (e.cause instanceof RefusedAddressError) return e.cause.message;
    return [e.code, e.message].filter(Boolean).join(': ') || 'request failed';
  }
}
