import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { presentEndpoint } from '../../webhooks/webhook-events.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import {
  WEBHOOK_ROUTE_ERRORS,
  WEBHOOK_WRITE_ERRORS,
  WebhookEndpointWithSecretSchema,
  WebhookIdParamsSchema,
} from './webhook-schemas.js';

const MESSAGE = 'Webhook secret regenerated successfully';

export function registerRegenerateWebhookSecret(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/business/webhook/:id/regenerate-secret',
    onRequest: ctx.authenticatedWrite,
    schema: {
      summary: "Regenerate a webhook endpoint's secret",
      description:
        'For 24 h deliveries carry a `webhook-signature` with both the new and the old secret. Requires `Idempotency-Key`.',
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      params: WebhookIdParamsSchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, WebhookEndpointWithSecretSchema),
        ...WEBHOOK_WRITE_ERRORS,
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      await ctx.idempotency.run(request, reply, async (repos) => {
        const { endpoint, secret } = await ctx.webhooks.regenerateSecret(
          repos,
          businessId,
          request.params.id,
        );
        const data = { ...presentEndpoint(endpoint), secret };
        return { statusCode: 200, body: success(200, MESSAGE, data) };
      });
    },
  });
}
