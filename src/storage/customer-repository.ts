import type { Kysely } from 'kysely';
import { CustomerCountChanges } from './customer-count-changes.js';
import { type BoundQuery, countQuery, listQuery } from './customer-list-queries.js';
import {
  changedColumns,
  RECORD_COLUMNS,
  type RecordRow,
  ROW_COLUMNS,
  SHOWN_COLUMNS,
  type ShownRow,
  toRecord,
  toRow,
  toRowValues,
  toShownRecord,
} from './customer-rows.js';
import { translated } from './errors.js';
import type {
  CustomerChanges,
  CustomerFilter,
  CustomerRecord,
  KycState,
  ListPosition,
  ShownCustomerRecord,
} from './records.js';
import type { DatabaseSchema } from './schema.js';
import type { Reads, ReadTemplate, TemplateWrites, WriteTemplate } from './statement-templates.js';
import { type ActiveTokenQuestion, isUnexpired, isUnrevokedToken } from './token-repository.js';

/** Customers of one business at a time: every method takes the business id first. */
export interface CustomerRepository {
  /** Throws UniqueViolationError when a live customer of the business has the same email. */
  insert(customer: CustomerRecord): Promise<void>;
  /** Bulk load (imports, benchmarks): many customers of one business in few statements. */
  insertMany(businessId: string, customers: readonly CustomerRecord[]): Promise<void>;
  findLive(businessId: string, customerId: string): Promise<CustomerRecord | undefined>;
  /**
   * The token check and `findLive` in one statement, for the hot retrieve path: undefined when
   * the token is not active (as `TokenRepository.isActive`), otherwise the live customer if any.
   * On SQLite the same customer object comes back for every read until the database changes
   * (`Reads.firstCached`): read it, never change it.
   */
  findLiveWithActiveToken(
    token: ActiveTokenQuestion,
    customerId: string,
  ): Promise<{ customer: ShownCustomerRecord | undefined } | undefined>;
  /** `version`, with the token check of `findLiveWithActiveToken`: undefined when inactive. */
  versionWithActiveToken(token: ActiveTokenQuestion): Promise<number | undefined>;
  /** Whether a live customer other than `exceptCustomerId` has this email (any case). */
  isEmailTaken(businessId: string, email: string, exceptCustomerId?: string): Promise<boolean>;
  /** Applies the changes to a live customer; returns the updated record, undefined if none. */
  update(
    businessId: string,
    customerId: string,
    changes: CustomerChanges,
  ): Promise<CustomerRecord | undefined>;
  /** Sets the KYC-derived columns of a live customer; undefined if there is none. */
  setKycState(
    businessId: string,
    customerId: string,
    state: KycState,
  ): Promise<CustomerRecord | undefined>;
  /** Operator lookup by customer id alone (ids are UUIDv7, unique across businesses). */
  findBusinessIdOf(customerId: string): Promise<string | undefined>;
  /** Returns false when there was no live customer to delete. */
  softDelete(businessId: string, customerId: string, at: string): Promise<boolean>;
  list(
    businessId: string,
    filter: CustomerFilter,
    position: ListPosition,
  ): Promise<ListedCustomer[]>;
  count(businessId: string, filter: CustomerFilter): Promise<number>;
  /**
   * Goes up with every change to any customer of the business (committed with the change); 0
   * before the first. Equal versions mean equal list pages.
   */
  version(businessId: string): Promise<number>;
}

export interface ListedCustomer {
  customer: ShownCustomerRecord;
  /** 1 when the row matched the `email` filter exactly; part of the keyset sort. */
  exact: 0 | 1;
}

/** 20 columns a row: 1000 rows stay under every engine's parameter limit. */
const BULK_ROWS_PER_STATEMENT = 1000;

/**
 * The seed's endpoint: read on every retrieve, and before every change. The columns are named, so
 * a column added by a later migration changes nothing this read returns.
 */
const liveCustomer: ReadTemplate<RecordRow> = (db, param) =>
  db
    .selectFrom('customers')
    .select(RECORD_COLUMNS)
    .where('business_id', '=', param<string>(0))
    .where('customer_id', '=', param<string>(1))
    .where('deleted_at', 'is', null);

/**
 * `liveCustomer` joined to the token's row: no row when the token is unknown or revoked
 * (`isUnrevokedToken`; its expiry comes back as `token_expires_at`, for `isUnexpired`), customer
 * columns all null when there is no such live customer. One statement instead of two: on SQLite
 * each statement outside a transaction is a read transaction of its own (locks on the WAL index),
 * on PostgreSQL a round trip.
 */
const liveCustomerWithToken: ReadTemplate<
  { [Column in keyof ShownRow]: ShownRow[Column] | null } & { token_expires_at: string }
> = (db, param) =>
  db
    .selectFrom('access_tokens as token')
    .leftJoin('customers as customer', (join) =>
      join
        .onRef('customer.business_id', '=', 'token.business_id')
        .on('customer.customer_id', '=', param<string>(2))
        .on('customer.deleted_at', 'is', null),
    )
    .select(SHOWN_COLUMNS.map((column) => `customer.${column}` as const))
    .select('token.expires_at as token_expires_at')
    .where((eb) => isUnrevokedToken(eb, param));

/** `customerVersion` read with the token's row, as `liveCustomerWithToken` reads the customer. */
const versionWithToken: ReadTemplate<{
  version: number | string | null;
  token_expires_at: string;
}> = (db, param) =>
  db
    .selectFrom('access_tokens as token')
    .select((eb) =>
      eb
        .selectFrom('customer_count_shards as counts')
        .select((sum) => sum.fn.sum<number | string>('counts.version').as('version'))
        .whereRef('counts.business_id', '=', 'token.business_id')
        .as('version'),
    )
    .select('token.expires_at as token_expires_at')
    .where((eb) => isUnrevokedToken(eb, param));

/** A new customer: the values of ROW_COLUMNS, in order. */
const insertCustomer: WriteTemplate = (db, param) =>
  db
    .insertInto('customers')
    .values(Object.fromEntries(ROW_COLUMNS.map((column, i) => [column, param(i)])) as never);

/**
 * Read before every list page (routes/customers/list-customers.ts): the sum over the business's
 * count rows, null before its first change.
 */
const customerVersion: ReadTemplate<{ version: number | string | null }> = (db, param) =>
  db
    .selectFrom('customer_count_shards')
    .select((eb) => eb.fn.sum<number | string>('version').as('version'))
    .where('business_id', '=', param<string>(0));

export class KyselyCustomerRepository implements CustomerRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly reads: Reads,
    private readonly writes: TemplateWrites,
    /** Rows per business that count changes are spread over (customer-count-changes.ts). */
    private readonly countShards: number,
    /** The transaction's count changes, written at its end; none outside a transaction. */
    private readonly countChanges?: CustomerCountChanges,
  ) {}

  insert(customer: CustomerRecord): Promise<void> {
    return translated(async () => {
      await this.writes.run(insertCustomer, toRowValues(customer));
      await this.recordChange(customer.businessId, 1);
    });
  }

  insertMany(businessId: string, customers: readonly CustomerRecord[]): Promise<void> {
    return translated(async () => {
      // Bound each statement's parameters (SQLite allows 32766, PostgreSQL 65535).
      for (let start = 0; start < customers.length; start += BULK_ROWS_PER_STATEMENT) {
        const batch = customers.slice(start, start + BULK_ROWS_PER_STATEMENT);
        if (batch.some((customer) => customer.businessId !== businessId)) {
          throw new Error('insertMany: every customer must belong to the given business');
        }
        await this.db.insertInto('customers').values(batch.map(toRow)).execute();
      }
      await this.recordChange(businessId, customers.length);
    });
  }

  async findLive(businessId: string, customerId: string): Promise<CustomerRecord | undefined> {
    const row = await this.reads.first(liveCustomer, [businessId, customerId]);
    return row === undefined ? undefined : toRecord(row);
  }

  async findLiveWithActiveToken(
    token: ActiveTokenQuestion,
    customerId: string,
  ): Promise<{ customer: ShownCustomerRecord | undefined } | undefined> {
    const read = await this.reads.firstCached(
      liveCustomerWithToken,
      [token.businessId, token.jti, customerId],
      (row) => ({
        tokenExpiresAt: row.token_expires_at,
        customer: row.customer_id === null ? undefined : toShownRecord(row as ShownRow),
      }),
    );
    if (read === undefined || !isUnexpired(read.tokenExpiresAt, token.now)) return undefined;
    return { customer: read.customer };
  }

  isEmailTaken(businessId: string, email: string, exceptCustomerId?: string): Promise<boolean> {
    return translated(async () => {
      let query = this.db
        .selectFrom('customers')
        .select('customer_id')
        .where('business_id', '=', businessId)
        .where('email_lower', '=', email.toLowerCase())
        .where('deleted_at', 'is', null);
      if (exceptCustomerId !== undefined)
        query = query.where('customer_id', '!=', exceptCustomerId);
      return (await query.executeTakeFirst()) !== undefined;
    });
  }

  update(
    businessId: string,
    customerId: string,
    changes: CustomerChanges,
  ): Promise<CustomerRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .updateTable('customers')
        .set(changedColumns(changes))
        .where('business_id', '=', businessId)
        .where('customer_id', '=', customerId)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await this.recordChange(businessId, 0);
      return toRecord(row);
    });
  }

  setKycState(
    businessId: string,
    customerId: string,
    state: KycState,
  ): Promise<CustomerRecord | undefined> {
    return translated(async () => {
      const row = await this.db
        .updateTable('customers')
        .set({
          customer_status: state.status,
          customer_kyc_status: state.kycStatus,
          customer_kyc_reject_reason: state.kycRejectReason,
          can_create_vc: state.canCreateVc,
          can_create_va: state.canCreateVa,
          kyc_verified_date: state.kycVerifiedDate,
          updated_at: state.updatedAt,
        })
        .where('business_id', '=', businessId)
        .where('customer_id', '=', customerId)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await this.recordChange(businessId, 0);
      return toRecord(row);
    });
  }

  findBusinessIdOf(customerId: string): Promise<string | undefined> {
    return translated(async () => {
      const row = await this.db
        .selectFrom('customers')
        .select('business_id')
        .where('customer_id', '=', customerId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row?.business_id;
    });
  }

  softDelete(businessId: string, customerId: string, at: string): Promise<boolean> {
    return translated(async () => {
      const result = await this.db
        .updateTable('customers')
        .set({ deleted_at: at, updated_at: at })
        .where('business_id', '=', businessId)
        .where('customer_id', '=', customerId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      const deleted = Number(result.numUpdatedRows) === 1;
      if (deleted) await this.recordChange(businessId, -1);
      return deleted;
    });
  }

  async list(
    businessId: string,
    filter: CustomerFilter,
    position: ListPosition,
  ): Promise<ListedCustomer[]> {
    const rows = await this.readAll(listQuery(businessId, filter, position));
    return rows.map(({ exact_rank, ...row }) => ({
      customer: toShownRecord(row),
      exact: Number(exact_rank) === 1 ? 1 : 0,
    }));
  }

  async count(businessId: string, filter: CustomerFilter): Promise<number> {
    const [row] = await this.readAll(countQuery(businessId, filter));
    return Number(row?.total ?? 0);
  }

  async version(businessId: string): Promise<number> {
    const row = await this.reads.firstBatched(customerVersion, [businessId]);
    return Number(row?.version ?? 0);
  }

  async versionWithActiveToken(token: ActiveTokenQuestion): Promise<number | undefined> {
    const read = await this.reads.firstCached(
      versionWithToken,
      [token.businessId, token.jti],
      (row) => ({ tokenExpiresAt: row.token_expires_at, version: Number(row.version ?? 0) }),
    );
    if (read === undefined || !isUnexpired(read.tokenExpiresAt, token.now)) return undefined;
    return read.version;
  }

  /** The rows of a list query: by `Reads.scan` if it may visit many rows, else `Reads.all`. */
  private readAll<Row>({ template, values, visitsMany }: BoundQuery<Row>): Promise<Row[]> {
    return visitsMany ? this.reads.scan(template, values) : this.reads.all(template, values);
  }

  /** Every change to a customer: the live count moves by `liveDelta`, the version by one. */
  private async recordChange(businessId: string, liveDelta: number): Promise<void> {
    if (this.countChanges) return this.countChanges.add(businessId, liveDelta);
    const alone = new CustomerCountChanges(this.countShards);
    alone.add(businessId, liveDelta);
    await alone.write(this.writes);
  }
}
