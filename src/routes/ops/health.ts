import { Type } from '@sinclair/typebox';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { AppError } from '../../lib/app-error.js';
import type { App, RouteContext } from '../route-context.js';

const StatusSchema = Type.Object({ status: Type.String() });

/** Liveness: answers while the process runs, whatever the database does. */
export function registerHealth(app: App): void {
  app.route({
    method: 'GET',
    url: '/healthz',
    schema: {
      summary: 'Liveness',
      tags: ['Operations'],
      response: { 200: SuccessEnvelopeSchema(200, 'OK', StatusSchema) },
    },
    handler: async () => success(200, 'OK', { status: 'ok' }),
  });
}

/** Readiness: 200 only while the database answers, so a load balancer routes around outages. */
export function registerReadiness(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/readyz',
    schema: {
      summary: 'Readiness',
      tags: ['Operations'],
      response: { 200: SuccessEnvelopeSchema(200, 'OK', StatusSchema), 503: ErrorEnvelopeSchema },
    },
    handler: async () => {
      try {
        await ctx.storage.ping();
      } catch {
        throw new AppError('service_unavailable', 'Database unavailable.', {
          retryAfterSeconds: 2,
        });
      }
      return success(200, 'OK', { status: 'ready' });
    },
  });
}
