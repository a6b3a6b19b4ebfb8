import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';

const MESSAGE = 'Request successful';

/** A new app secret; the old one and every token issued before stop working at once. */
export function registerGenerateSecret(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/generate-secret',
    onRequest: ctx.authenticatedWrite,
    schema: {
      summary: 'Rotate the app secret',
      description: 'Requires `Idempotency-Key`. The new secret is shown once.',
      tags: ['Authentication'],
      security: AUTHENTICATED,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, Type.Object({ app_secret: Type.String() })),
        400: ErrorEnvelopeSchema,
        401: ErrorEnvelopeSchema,
        409: ErrorEnvelopeSchema,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      await ctx.idempotency.run(request, reply, async (repos) => {
        const appSecret = await ctx.businesses.rotateSecret(repos, businessId);
        return { statusCode: 200, body: success(200, MESSAGE, { app_secret: appSecret }) };
      });
    },
  });
}
