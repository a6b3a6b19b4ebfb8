import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from './secrets.js';

/**
 * HS256 JSON Web Tokens, written against node:crypto rather than a general JWT library: the
 * algorithm is pinned (only HS256, no `alg` negotiation), verification is synchronous and costs
 * one HMAC — it runs on every authenticated request. Tests cross-check with an independent library.
 */
export interface SigningKey {
  kid: string;
  secret: Buffer;
}

export interface AccessTokenClaims {
  sub: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
}

export class InvalidTokenError extends Error {}

/** The key id is a digest of the key, so it names the key without revealing it. */
export function signingKeyFrom(secret: string): SigningKey {
  return { kid: sha256Hex(`kid:${secret}`).slice(0, 16), secret: Buffer.from(secret, 'utf8') };
}

export function newTokenId(): string {
  return randomUUID();
}

function hmac(key: SigningKey, input: string): Buffer {
  return createHmac('sha256', key.secret).update(input).digest();
}

export function signToken(claims: AccessTokenClaims, key: SigningKey): string {
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: key.kid })).toString(
    'base64url',
  );
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = `${header}.${payload}`;
  return `${input}.${hmac(key, input).toString('base64url')}`;
}

function decodeJson(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidTokenError('token part is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/**
 * Verifies signature, algorithm, key id, issuer and time claims. Throws InvalidTokenError for
 * anything else than a token this service signed and that is valid at `nowSeconds`.
 */
export function verifyToken(
  token: string,
  keys: readonly SigningKey[],
  issuer: string,
  nowSeconds: number,
): AccessTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeJson(headerPart);
    claims = decodeJson(payloadPart);
  } catch {
    throw new InvalidTokenError('undecodable token');
  }
  if (header.alg !== 'HS256' || header.typ !== 'JWT') throw new InvalidTokenError('algorithm');
  const key = keys.find((candidate) => candidate.kid === header.kid);
  if (!key) throw new InvalidTokenError('unknown key id');
  const expected = hmac(key, `${headerPart}.${payloadPart}`);
  const presented = Buffer.from(signaturePart, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new InvalidTokenError('signature');
  }
  const { sub, iss, iat, nbf, exp, jti } = claims;
  if (typeof sub !== 'string' || typeof jti !== 'string') throw new InvalidTokenError('claims');
  if (!isInteger(iat) || !isInteger(nbf) || !isInteger(exp)) throw new InvalidTokenError('claims');
  if (iss !== issuer) throw new InvalidTokenError('issuer');
  const verified = { sub, iss, iat, nbf, exp, jti };
  checkTimeClaims(verified, nowSeconds);
  return verified;
}

function checkTimeClaims(claims: AccessTokenClaims, nowSeconds: number): void {
  if (claims.nbf > nowSeconds) throw new InvalidTokenError('not yet valid');
  if (claims.exp <= nowSeconds) throw new InvalidTokenError('expired');
}

const MAX_REMEMBERED_TOKENS = 10_000;

/**
 * `verifyToken` that remembers the tokens it has verified: a client sends the same token with
 * thousands of requests, and each verification costs an HMAC and two JSON parses. Only what the
 * token's bytes say is remembered — the time claims are checked again on every use (and the
 * caller still checks revocation every time). Bounded: full, it starts over.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly keys: readonly SigningKey[],
    private readonly issuer: string,
  ) {}

  verify(token: string, nowSeconds: number): AccessTokenClaims {
    const remembered = this.verified.get(token);
    if (remembered !== undefined) {
      checkTimeClaims(remembered, nowSeconds);
      return remembered;
    }
    const claims = verifyToken(token, this.keys, this.issuer, nowSeconds);
    if (this.verified.size >= MAX_REMEMBERED_TOKENS) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }
}
