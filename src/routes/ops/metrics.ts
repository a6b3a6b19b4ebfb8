import { Type } from '@sinclair/typebox';
import type { AppMetrics } from '../../http/metrics.js';
import type { App } from '../route-context.js';

/**
 * Prometheus text. Unauthenticated, like /healthz, so a scraper needs no tenant credentials: it
 * holds only counts by route pattern and status, connection counts and process figures — no
 * business, customer or request value (docs/security.md, API9).
 */
export function registerMetricsRoute(app: App, metrics: AppMetrics): void {
  app.route({
    method: 'GET',
    url: '/metrics',
    schema: {
      summary: 'Prometheus metrics',
      description:
        'Request counts and latency histograms by route pattern and status, database connections, process metrics.',
      tags: ['Operations'],
      response: {
        200: {
          description: 'Prometheus text exposition format 0.0.4',
          content: { 'text/plain': { schema: Type.String() } },
        },
      },
    },
    handler: async (_request, reply) => {
      const text = await metrics.text();
      return reply.type(metrics.contentType).send(text);
    },
  });
}
