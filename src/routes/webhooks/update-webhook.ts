import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { presentEndpoint, WebhookEndpointSchema } from '../../webhooks/webhook-events.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import {
  WEBHOOK_ROUTE_ERRORS,
  WEBHOOK_WRITE_ERRORS,
  WebhookEventsSchema,
  WebhookIdParamsSchema,
  WebhookUrlSchema,
} from './webhook-schemas.js';

export const UpdateWebhookBodySchema = Type.Object(
  {
    url: Type.Optional(WebhookUrlSchema),
    events: Type.Optional(WebhookEventsSchema),
    enabled: Type.Optional(
      Type.Boolean({ description: 'false stops deliveries and cancels pending ones' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const MESSAGE = 'Webhook updated successfully';

export function registerUpdateWebhook(app: App, ctx: RouteContext): void {
  app.route({
    method: 'PUT',
    url: '/api/v1/business/webhook/:id',
    onRequest: ctx.authenticatedWrite,
    schema: {
      summary: 'Change a webhook endpoint',
      description:
        'Absent fields stay. An enabled endpoint is sent a `webhook_updated` event. Requires `Idempotency-Key`.',
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      params: WebhookIdParamsSchema,
      body: UpdateWebhookBodySchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, WebhookEndpointSchema),
        ...WEBHOOK_WRITE_ERRORS,
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      await ctx.webhooks.assertUrlAllowed(request.body.url);
      await ctx.idempotency.run(request, reply, async (repos) => {
        const endpoint = await ctx.webhooks.update(
          repos,
          businessId,
          request.params.id,
          request.body,
        );
        return { statusCode: 200, body: success(200, MESSAGE, presentEndpoint(endpoint)) };
      });
    },
  });
}
