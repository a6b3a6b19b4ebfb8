import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  compactVerify,
  decodeProtectedHeader,
  generateKeyPair,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenClaims,
  InvalidTokenError,
  newTokenId,
  type SigningKey,
  signingKeyFrom,
  signToken,
  TokenVerifier,
  verifyToken,
} from './jwt.js';

const ISSUER = 'clientele';
const NOW = 1_800_000_000;
const SECRET = randomBytes(32).toString('hex');
const KEY = signingKeyFrom(SECRET);
const SECRET_BYTES = new TextEncoder().encode(SECRET);

function claims(overrides: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    sub: '0190a6f4-0000-7000-8000-000000000001',
    iss: ISSUER,
    iat: NOW,
    nbf: NOW,
    exp: NOW + 600,
    jti: newTokenId(),
    ...overrides,
  };
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token built by jose, independent of the code under test. */
function joseToken(
  payload: object,
  header: Partial<JWTHeaderParameters> = {},
  secret: Uint8Array = SECRET_BYTES,
): Promise<string> {
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({
      alg: 'HS256',
      typ: 'JWT',
      kid: KEY.kid,
      ...header,
    } as JWTHeaderParameters)
    .sign(secret);
}

/** HMAC-SHA256 over any header and payload, computed with node:crypto directly. */
function hmacToken(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function verify(token: string, keys: readonly SigningKey[] = [KEY], now = NOW) {
  return verifyToken(token, keys, ISSUER, now);
}

function expectRefused(token: string, keys: readonly SigningKey[] = [KEY], now = NOW) {
  expect(() => verify(token, keys, now)).toThrow(InvalidTokenError);
}

const claimsArbitrary = fc.record({
  sub: fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
  iss: fc.constant(ISSUER),
  iat: fc.integer({ min: 0, max: NOW }),
  nbfOffset: fc.integer({ min: 0, max: 10_000 }),
  ttl: fc.integer({ min: 1, max: 10_000_000 }),
  jti: fc.uuid(),
});

type ClaimsValue = typeof claimsArbitrary extends fc.Arbitrary<infer T> ? T : never;

function claimsFrom(value: ClaimsValue): AccessTokenClaims {
  return {
    sub: value.sub,
    iss: value.iss,
    iat: value.iat,
    nbf: value.iat,
    exp: value.iat + value.ttl,
    jti: value.jti,
  };
}

describe('signingKeyFrom', () => {
  it('names a key with a stable kid that does not reveal it', () => {
    expect(signingKeyFrom(SECRET)).toEqual(KEY);
    expect(KEY.kid.length).toBeGreaterThan(0);
    expect(SECRET).not.toContain(KEY.kid);
    expect(KEY.kid).not.toContain(SECRET.slice(0, 8));
    expect(signingKeyFrom(randomBytes(32).toString('hex')).kid).not.toBe(KEY.kid);
  });
});

describe('signToken', () => {
  it('writes a compact HS256 JWS with typ, alg and kid, which jose verifies', async () => {
    const issued = claims();
    const token = signToken(issued, KEY);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeProtectedHeader(token)).toEqual({ typ: 'JWT', alg: 'HS256', kid: KEY.kid });
    const { payload, protectedHeader } = await jwtVerify(token, SECRET_BYTES, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      typ: 'JWT',
      currentDate: new Date(NOW * 1000),
    });
    expect(protectedHeader.kid).toBe(KEY.kid);
    expect(payload).toEqual(issued);
  });

  it('jose refuses its tokens under another key', async () => {
    const token = signToken(claims(), KEY);
    await expect(compactVerify(token, randomBytes(32))).rejects.toThrow();
  });

  it('round-trips any claims through jose (property)', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArbitrary, async (value) => {
        const issued = claimsFrom(value);
        const token = signToken(issued, KEY);
        const { payload } = await jwtVerify(token, SECRET_BYTES, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          currentDate: new Date(issued.nbf * 1000),
        });
        expect(payload).toEqual(issued);
      }),
      { numRuns: 200 },
    );
  });

  it('newTokenId is unique per call', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newTokenId()));
    expect(ids.size).toBe(1000);
  });
});

describe('verifyToken accepts', () => {
  it('its own tokens, returning exactly the claims', () => {
    const issued = claims();
    expect(verify(signToken(issued, KEY))).toEqual(issued);
  });

  it('tokens signed by jose with the same key, header and claims', async () => {
    const issued = claims();
    expect(verify(await joseToken(issued))).toEqual(issued);
  });

  it('any jose-signed claims (property)', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArbitrary, async (value) => {
        const issued = claimsFrom(value);
        const token = await joseToken(issued);
        expect(verifyToken(token, [KEY], ISSUER, issued.nbf)).toEqual(issued);
      }),
      { numRuns: 200 },
    );
  });

  it('at nbf exactly, and one second before exp', () => {
    const token = signToken(claims(), KEY);
    expect(verify(token, [KEY], NOW).sub).toBeDefined();
    expect(verify(token, [KEY], NOW + 599).sub).toBeDefined();
  });

  it('a token of a previous key when that key is still listed, chosen by kid', () => {
    const previous = signingKeyFrom(randomBytes(32).toString('hex'));
    const token = signToken(claims(), previous);
    expect(verify(token, [KEY, previous]).iss).toBe(ISSUER);
    expectRefused(token, [KEY]);
  });

  it('extra claims and header parameters it does not use', async () => {
    const token = await joseToken({ ...claims(), aud: 'someone', scope: 'x' }, { cty: 'JWT' });
    expect(verify(token).iss).toBe(ISSUER);
  });
});

describe('verifyToken refuses', () => {
  let rsaPrivateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  beforeAll(async () => {
    rsaPrivateKey = (await generateKeyPair('RS256')).privateKey;
  });

  it('an expired token: exp now or in the past', () => {
    const token = signToken(claims(), KEY);
    expectRefused(token, [KEY], NOW + 600);
    expectRefused(token, [KEY], NOW + 100_000);
  });

  it('a not-yet-valid token (nbf in the future), signed by jose', async () => {
    expectRefused(await joseToken(claims({ nbf: NOW + 1 })));
    expectRefused(signToken(claims(), KEY), [KEY], NOW - 1);
  });

  it('a wrong or missing issuer', async () => {
    expectRefused(await joseToken(claims({ iss: 'yativo' })));
    expectRefused(await joseToken(claims({ iss: 'Clientele' })));
    const { iss: _dropped, ...withoutIssuer } = claims();
    expectRefused(await joseToken(withoutIssuer));
  });

  it('alg none, with or without a signature', async () => {
    expectRefused(new UnsecuredJWT({ ...claims() }).encode());
    const signed = signToken(claims(), KEY);
    const signature = signed.split('.')[2];
    expectRefused(`${b64json({ typ: 'JWT', alg: 'none', kid: KEY.kid })}.${b64json(claims())}.`);
    expectRefused(
      `${b64json({ typ: 'JWT', alg: 'none', kid: KEY.kid })}.${b64json(claims())}.${signature}`,
    );
    expectRefused(hmacToken({ typ: 'JWT', alg: 'None', kid: KEY.kid }, claims()));
  });

  it('other HMAC algorithms with the right secret (HS384, HS512)', async () => {
    expectRefused(await joseToken(claims(), { alg: 'HS384' }));
    expectRefused(await joseToken(claims(), { alg: 'HS512' }));
  });

  it('RS256, genuinely signed or as an HMAC under the secret (algorithm confusion)', async () => {
    const rs256 = await new SignJWT({ ...claims() })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: KEY.kid })
      .sign(rsaPrivateKey);
    expectRefused(rs256);
    expectRefused(hmacToken({ typ: 'JWT', alg: 'RS256', kid: KEY.kid }, claims()));
    expectRefused(hmacToken({ typ: 'JWT', alg: 'ES256', kid: KEY.kid }, claims()));
    expectRefused(hmacToken({ typ: 'JWT', alg: 'hs256', kid: KEY.kid }, claims()));
  });

  it('a signature by another key, whatever the kid says', async () => {
    expectRefused(await joseToken(claims(), {}, randomBytes(32)));
    const other = signingKeyFrom(randomBytes(32).toString('hex'));
    expectRefused(signToken(claims(), other));
  });

  it('an unknown or missing kid', async () => {
    expectRefused(await joseToken(claims(), { kid: 'ffffffffffffffff' }));
    expectRefused(hmacToken({ typ: 'JWT', alg: 'HS256' }, claims()));
  });

  it('a payload or header changed after signing', () => {
    const token = signToken(claims({ sub: 'business-a' }), KEY);
    const [header, , signature] = token.split('.');
    expectRefused(`${header}.${b64json(claims({ sub: 'business-b' }))}.${signature}`);
    const other = signToken(claims({ sub: 'business-b' }), KEY);
    expectRefused(`${header}.${other.split('.')[1]}.${signature}`);
    expectRefused(
      `${b64json({ typ: 'JWT', alg: 'HS256', kid: KEY.kid, x: 1 })}.${token.split('.')[1]}.${signature}`,
    );
  });

  it('a truncated, extended or emptied signature', () => {
    const token = signToken(claims(), KEY);
    expectRefused(token.slice(0, -4));
    expectRefused(`${token}AAAA`);
    expectRefused(`${token.split('.').slice(0, 2).join('.')}.`);
  });

  it('anything that is not three dot-separated segments', () => {
    const token = signToken(claims(), KEY);
    for (const bad of [
      '',
      '.',
      '..',
      'a.b',
      'a.b.c.d',
      `${token}.`,
      `.${token}`,
      token.replace(/\./g, ''),
    ]) {
      expectRefused(bad);
    }
  });

  it('segments that are not base64url JSON objects', () => {
    for (const [header, payload] of [
      ['not-json', b64json(claims())],
      [b64json({ typ: 'JWT', alg: 'HS256', kid: KEY.kid }), 'not-json'],
      [b64json(['HS256']), b64json(claims())],
      [b64json({ typ: 'JWT', alg: 'HS256', kid: KEY.kid }), b64json(null)],
      [b64json({ typ: 'JWT', alg: 'HS256', kid: KEY.kid }), b64json([claims()])],
      [b64json({ typ: 'JWT', alg: 'HS256', kid: KEY.kid }), b64json('string')],
    ] as const) {
      const input = `${header}.${payload}`;
      expectRefused(`${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`);
    }
  });

  it('missing or mistyped claims, even correctly signed', () => {
    const header = { typ: 'JWT', alg: 'HS256', kid: KEY.kid };
    const good = claims();
    const variants: Array<Record<string, unknown>> = [
      { ...good, sub: undefined },
      { ...good, jti: undefined },
      { ...good, exp: undefined },
      { ...good, nbf: undefined },
      { ...good, iat: undefined },
      { ...good, sub: 42 },
      { ...good, jti: 42 },
      { ...good, exp: String(good.exp) },
      { ...good, exp: good.exp + 0.5 },
      { ...good, nbf: NOW - 0.5 },
      { ...good, iat: null },
    ];
    // Control: the same construction with the claims intact verifies.
    expect(verify(hmacToken(header, good))).toEqual(good);
    for (const variant of variants) expectRefused(hmacToken(header, variant));
  });

  it('any string at all, always with InvalidTokenError (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(() => verify(text)).toThrow(InvalidTokenError);
      }),
      { numRuns: 500 },
    );
  });

  it('any single-character change to the header or payload (property)', () => {
    const token = signToken(claims(), KEY);
    const signatureStart = token.lastIndexOf('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: signatureStart - 1 }),
        fc.constantFrom(...alphabet),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(() => verify(mutated)).toThrow(InvalidTokenError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any change to the signature, unless it decodes to the same bytes (property)', () => {
    const token = signToken(claims(), KEY);
    const signatureStart = token.lastIndexOf('.') + 1;
    const signatureBytes = Buffer.from(token.slice(signatureStart), 'base64url');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(
        fc.integer({ min: signatureStart, max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
          const sameBytes = Buffer.from(mutated.slice(signatureStart), 'base64url').equals(
            signatureBytes,
          );
          if (sameBytes) expect(verify(mutated)).toEqual(verify(token));
          else expect(() => verify(mutated)).toThrow(InvalidTokenError);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('TokenVerifier (remembers verified tokens)', () => {
  it('checks the time claims again on every use of a remembered token', () => {
    const verifier = new TokenVerifier([KEY], ISSUER);
    const token = signToken(claims({ nbf: NOW, exp: NOW + 600 }), KEY);
    expect(verifier.verify(token, NOW).exp).toBe(NOW + 600);
    expect(verifier.verify(token, NOW + 599).exp).toBe(NOW + 600);
    expect(() => verifier.verify(token, NOW + 600)).toThrow(InvalidTokenError);
    expect(() => verifier.verify(token, NOW - 1)).toThrow(InvalidTokenError);
  });

  it('never accepts what plain verification refuses, remembered tokens or not', () => {
    const verifier = new TokenVerifier([KEY], ISSUER);
    const token = signToken(claims(), KEY);
    verifier.verify(token, NOW);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherSignature = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => verifier.verify(`${header}.${payload}.${otherSignature}`, NOW)).toThrow(
      InvalidTokenError,
    );
    const otherKey = new TokenVerifier([signingKeyFrom('another secret')], ISSUER);
    expect(() => otherKey.verify(token, NOW)).toThrow(InvalidTokenError);
  });
});
