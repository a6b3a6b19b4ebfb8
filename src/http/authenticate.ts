import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService, Principal } from '../businesses/auth-service.js';
import { AppError } from '../lib/app-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`; the only source of tenancy for the request. */
    principal?: Principal;
  }
}

export const unauthenticated = () => new AppError('unauthenticated', 'Unauthenticated.');

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+) *$/i;

/** The token of an `Authorization: Bearer <JWT>` header value; throws the 401 for anything else. */
export function bearerTokenOf(authorization: string): string {
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) throw unauthenticated();
  return token;
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Accepts `Authorization: Bearer <token>`, or the `X-Api-Key` + `X-Api-Secret` pair that Yativo's
 * newer client SDKs send. Anything else is 401 with nothing said about why.
 */
export function createAuthenticate(auth: AuthService) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const authorization = singleHeader(request, 'authorization');
    if (authorization !== undefined) {
      request.principal = await auth.authenticateBearer(bearerTokenOf(authorization));
      return;
    }
    const accountId = singleHeader(request, 'x-api-key');
    const appSecret = singleHeader(request, 'x-api-secret');
    if (accountId && appSecret) {
      request.principal = await auth.authenticateKeyPair(accountId, appSecret, request.ip);
      return;
    }
    throw unauthenticated();
  };
}

/** The authenticated principal; routes behind `authenticate` can rely on it. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}
