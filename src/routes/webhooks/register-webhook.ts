import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { presentEndpoint } from '../../webhooks/webhook-events.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import {
  WEBHOOK_ROUTE_ERRORS,
  WEBHOOK_WRITE_ERRORS,
  WebhookEndpointWithSecretSchema,
  WebhookEventsSchema,
  WebhookUrlSchema,
} from './webhook-schemas.js';

export const RegisterWebhookBodySchema = Type.Object(
  { url: WebhookUrlSchema, events: Type.Optional(WebhookEventsSchema) },
  { additionalProperties: false },
);

const MESSAGE = 'Webhook registered successfully';

/** A URL the business already registered is updated (and keeps its id and secret). */
export function registerRegisterWebhook(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/business/webhook',
    onRequest: ctx.authenticatedWrite,
    schema: {
      summary: 'Register a webhook endpoint',
      description:
        'At most 10 per business. The endpoint is sent a `webhook_updated` event. Requires `Idempotency-Key`.',
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      body: RegisterWebhookBodySchema,
      response: {
        201: SuccessEnvelopeSchema(201, MESSAGE, WebhookEndpointWithSecretSchema),
        ...WEBHOOK_WRITE_ERRORS,
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      await ctx.webhooks.assertUrlAllowed(request.body.url);
      await ctx.idempotency.run(request, reply, async (repos) => {
        const { endpoint, secret } = await ctx.webhooks.register(repos, businessId, request.body);
        const data = { ...presentEndpoint(endpoint), secret };
        return { statusCode: 201, body: success(201, MESSAGE, data) };
      });
    },
  });
}
