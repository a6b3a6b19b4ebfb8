import { principalOf } from '../../http/authenticate.js';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { TokenSchema } from './token-schemas.js';

const MESSAGE = 'Request successful';

/** A new token; the presented one is revoked. */
export function registerRefreshToken(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/v1/auth/refresh-token',
    onRequest: ctx.authenticated,
    schema: {
      summary: 'Refresh the token',
      tags: ['Authentication'],
      security: AUTHENTICATED,
      response: { 200: SuccessEnvelopeSchema(200, MESSAGE, TokenSchema), 401: ErrorEnvelopeSchema },
    },
    handler: async (request) => success(200, MESSAGE, await ctx.auth.refresh(principalOf(request))),
  });
}
