import type { ExpressionBuilder, Kysely } from 'kysely';
import { translated } from './errors.js';
import type { AccessTokenRecord } from './records.js';
import type { AccessTokensTable, DatabaseSchema } from './schema.js';
import type { Param, Reads, ReadTemplate } from './statement-templates.js';

/** Issued access tokens, so that revocation takes effect on the very next request everywhere. */
export interface TokenRepository {
  insert(token: AccessTokenRecord): Promise<void>;
  /** True when the token was issued to this business, is unexpired at `now` and not revoked. */
  isActive(businessId: string, jti: string, now: string): Promise<boolean>;
  /** Returns false when the token was unknown or already revoked. */
  revoke(businessId: string, jti: string, at: string): Promise<boolean>;
  /** Revokes every token of the business: what a secret rotation does. */
  revokeAll(businessId: string, at: string): Promise<void>;
  /** Deletes up to `limit` tokens expired before `before`; returns how many it deleted. */
  deleteExpired(before: string, limit: number): Promise<number>;
}

/** Which token, and when: what `isActive` and the reads that include it are asked. */
export interface ActiveTokenQuestion {
  businessId: string;
  jti: string;
  now: string;
}

/**
 * The token `param(0)` (business), `param(1)` (jti) was issued and is not revoked: the condition
 * on `access_tokens as token` of every read that checks a token. Those reads also select
 * `token.expires_at` and ask `isUnexpired` of it: with the time out of the query, the read is
 * the same for every request with the token, and its row can be kept (`Reads.firstCached`).
 */
export function isUnrevokedToken(
  eb: ExpressionBuilder<DatabaseSchema & { token: AccessTokensTable }, 'token'>,
  param: Param,
) {
  return eb.and([
    eb('token.business_id', '=', param<string>(0)),
    eb('token.jti', '=', param<string>(1)),
    eb('token.revoked_at', 'is', null),
  ]);
}

/** A token expiring at `expiresAt` is still good at `now` (stored timestamps: text order is
 * time order). */
export function isUnexpired(expiresAt: string, now: string): boolean {
  return expiresAt > now;
}

/** Checked on every authenticated request. */
const unrevokedToken: ReadTemplate<{ expires_at: string }> = (db, param) =>
  db
    .selectFrom('access_tokens as token')
    .select('token.expires_at')
    .where((eb) => isUnrevokedToken(eb, param));

export class KyselyTokenRepository implements TokenRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly reads: Reads,
  ) {}

  insert(token: AccessTokenRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('access_tokens')
        .values({
          business_id: token.businessId,
          jti: token.jti,
          issued_at: token.issuedAt,
          expires_at: token.expiresAt,
          revoked_at: token.revokedAt,
        })
        .execute();
    });
  }

  async isActive(businessId: string, jti: string, now: string): Promise<boolean> {
    const expiresAt = await this.reads.firstCached(
      unrevokedToken,
      [businessId, jti],
      (row) => row.expires_at,
    );
    return expiresAt !== undefined && isUnexpired(expiresAt, now);
  }

  revoke(businessId: string, jti: string, at: string): Promise<boolean> {
    return translated(async () => {
      const result = await this.db
        .updateTable('access_tokens')
        .set({ revoked_at: at })
        .where('business_id', '=', businessId)
        .where('jti', '=', jti)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  revokeAll(businessId: string, at: string): Promise<void> {
    return translated(async () => {
      await this.db
        .updateTable('access_tokens')
        .set({ revoked_at: at })
        .where('business_id', '=', businessId)
        .where('revoked_at', 'is', null)
        .execute();
    });
  }

  deleteExpired(before: string, limit: number): Promise<number> {
    return translated(async () => {
      const result = await this.db
        .deleteFrom('access_tokens')
        .where((eb) =>
          eb(
            eb.refTuple('business_id', 'jti'),
            'in',
            eb
              .selectFrom('access_tokens')
              .select(['business_id', 'jti'])
              .where('expires_at', '<', before)
              .limit(limit)
              .$asTuple('business_id', 'jti'),
          ),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
