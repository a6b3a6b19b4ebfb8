import { Type } from '@sinclair/typebox';
import { ErrorEnvelopeSchema, SuccessEnvelopeSchema, success } from '../../http/envelope.js';
import type { App, RouteContext } from '../route-context.js';
import { TokenSchema } from './token-schemas.js';

export const LoginBodySchema = Type.Object(
  {
    // plain-text: NUL cannot even be sent to PostgreSQL as a parameter (it was a 500 there).
    account_id: Type.String({ minLength: 1, maxLength: 255, format: 'plain-text' }),
    app_secret: Type.String({ minLength: 1, maxLength: 255, format: 'plain-text' }),
  },
  { additionalProperties: false },
);

const MESSAGE = 'Request successful';

/** Exchanges the business's account id and secret for a bearer token. Throttled on failures. */
export function registerLogin(app: App, ctx: RouteContext): void {
  app.route({
    method: 'POST',
    url: '/api/v1/auth/login',
    schema: {
      summary: 'Log in',
      description: 'Wrong pair → 401 `invalid_credentials`, whether the account exists or not.',
      tags: ['Authentication'],
      body: LoginBodySchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, TokenSchema),
        401: ErrorEnvelopeSchema,
        422: ErrorEnvelopeSchema,
        429: ErrorEnvelopeSchema,
      },
    },
    handler: async (request) => {
      const { account_id: accountId, app_secret: appSecret } = request.body;
      const token = await ctx.auth.login(accountId, appSecret, request.ip);
      return success(200, MESSAGE, token);
    },
  });
}
