import type { Kysely, Selectable } from 'kysely';
import { translated } from './errors.js';
import type { BusinessRecord } from './records.js';
import type { BusinessesTable, DatabaseSchema } from './schema.js';

/** Tenants. Provisioned by the operator; never listed or changed through the public API. */
export interface BusinessRepository {
  insert(business: BusinessRecord): Promise<void>;
  findById(businessId: string): Promise<BusinessRecord | undefined>;
  findByAccountId(accountId: string): Promise<BusinessRecord | undefined>;
  listAll(): Promise<BusinessRecord[]>;
  count(): Promise<number>;
  /** Replaces the secret hash; the caller revokes the business's tokens in the same transaction. */
  rotateSecret(businessId: string, secretHash: string, at: string): Promise<void>;
}

function toRecord(row: Selectable<BusinessesTable>): BusinessRecord {
  return {
    businessId: row.business_id,
    accountId: row.account_id,
    name: row.name,
    email: row.email,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class KyselyBusinessRepository implements BusinessRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  insert(business: BusinessRecord): Promise<void> {
    return translated(async () => {
      await this.db
        .insertInto('businesses')
        .values({
          business_id: business.businessId,
          account_id: business.accountId,
          name: business.name,
          email: business.email,
          secret_hash: business.secretHash,
          created_at: business.createdAt,
          updated_at: business.updatedAt,
        })
        .execute();
    });
  }

  findById(businessId: string): Promise<BusinessRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('businesses')
        .selectAll()
        .where('business_id', '=', businessId)
        .executeTakeFirst();
      return row && toRecord(row);
    });
  }

  findByAccountId(accountId: string): Promise<BusinessRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('businesses')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return row && toRecord(row);
    });
  }

  listAll(): Promise<BusinessRecord[]> {
    return translated(async () => {
      const rows = await this.db
        .selectFrom('businesses')
        .selectAll()
        .orderBy('created_at')
        .execute();
      return rows.map(toRecord);
    });
  }

  count(): Promise<number> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('businesses')
        .select((eb) => eb.fn.countAll<number | string>().as('total'))
        .executeTakeFirstOrThrow();
      return Number(row.total);
    });
  }

  rotateSecret(businessId: string, secretHash: string, at: string): Promise<void> {
    return translated(async () => {
      await this.db
        .updateTable('businesses')
        .set({ secret_hash: secretHash, updated_at: at })
        .where('business_id', '=', businessId)
        .execute();
    });
  }
}
