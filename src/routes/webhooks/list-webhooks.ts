import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { presentEndpoint, WebhookEndpointSchema } from '../../webhooks/webhook-events.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { WEBHOOK_ROUTE_ERRORS } from './webhook-schemas.js';

const MESSAGE = 'Records retrieved successfully';

export function registerListWebhooks(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/v1/business/webhook',
    onRequest: ctx.authenticated,
    schema: {
      summary: "List the business's webhook endpoints",
      description: 'Oldest first; secrets are never listed.',
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, Type.Array(WebhookEndpointSchema)),
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request) => {
      const { businessId } = principalOf(request);
      const endpoints = await ctx.webhooks.list(ctx.storage, businessId);
      return success(200, MESSAGE, endpoints.map(presentEndpoint));
    },
  });
}
