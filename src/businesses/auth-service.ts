import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import {
  InvalidTokenError,
  newTokenId,
  type SigningKey,
  signToken,
  TokenVerifier,
} from '../lib/jwt.js';
import { secretMatches } from '../lib/secrets.js';
import { toEpochSeconds, toTimestamp } from '../lib/timestamps.js';
import type { Repositories, Storage } from '../storage/storage.js';
import type { LoginThrottle } from './login-throttle.js';

/** Who is calling: the only source of tenancy for everything after authentication. */
export interface Principal {
  businessId: string;
  /** The bearer token's id; absent when the request authenticated with the key pair. */
  tokenId?: string;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface AuthSettings {
  signingKeys: { current: SigningKey; previous: readonly SigningKey[] };
  issuer: string;
  tokenTtlSeconds: number;
}

const unauthenticated = () => new AppError('unauthenticated', 'Unauthenticated.');

/** Logins, tokens and the X-Api-Key pair. Every failure looks the same from outside. */
export class AuthService {
  private readonly tokens: TokenVerifier;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
    private readonly settings: AuthSettings,
  ) {
    this.tokens = new TokenVerifier(
      [settings.signingKeys.current, ...settings.signingKeys.previous],
      settings.issuer,
    );
  }

  async login(accountId: string, appSecret: string, clientAddress: string): Promise<IssuedToken> {
    const businessId = await this.checkCredentials(accountId, appSecret, clientAddress);
    if (businessId === undefined) {
      throw new AppError('invalid_credentials', 'Invalid credentials.');
    }
    return this.storage.transaction((repos) => this.issue(repos, businessId));
  }

  /** The key-pair scheme: checked like a login, throttled like one, but answers 401. */
  async authenticateKeyPair(
    accountId: string,
    appSecret: string,
    clientAddress: string,
  ): Promise<Principal> {
    const businessId = await this.checkCredentials(accountId, appSecret, clientAddress);
    if (businessId === undefined) throw unauthenticated();
    return { businessId };
  }

  async authenticateBearer(token: string): Promise<Principal> {
    const { businessId, jti, now } = this.verifyBearer(token);
    const active = await this.storage.tokens.isActive(businessId, jti, now);
    if (!active) throw unauthenticated();
    return { businessId, tokenId: jti };
  }

  /**
   * The token's signature and time claims, without the revocation check: the caller must still
   * find the token active at `now` in the database (`TokenRepository.isActive`, or a read that
   * includes it) before trusting it.
   */
  verifyBearer(token: string): { businessId: string; jti: string; now: string } {
    const now = this.clock.now();
    try {
      const claims = this.tokens.verify(token, toEpochSeconds(now));
      return { businessId: claims.sub, jti: claims.jti, now: toTimestamp(now) };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthenticated();
      throw error;
    }
  }

  /**
   * A new token for the same business; the presented one is revoked in the same transaction, and
   * only once: of concurrent refreshes with one token, one succeeds and the others are 401.
   */
  refresh(principal: Principal): Promise<IssuedToken> {
    return this.storage.transaction(async (repos) => {
      if (principal.tokenId !== undefined) {
        const revoked = await repos.tokens.revoke(
          principal.businessId,
          principal.tokenId,
          this.nowTimestamp(),
        );
        if (!revoked) throw unauthenticated();
      }
      return this.issue(repos, principal.businessId);
    });
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.tokenId === undefined) return;
    await this.storage.tokens.revoke(principal.businessId, principal.tokenId, this.nowTimestamp());
  }

  /** Returns the business id when the pair is right, undefined otherwise (the failure counts). */
  private async checkCredentials(
    accountId: string,
    appSecret: string,
    clientAddress: string,
  ): Promise<string | undefined> {
    let businessId: string | undefined;
    await this.throttle.guard(accountId, clientAddress, async () => {
      const business = await this.storage.businesses.findByAccountId(accountId);
      // Hash even when the account is unknown, so timing does not tell the two apart.
      const matches = secretMatches(appSecret, business?.secretHash ?? '0'.repeat(64));
      businessId = matches ? business?.businessId : undefined;
      return businessId !== undefined;
    });
    return businessId;
  }

  private async issue(repos: Repositories, businessId: string): Promise<IssuedToken> {
    const now = this.clock.now();
    const iat = toEpochSeconds(now);
    const ttl = this.settings.tokenTtlSeconds;
    const jti = newTokenId();
    await repos.tokens.insert({
      businessId,
      jti,
      issuedAt: toTimestamp(now),
      expiresAt: toTimestamp(new Date((iat + ttl) * 1000)),
      revokedAt: null,
    });
    const claims = {
      sub: businessId,
      iss: this.settings.issuer,
      iat,
      nbf: iat,
      exp: iat + ttl,
      jti,
    };
    return {
      access_token: signToken(claims, this.settings.signingKeys.current),
      token_type: 'bearer',
      expires_in: ttl,
    };
  }

  private nowTimestamp(): string {
    return toTimestamp(this.clock.now());
  }
}
