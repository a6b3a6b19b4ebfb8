import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Storage } from '../storage/storage.js';

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
}

/**
 * Counts and times every response by method, route PATTERN and status. The pattern
 * (`/api/v1/customer/:customer_id`), never the raw URL, so ids neither leak into labels nor grow
 * the label set; no label ever carries a business, a customer or any request value.
 */
export function registerMetrics(app: FastifyInstance, storage: Storage): AppMetrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'clientele_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'clientele_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route pattern and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
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

  // prom-client turns a label object into its series key on every call; the series of each
  // (method, route, status) is looked up once and kept (the set is bounded: route patterns).
  const series = new Map<
    string,
    { count: Counter.Internal; time: Histogram.Internal<(typeof labelNames)[number]> }
  >();
  const seriesOf = (method: string, route: string, statusCode: number) => {
    const key = `${method} ${statusCode} ${route}`;
    let found = series.get(key);
    if (found === undefined) {
      const labels = { method, route, status_code: String(statusCode) };
      found = { count: requests.labels(labels), time: duration.labels(labels) };
      series.set(key, found);
    }
    return found;
  };

  // Callback style rather than async: it runs after every response.
  app.addHook('onResponse', (request, reply, done) => {
    const { count, time } = seriesOf(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
    );
    count.inc();
    time.observe(reply.elapsedTime / 1000);
    done();
  });

  return {
    contentType: registry.contentType,
    text: async () => `${await processMetrics().metrics()}\n${await registry.metrics()}`,
  };
}
