import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Storage } from '../storage/storage.js';
import { ResponseMetrics } from './response-metrics.js';

/** Label of requests no route matched (404 route_not_found, 405): their URLs are never labels. */
export const UNMATCHED_ROUTE = 'unmatched';

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event-loop lag, GC) describe the process, not an app, and
 * `collectDefaultMetrics` starts observers that are never stopped: so they are collected once per
 * process, into a registry of their own (not prom-client's global one), and shown by every app.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The Prometheus metrics of one app: what `GET /metrics` shows. */
export interface AppMetrics {
  contentType: string;
  text(): Promise<string>;
  /** Counts and times one response; the onResponse hook does it for what Fastify answers. */
  recordResponse(method: string, route: string, statusCode: number, elapsedMs: number): void;
}

/**
 * Counts and times every response by method, route PATTERN and status. The pattern
 * (`/api/v1/customer/:customer_id`), never the raw URL, so ids neither leak into labels nor grow
 * the label set; no label ever carries a business, a customer or any request value.
 */
export function registerMetrics(app: FastifyInstance, storage: Storage): AppMetrics {
  const registry = new Registry();
  const responses = new ResponseMetrics();
  new Gauge({
    name: 'clientele_db_pool_connections',
    help: 'Database connections by state (SQLite: its one connection; waiting = transactions queued for the next group commit)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = storage.poolStats?.();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });

  // Callback style rather than async: it runs after every response.
  app.addHook('onResponse', (request, reply, done) => {
    responses.record(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime,
    );
    done();
  });

  return {
    contentType: registry.contentType,
    text: async () =>
      `${await processMetrics().metrics()}\n${await registry.metrics()}\n${responses.text()}`,
    recordResponse: (method, route, statusCode, elapsedMs) =>
      responses.record(method, route, statusCode, elapsedMs),
  };
}
