import { Type } from '@sinclair/typebox';

export const TokenSchema = Type.Object({
  access_token: Type.String({ description: 'JWT (HS256)' }),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the token expires', examples: [600] }),
});
