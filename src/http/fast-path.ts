import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { JSON_CONTENT_TYPE } from './envelope.js';
import { isLevelEnabled, lazyRequestLogger } from './logger.js';
import type { AppMetrics } from './metrics.js';
import { requestIdFor } from './request-id.js';
import { writeAtTurnEnd } from './turn-writes.js';

/**
 * Offered every request before Fastify. Returns false to leave the request to Fastify at once.
 * Returning true, it takes the request and must then either answer it (`FastRequest.send`) or
 * hand it to Fastify with `fallBack` — and may fall back only before it has done anything that
 * handling the request a second time would repeat (spending the rate limit, writing, logging).
 */
export type FastPath = (
  request: IncomingMessage,
  response: ServerResponse,
  fallBack: () => void,
) => boolean;

/** What Fastify passes a server factory: its handler and its resolved server options. */
type FastifyHandler = (request: IncomingMessage, response: ServerResponse) => void;
type FastifyServerOptions = Record<string, unknown>;

/**
 * Fastify's `serverFactory`: the HTTP/1 server Fastify would make itself, with the same timeouts
 * and limits (fastify/lib/server.js), except that each request is first offered to the fast
 * paths. `fastPaths` is read per request because they exist only once the routes do.
 */
export function serverWithFastPaths(fastPaths: () => readonly FastPath[]) {
  return (fastify: FastifyHandler, options: FastifyServerOptions): Server => {
    const server = createServer(
      (options.http ?? {}) as Parameters<typeof createServer>[0],
      (request, response) => {
        const fallBack = () => fastify(request, response);
        for (const fastPath of fastPaths()) {
          if (fastPath(request, response, fallBack)) return;
        }
        fallBack();
      },
    );
    server.keepAliveTimeout = options.keepAliveTimeout as number;
    server.requestTimeout = options.requestTimeout as number;
    server.setTimeout(options.connectionTimeout as number);
    const maxRequestsPerSocket = options.maxRequestsPerSocket as number;
    if (maxRequestsPerSocket > 0) server.maxRequestsPerSocket = maxRequestsPerSocket;
    return server;
  };
}

/** A response a fast path computed, before the headers every response gets. */
export interface FastAnswer {
  statusCode: number;
  /** A fresh object: the common headers are added to it. */
  headers: Record<string, string>;
  body: string | Buffer;
}

/** What every fast path shares: the app's logger and metrics, and whether shutdown began. */
export interface FastPathEnvironment {
  log: FastifyBaseLogger;
  metrics: AppMetrics;
  /** True once shutdown began: responses then ask keep-alive clients to leave (app.ts). */
  draining: () => boolean;
}

/**
 * One request a fast path took, answered as Fastify and the app's hooks would answer it: the
 * request id (`x-request-id`), the two request log lines at `info` (both written when the answer
 * is sent: until then the request may still fall back to Fastify, which logs its own),
 * `Connection: close` while draining, then the metrics under the Fastify route's pattern.
 */
export class FastRequest {
  readonly id: string;
  private readonly started = performance.now();
  private requestLog: FastifyBaseLogger | undefined;

  constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly route: string,
    private readonly environment: FastPathEnvironment,
  ) {
    this.id = requestIdFor(request);
  }

  /** The request's logger (bound to its id), built on first use. */
  get log(): FastifyBaseLogger {
    this.requestLog ??= lazyRequestLogger(this.environment.log, { reqId: this.id }, {});
    return this.requestLog;
  }

  /**
   * Answers the request at the end of this turn of the event loop, with the other answers
   * computed in it (`turn-writes.ts`). The request's time in the metrics runs until then.
   */
  send(answer: FastAnswer): void {
    writeAtTurnEnd(() => {
      try {
        this.write(answer);
      } catch (error) {
        this.abandon(error);
      }
    });
  }

  private write({ statusCode, headers, body }: FastAnswer): void {
    const { request, response, environment } = this;
    // Fastify logs both lines at `info`; at `warn` and above nothing is built for them.
    const logRequests = isLevelEnabled(environment.log, 'info');
    if (logRequests) {
      const req = { method: request.method, url: request.url, ip: request.socket.remoteAddress };
      this.log.info({ req }, 'incoming request');
    }
    // Set on the answer's own object, in the order Fastify sends them (spreading objects here
    // showed in the profile).
    headers['content-type'] = JSON_CONTENT_TYPE;
    headers['x-request-id'] = this.id;
    if (environment.draining()) headers.connection = 'close';
    headers['content-length'] = String(Buffer.byteLength(body));
    response.writeHead(statusCode, headers);
    response.end(body);
    const elapsedMs = performance.now() - this.started;
    environment.metrics.recordResponse(request.method ?? 'GET', this.route, statusCode, elapsedMs);
    if (logRequests) {
      this.log.info({ res: { statusCode }, responseTime: elapsedMs }, 'request completed');
    }
  }

  /** When even sending failed: nothing more can be said on this connection. */
  abandon(error: unknown): void {
    this.log.error({ err: error }, 'could not send a response');
    this.response.destroy();
  }
}
