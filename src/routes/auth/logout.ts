import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authenticate.js';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';

const MESSAGE = 'Successfully logged out';

/** Revokes the presented token at once, for every instance. */
export function registerLogout(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/auth/logout',
    onRequest: ctx.authenticated,
    schema: {
      summary: 'Log out',
      tags: ['Authentication'],
      security: AUTHENTICATED,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, Type.Object({ message: Type.String() })),
        401: ErrorEnvelopeSchema,
      },
    },
    handler: async (request) => {
      await ctx.auth.logout(principalOf(request));
      return success(200, MESSAGE, { message: MESSAGE });
    },
  });
}
