import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostResolver } from '../../src/webhooks/address-guard.js';

/** One request a receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent: signatures are over these bytes. */
  body: string;
  json: {
    'event.type': string;
    event_id: string;
    created_at: string;
    payload: Record<string, unknown>;
  };
}

/** How the receiver answers a request: a status, after an optional delay, or never. */
export type Behaviour =
  | { status: number; delayMs?: number; headers?: Record<string, string> }
  | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 (a random port). `behave` decides each answer; it can be
 * changed between requests. Every request is recorded.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** TCP connections accepted, whether or not a request followed. */
  connections = 0;
  behave: (request: ReceivedWebhook, index: number) => Behaviour = () => ({ status: 200 });
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const request = { headers: req.headers, body, json: JSON.parse(body) };
        this.received.push(request);
        this.answer(res, this.behave(request, this.received.length - 1));
      });
    });
    this.server.on('connection', () => {
      this.connections += 1;
    });
  }

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server.listen(port, '127.0.0.1');
    await once(receiver.server, 'listening');
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests of one event type (a receiver also gets `webhook_updated` on registration). */
  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.json['event.type'] === type);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => {});
  }

  private answer(res: ServerResponse, behaviour: Behaviour): void {
    if (behaviour === 'hang') return;
    const send = () => {
      res.writeHead(behaviour.status, behaviour.headers).end('ok');
    };
    if (!behaviour.delayMs) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, behaviour.delayMs);
    this.timers.add(timer);
  }
}

/** Refuses to connect anywhere but loopback: if the SSRF guard let something through, the
 * test fails here, before a packet leaves the machine. */
export function assertLoopback(address: string): void {
  if (!/^127\./.test(address) && address !== '::1' && address !== '::ffff:127.0.0.1') {
    throw new Error(`test refused to connect to non-loopback address ${address}`);
  }
}

/** A resolver that knows only the names given, and never asks real DNS. */
export function fixedResolver(names: Record<string, string>): HostResolver {
  return async (hostname) => {
    const address = names[hostname];
    if (address === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
}

/** What createTestApp injects: one public-looking name (a documentation address, TEST-NET-3,
 * never connected to: no dispatcher delivers to it) and no real DNS at all. */
export const TEST_RESOLVER = fixedResolver({ 'hooks.example.com': '203.0.113.10' });
