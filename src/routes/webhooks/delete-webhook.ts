import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { WEBHOOK_ROUTE_ERRORS, WebhookIdParamsSchema } from './webhook-schemas.js';

const MESSAGE = 'Webhook deleted successfully';

const DeletedWebhookSchema = Type.Object({
  message: Type.String({ examples: [MESSAGE] }),
  id: Type.String({ format: 'uuid' }),
});

/** Its pending deliveries are cancelled in the same transaction. */
export function registerDeleteWebhook(app: App, ctx: RouteContext): void {
  app.route({
    method: 'DELETE',
    url: '/api/v1/business/webhook/:id',
    onRequest: ctx.authenticated,
    schema: {
      summary: 'Delete a webhook endpoint',
      tags: ['Webhooks'],
      security: AUTHENTICATED,
      params: WebhookIdParamsSchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, DeletedWebhookSchema),
        ...WEBHOOK_ROUTE_ERRORS,
      },
    },
    handler: async (request) => {
      const { businessId } = principalOf(request);
      const { id } = request.params;
      await ctx.storage.transaction((repos) => ctx.webhooks.delete(repos, businessId, id));
      return success(200, MESSAGE, { message: MESSAGE, id });
    },
  });
}
