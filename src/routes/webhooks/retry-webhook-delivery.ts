import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { WEBHOOK_ROUTE_ERRORS, WEBHOOK_WRITE_ERRORS } from './webhook-schemas.js';

const MESSAGE = 'Delivery scheduled';

const ParamsSchema = Type.Object({
  id: Type.String({ description: 'The endpoint id' }),
  delivery_id: Type.String({ description: 'A delivery id from the delivery log' }),
});

const ScheduledDeliverySchema = Type.Object({
  delivery_id: Type.String({ format: 'uuid' }),
  event_id: Type.String(),
  event_type: Type.String(),
  status: Type.Literal('pending'),
  attempts: Type.Integer({ description: 'attempts made so far' }),
  next_attempt_at: Type.String(),
});

/** Sends the event again at once, even a delivery that already succeeded or failed for good. */
export function registerRetryWebhookDelivery(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/business/webhook/:id/deliveries/:delivery_id/retry',
    onRequest: ctx.authenticatedWrite,
    schema: {
      summary: 'Send a delivery again now',
      description: 'The dispatcher picks it up within a second. Requires `Idempotency-Key`.',
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      params: ParamsSchema,
      response: {
        202: SuccessEnvelopeSchema(202, MESSAGE, ScheduledDeliverySchema),
        ...WEBHOOK_WRITE_ERRORS,
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      const { id, delivery_id: deliveryId } = request.params;
      await ctx.idempotency.run(request, reply, async (repos) => {
        const delivery = await ctx.webhooks.retry(repos, businessId, id, deliveryId);
        const data = {
          delivery_id: delivery.deliveryId,
          event_id: delivery.eventId,
          event_type: delivery.eventType,
          status: 'pending' as const,
          attempts: delivery.attempts,
          next_attempt_at: delivery.nextAttemptAt ?? delivery.updatedAt,
        };
        return { statusCode: 202, body: success(202, MESSAGE, data) };
      });
    },
  });
}
