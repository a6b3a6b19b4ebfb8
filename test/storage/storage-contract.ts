import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/lib/ids.js';
import { UniqueViolationError } from '../../src/storage/errors.js';
import type { CustomerRecord, IdempotencyRecord } from '../../src/storage/records.js';
import type { Storage } from '../../src/storage/storage.js';
import { createdEvent, customerRecord } from '../helpers/customer-record.js';

export interface StorageFactory {
  open(): Promise<Storage>;
  /** Releases what open() made (a temp file, a schema). */
  dispose(): Promise<void>;
}

const BUSINESS_A = '0190a6f4-0000-7000-8000-00000000000a';
const BUSINESS_B = '0190a6f4-0000-7000-8000-00000000000b';

let clockMs = Date.parse('2026-01-01T00:00:00.000Z');
function nextTimestamp(): string {
  clockMs += 1000;
  return `${new Date(clockMs).toISOString().slice(0, 23)}000Z`;
}

/** Customers made one second apart, so that newest-first order is creation order. */
function customer(businessId: string, overrides: Partial<CustomerRecord> = {}): CustomerRecord {
  const at = nextTimestamp();
  return customerRecord(businessId, {
    customerId: uuidv7(clockMs),
    address: { city: 'Anytown' },
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}

function idempotencyRecord(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    businessId: BUSINESS_A,
    key: 'key-1',
    fingerprint: 'f1',
    responseStatus: 201,
    responseBody: 'sealed',
    createdAt: '2026-01-01T00:00:00.000000Z',
    expiresAt: '2026-01-02T00:00:00.000000Z',
    ...overrides,
  };
}

/**
 * The behaviour every Storage implementation must have, whatever the engine. Run by
 * sqlite.test.ts always and postgres.test.ts when TEST_DATABASE_URL is set.
 */
export function storageContract(name: string, factory: StorageFactory): void {
  describe(`storage contract: ${name}`, () => {
    let storage: Storage;

    beforeEach(async () => {
      storage = await factory.open();
      await storage.migrate();
    });
    afterEach(async () => {
      await storage.close();
      await factory.dispose();
    });

    it('migrates idempotently and answers ping', async () => {
      await storage.migrate();
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('stores and finds a customer only within its business', async () => {
      const stored = customer(BUSINESS_A, { address: { city: 'Anytown', country: 'USA' } });
      await storage.customers.insert(stored);
      expect(await storage.customers.findLive(BUSINESS_A, stored.customerId)).toEqual(stored);
      expect(await storage.customers.findLive(BUSINESS_B, stored.customerId)).toBeUndefined();
    });

    it('a read outside a transaction never sees its uncommitted writes, and sees them once committed', async () => {
      const rolledBack = customer(BUSINESS_A);
      const committed = customer(BUSINESS_A);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inserted!: () => void;
      const insertDone = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const failing = storage.transaction(async (repos) => {
        await repos.customers.insert(rolledBack);
        inserted();
        // Hold the transaction open across event-loop turns, as a slow unit would.
        await gate;
        throw new Error('rolled back on purpose');
      });
      await insertDone;
      const readDuring = storage.customers.findLive(BUSINESS_A, rolledBack.customerId);
      const tokenDuring = storage.tokens.isActive(BUSINESS_A, 'no-such-token', nextTimestamp());
      await new Promise((resolve) => setTimeout(resolve, 20));
      release();
      await expect(failing).rejects.toThrow('rolled back on purpose');
      expect(await readDuring).toBeUndefined();
      expect(await tokenDuring).toBe(false);

      await storage.transaction((repos) => repos.customers.insert(committed));
      expect(await storage.customers.findLive(BUSINESS_A, committed.customerId)).toEqual(committed);
    });

    it('moves the version of a business with every change to its customers, and only then', async () => {
      expect(await storage.customers.version(BUSINESS_A)).toBe(0);
      const stored = customer(BUSINESS_A);
      await storage.transaction((repos) => repos.customers.insert(stored));
      expect(await storage.customers.version(BUSINESS_A)).toBe(1);
      const at = nextTimestamp();
      await storage.transaction((repos) =>
        repos.customers.update(BUSINESS_A, stored.customerId, { name: 'Renamed', updatedAt: at }),
      );
      expect(await storage.customers.version(BUSINESS_A)).toBe(2);
      await storage.transaction((repos) =>
        repos.customers.setKycState(BUSINESS_A, stored.customerId, {
          status: 'active',
          kycStatus: 'approved',
          kycRejectReason: null,
          canCreateVc: 1,
          canCreateVa: 1,
          kycVerifiedDate: at,
          updatedAt: at,
        }),
      );
      expect(await storage.customers.version(BUSINESS_A)).toBe(3);
      // Nothing changed: no customer of that id in business B, none left to delete twice.
      await storage.customers.update(BUSINESS_B, stored.customerId, { updatedAt: at });
      await storage.customers.softDelete(BUSINESS_A, stored.customerId, at);
      await storage.customers.softDelete(BUSINESS_A, stored.customerId, at);
      expect(await storage.customers.version(BUSINESS_A)).toBe(4);
      expect(await storage.customers.version(BUSINESS_B)).toBe(0);
    });

    it('counts every change of a transaction once it commits, for each business it touched', async () => {
      const kept = customer(BUSINESS_A);
      const gone = customer(BUSINESS_A);
      const other = customer(BUSINESS_B);
      await storage.transaction(async (repos) => {
        await repos.customers.insert(kept);
        await repos.customers.insert(gone);
        await repos.customers.insert(other);
        await repos.customers.update(BUSINESS_A, kept.customerId, { updatedAt: nextTimestamp() });
        await repos.customers.softDelete(BUSINESS_A, gone.customerId, nextTimestamp());
      });
      expect(await storage.customers.version(BUSINESS_A)).toBe(4);
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(1);
      expect(await storage.customers.version(BUSINESS_B)).toBe(1);
      expect(await storage.customers.count(BUSINESS_B, {})).toBe(1);
    });

    it("keeps each transaction's counts its own when several run at once and one fails", async () => {
      const settled = await Promise.allSettled([
        storage.transaction((repos) => repos.customers.insert(customer(BUSINESS_A))),
        storage.transaction(async (repos) => {
          await repos.customers.insert(customer(BUSINESS_A));
          await repos.customers.insert(customer(BUSINESS_A));
          throw new Error('rolled back on purpose');
        }),
        storage.transaction((repos) => repos.customers.insert(customer(BUSINESS_A))),
      ]);
      expect(settled.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(2);
      expect(await storage.customers.version(BUSINESS_A)).toBe(2);
    });

    it('refuses a second live customer with the same email in any case, per business', async () => {
      await storage.customers.insert(customer(BUSINESS_A, { email: 'Ada@Example.com' }));
      await expect(
        storage.customers.insert(customer(BUSINESS_A, { email: 'ada@example.COM' })),
      ).rejects.toBeInstanceOf(UniqueViolationError);
      await expect(
        storage.customers.insert(customer(BUSINESS_B, { email: 'ada@example.com' })),
      ).resolves.toBeUndefined();
    });

    it('soft-deletes: the customer disappears, its email is free again, counts follow', async () => {
      const first = customer(BUSINESS_A, { email: 'reuse@example.com' });
      await storage.customers.insert(first);
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(1);
      expect(
        await storage.customers.softDelete(BUSINESS_B, first.customerId, nextTimestamp()),
      ).toBe(false);
      expect(
        await storage.customers.softDelete(BUSINESS_A, first.customerId, nextTimestamp()),
      ).toBe(true);
      expect(
        await storage.customers.softDelete(BUSINESS_A, first.customerId, nextTimestamp()),
      ).toBe(false);
      expect(await storage.customers.findLive(BUSINESS_A, first.customerId)).toBeUndefined();
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(0);
      await storage.customers.insert(customer(BUSINESS_A, { email: 'reuse@example.com' }));
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(1);
    });

    it('bulk-inserts many customers of one business and counts them', async () => {
      const many = Array.from({ length: 2500 }, () => customer(BUSINESS_A));
      await storage.customers.insertMany(BUSINESS_A, many);
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(2500);
      expect(await storage.customers.findLive(BUSINESS_A, many[1234]!.customerId)).toEqual(
        many[1234],
      );
      await expect(
        storage.customers.insertMany(BUSINESS_B, [customer(BUSINESS_A)]),
      ).rejects.toThrow();
    });

    it('updates only the given columns of a live customer of the business', async () => {
      const stored = customer(BUSINESS_A);
      await storage.customers.insert(stored);
      const at = nextTimestamp();
      expect(
        await storage.customers.update(BUSINESS_B, stored.customerId, { updatedAt: at, name: 'X' }),
      ).toBeUndefined();
      const updated = await storage.customers.update(BUSINESS_A, stored.customerId, {
        updatedAt: at,
        name: 'New Name',
        address: null,
      });
      expect(updated).toEqual({ ...stored, name: 'New Name', address: null, updatedAt: at });
    });

    it('lists newest first with keyset and offset paging that agree', async () => {
      const inserted: CustomerRecord[] = [];
      for (let i = 0; i < 7; i++) {
        const record = customer(BUSINESS_A);
        inserted.push(record);
        await storage.customers.insert(record);
      }
      await storage.customers.insert(customer(BUSINESS_B));
      const newestFirst = inserted.map((c) => c.customerId).reverse();
      const byOffset: string[] = [];
      for (let offset = 0; offset < 7; offset += 3) {
        const rows = await storage.customers.list(BUSINESS_A, {}, { limit: 3, offset });
        byOffset.push(...rows.map((row) => row.customer.customerId));
      }
      expect(byOffset).toEqual(newestFirst);
      const byKeyset: string[] = [];
      let after: { exact: 0 | 1; createdAt: string; customerId: string } | undefined;
      for (;;) {
        const rows = await storage.customers.list(BUSINESS_A, {}, { limit: 3, after });
        if (rows.length === 0) break;
        byKeyset.push(...rows.map((row) => row.customer.customerId));
        const last = rows.at(-1)!;
        after = {
          exact: last.exact,
          createdAt: last.customer.createdAt,
          customerId: last.customer.customerId,
        };
      }
      expect(byKeyset).toEqual(newestFirst);
    });

    it('lists customers as shown, without reading their sealed identity documents', async () => {
      const withDocument = customer(BUSINESS_A, { identityDocument: 'sealed document' });
      await storage.customers.insert(withDocument);
      const [listed] = await storage.customers.list(BUSINESS_A, {}, { limit: 1, offset: 0 });
      const { identityDocument: _, ...shown } = withDocument;
      expect(listed?.customer).toStrictEqual(shown);
      expect(await storage.customers.findLive(BUSINESS_A, withDocument.customerId)).toEqual(
        withDocument,
      );
    });

    it('filters, counts the filtered rows, and lists an exact email match first', async () => {
      const exact = customer(BUSINESS_A, { email: 'ann@example.com', country: 'BRA' });
      const longer = customer(BUSINESS_A, {
        email: 'joann@example.com',
        country: 'BRA',
        type: 'business',
      });
      const other = customer(BUSINESS_A, { email: 'bob@example.com', name: 'Ann_100% Bob' });
      await storage.customers.insert(exact);
      await storage.customers.insert(longer);
      await storage.customers.insert(other);
      const byEmail = await storage.customers.list(
        BUSINESS_A,
        { email: 'ann@example.com' },
        { limit: 10 },
      );
      expect(byEmail.map((row) => [row.customer.customerId, row.exact])).toEqual([
        [exact.customerId, 1],
        [longer.customerId, 0],
      ]);
      expect(await storage.customers.count(BUSINESS_A, { email: 'ann@example.com' })).toBe(2);
      expect(await storage.customers.count(BUSINESS_A, { country: 'BRA', type: 'business' })).toBe(
        1,
      );
      // LIKE wildcards in the search text are literal.
      expect(await storage.customers.count(BUSINESS_A, { search: '_100%' })).toBe(1);
      expect(await storage.customers.count(BUSINESS_A, { search: '%' })).toBe(1);
      expect(await storage.customers.count(BUSINESS_A, { search: 'ann' })).toBe(3);
      expect(
        await storage.customers.count(BUSINESS_A, {
          createdFrom: longer.createdAt,
          createdTo: longer.createdAt,
        }),
      ).toBe(1);
    });

    it('runs a query shape kept from an earlier request with the new values each time', async () => {
      // Each combination of filters is built and compiled once, then only bound: the business,
      // the filter values and the page must all come from the request at hand.
      const brazilian = customer(BUSINESS_A, { country: 'BRA' });
      const american = customer(BUSINESS_A, { country: 'USA' });
      const elsewhere = customer(BUSINESS_B, { country: 'BRA' });
      for (const record of [brazilian, american, elsewhere]) {
        await storage.customers.insert(record);
      }
      const ids = async (businessId: string, country: string, limit = 10) =>
        (await storage.customers.list(businessId, { country }, { limit })).map(
          (row) => row.customer.customerId,
        );
      expect(await ids(BUSINESS_A, 'BRA')).toEqual([brazilian.customerId]);
      expect(await ids(BUSINESS_A, 'USA')).toEqual([american.customerId]);
      expect(await ids(BUSINESS_B, 'BRA')).toEqual([elsewhere.customerId]);
      expect(await ids(BUSINESS_A, 'BRA', 0)).toEqual([]);
      expect(await storage.customers.count(BUSINESS_A, { country: 'USA' })).toBe(1);
      expect(await storage.customers.count(BUSINESS_B, { country: 'USA' })).toBe(0);
      expect(await storage.customers.count(BUSINESS_B, {})).toBe(1);
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(2);
    });

    it('rolls back every write of a failed transaction', async () => {
      const record = customer(BUSINESS_A);
      await expect(
        storage.transaction(async (repos) => {
          await repos.customers.insert(record);
          await repos.idempotency.tryInsert(idempotencyRecord());
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await storage.customers.findLive(BUSINESS_A, record.customerId)).toBeUndefined();
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(0);
      expect(
        await storage.idempotency.find(BUSINESS_A, 'key-1', '2026-01-01T00:00:00.000000Z'),
      ).toBeUndefined();
    });

    it("commits a transaction's closing writes (event, idempotency response, counts) with it", async () => {
      const record = customer(BUSINESS_A);
      await storage.transaction(async (repos) => {
        expect(
          await repos.idempotency.tryInsert(
            idempotencyRecord({ responseStatus: 0, responseBody: '' }),
          ),
        ).toBe(true);
        await repos.customers.insert(record);
        await repos.events.append(createdEvent(record));
        await repos.idempotency.complete(BUSINESS_A, 'key-1', 201, 'sealed');
      });
      expect(await storage.events.listForBusiness(BUSINESS_A)).toMatchObject([
        { eventId: `evt-${record.customerId}`, customerId: record.customerId },
      ]);
      expect(
        await storage.idempotency.find(BUSINESS_A, 'key-1', '2026-01-01T00:00:00.000000Z'),
      ).toMatchObject({ responseStatus: 201, responseBody: 'sealed' });
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(1);
      expect(await storage.customers.version(BUSINESS_A)).toBe(1);
    });

    it('rolls back the whole transaction when one of its closing writes fails', async () => {
      const first = customer(BUSINESS_A);
      await storage.transaction(async (repos) => {
        await repos.customers.insert(first);
        await repos.events.append(createdEvent(first));
      });
      const second = customer(BUSINESS_A);
      await expect(
        storage.transaction(async (repos) => {
          await repos.idempotency.tryInsert(idempotencyRecord());
          await repos.customers.insert(second);
          await repos.events.append(createdEvent(second));
          // Same event id as the first transaction's: refused when the closing writes are made.
          await repos.events.append(createdEvent(first));
        }),
      ).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await storage.customers.findLive(BUSINESS_A, second.customerId)).toBeUndefined();
      expect(await storage.events.listForBusiness(BUSINESS_A)).toHaveLength(1);
      expect(
        await storage.idempotency.find(BUSINESS_A, 'key-1', '2026-01-01T00:00:00.000000Z'),
      ).toBeUndefined();
      expect(await storage.customers.count(BUSINESS_A, {})).toBe(1);
      expect(await storage.customers.version(BUSINESS_A)).toBe(1);
    });

    it('claims an idempotency key once, replaces it only after expiry, and completes it', async () => {
      expect(
        await storage.idempotency.tryInsert(
          idempotencyRecord({ responseStatus: 0, responseBody: '' }),
        ),
      ).toBe(true);
      await storage.idempotency.complete(BUSINESS_A, 'key-1', 201, 'sealed');
      expect(await storage.idempotency.tryInsert(idempotencyRecord({ fingerprint: 'f2' }))).toBe(
        false,
      );
      expect(
        await storage.idempotency.tryInsert(idempotencyRecord({ businessId: BUSINESS_B })),
      ).toBe(true);
      const found = await storage.idempotency.find(
        BUSINESS_A,
        'key-1',
        '2026-01-01T12:00:00.000000Z',
      );
      expect(found).toMatchObject({
        fingerprint: 'f1',
        responseStatus: 201,
        responseBody: 'sealed',
      });
      expect(
        await storage.idempotency.find(BUSINESS_A, 'key-1', '2026-01-02T00:00:00.000000Z'),
      ).toBeUndefined();
      const later = idempotencyRecord({
        fingerprint: 'f3',
        createdAt: '2026-01-03T00:00:00.000000Z',
        expiresAt: '2026-01-04T00:00:00.000000Z',
      });
      expect(await storage.idempotency.tryInsert(later)).toBe(true);
      expect(await storage.idempotency.deleteExpired('2026-01-03T00:00:00.000000Z', 100)).toBe(1);
      expect(
        await storage.idempotency.find(BUSINESS_A, 'key-1', '2026-01-03T01:00:00.000000Z'),
      ).toMatchObject({
        fingerprint: 'f3',
      });
    });

    it('tracks tokens: active until revoked, expired, or revoked with the whole business', async () => {
      const token = (jti: string, businessId = BUSINESS_A) => ({
        businessId,
        jti,
        issuedAt: '2026-01-01T00:00:00.000000Z',
        expiresAt: '2026-01-01T00:10:00.000000Z',
        revokedAt: null,
      });
      const now = '2026-01-01T00:05:00.000000Z';
      for (const jti of ['t1', 't2', 't3']) await storage.tokens.insert(token(jti));
      await storage.tokens.insert(token('t4', BUSINESS_B));
      expect(await storage.tokens.isActive(BUSINESS_A, 't1', now)).toBe(true);
      expect(await storage.tokens.isActive(BUSINESS_B, 't1', now)).toBe(false);
      expect(await storage.tokens.isActive(BUSINESS_A, 't1', '2026-01-01T00:10:00.000000Z')).toBe(
        false,
      );
      expect(await storage.tokens.revoke(BUSINESS_A, 't1', now)).toBe(true);
      expect(await storage.tokens.revoke(BUSINESS_A, 't1', now)).toBe(false);
      expect(await storage.tokens.isActive(BUSINESS_A, 't1', now)).toBe(false);
      await storage.tokens.revokeAll(BUSINESS_A, now);
      expect(await storage.tokens.isActive(BUSINESS_A, 't2', now)).toBe(false);
      expect(await storage.tokens.isActive(BUSINESS_B, 't4', now)).toBe(true);
      expect(await storage.tokens.deleteExpired('2026-01-01T00:10:00.000001Z', 100)).toBe(4);
    });

    it('deletes expired idempotency records and tokens at most `limit` at a time', async () => {
      for (const key of ['k1', 'k2', 'k3']) {
        await storage.idempotency.tryInsert(idempotencyRecord({ key }));
      }
      const liveKey = idempotencyRecord({ key: 'live', expiresAt: '2026-01-04T00:00:00.000000Z' });
      await storage.idempotency.tryInsert(liveKey);
      const at = '2026-01-03T00:00:00.000000Z';
      expect(await storage.idempotency.deleteExpired(at, 2)).toBe(2);
      expect(await storage.idempotency.deleteExpired(at, 2)).toBe(1);
      expect(await storage.idempotency.deleteExpired(at, 2)).toBe(0);
      expect(await storage.idempotency.find(BUSINESS_A, 'live', at)).toMatchObject({ key: 'live' });

      const token = (jti: string, expiresAt: string) => ({
        businessId: BUSINESS_A,
        jti,
        issuedAt: '2026-01-01T00:00:00.000000Z',
        expiresAt,
        revokedAt: null,
      });
      for (const jti of ['t1', 't2', 't3']) {
        await storage.tokens.insert(token(jti, '2026-01-01T00:10:00.000000Z'));
      }
      await storage.tokens.insert(token('live', '2026-01-04T00:00:00.000000Z'));
      expect(await storage.tokens.deleteExpired(at, 2)).toBe(2);
      expect(await storage.tokens.deleteExpired(at, 2)).toBe(1);
      expect(await storage.tokens.deleteExpired(at, 2)).toBe(0);
      expect(await storage.tokens.isActive(BUSINESS_A, 'live', at)).toBe(true);
    });

    it('reads a live customer or the version together with the token check, as isActive would', async () => {
      const now = '2026-01-01T00:05:00.000000Z';
      const tokenOf = (jti: string, businessId: string) => ({ businessId, jti, now });
      for (const [jti, businessId] of [
        ['a1', BUSINESS_A],
        ['a2', BUSINESS_A],
        ['b1', BUSINESS_B],
      ] as const) {
        await storage.tokens.insert({
          businessId,
          jti,
          issuedAt: '2026-01-01T00:00:00.000000Z',
          expiresAt: '2026-01-01T00:10:00.000000Z',
          revokedAt: null,
        });
      }
      const stored = customer(BUSINESS_A, {
        address: { city: 'Anytown', country: 'USA' },
        identityDocument: 'sealed document',
      });
      // Shown customers come without the sealed identity document: it is never read for them.
      const { identityDocument: _, ...shown } = stored;
      const deleted = customer(BUSINESS_A);
      await storage.customers.insert(stored);
      await storage.customers.insert(deleted);
      await storage.customers.softDelete(BUSINESS_A, deleted.customerId, now);
      const read = (token: { businessId: string; jti: string; now: string }, id: string) =>
        storage.customers.findLiveWithActiveToken(token, id);

      expect(await read(tokenOf('a1', BUSINESS_A), stored.customerId)).toEqual({
        customer: shown,
      });
      // Another business's token sees nothing of A's customers, and no token works across businesses.
      expect(await read(tokenOf('b1', BUSINESS_B), stored.customerId)).toEqual({
        customer: undefined,
      });
      expect(await read(tokenOf('b1', BUSINESS_A), stored.customerId)).toBeUndefined();
      expect(await read(tokenOf('a1', BUSINESS_A), deleted.customerId)).toEqual({
        customer: undefined,
      });
      expect(await read(tokenOf('a1', BUSINESS_A), uuidv7(clockMs))).toEqual({
        customer: undefined,
      });
      expect(await read(tokenOf('unknown', BUSINESS_A), stored.customerId)).toBeUndefined();
      expect(
        await read(
          { ...tokenOf('a1', BUSINESS_A), now: '2026-01-01T00:10:00.000000Z' },
          stored.customerId,
        ),
      ).toBeUndefined();
      const version = storage.customers.version(BUSINESS_A);
      expect(await storage.customers.versionWithActiveToken(tokenOf('a1', BUSINESS_A))).toBe(
        await version,
      );
      expect(await version).toBeGreaterThan(0);
      // A business with no customers yet is at version 0, as `version` says.
      expect(await storage.customers.versionWithActiveToken(tokenOf('b1', BUSINESS_B))).toBe(0);
      expect(
        await storage.customers.versionWithActiveToken(tokenOf('b1', BUSINESS_A)),
      ).toBeUndefined();

      await storage.tokens.revoke(BUSINESS_A, 'a1', now);
      expect(await read(tokenOf('a1', BUSINESS_A), stored.customerId)).toBeUndefined();
      expect(
        await storage.customers.versionWithActiveToken(tokenOf('a1', BUSINESS_A)),
      ).toBeUndefined();
      expect(await read(tokenOf('a2', BUSINESS_A), stored.customerId)).toEqual({
        customer: shown,
      });
    });

    it('stores businesses, finds them by account id, rotates the secret hash', async () => {
      const business = {
        businessId: BUSINESS_A,
        accountId: 'acct_a',
        name: 'A',
        email: 'a@example.com',
        secretHash: 'h1',
        createdAt: '2026-01-01T00:00:00.000000Z',
        updatedAt: '2026-01-01T00:00:00.000000Z',
      };
      await storage.businesses.insert(business);
      await expect(
        storage.businesses.insert({ ...business, businessId: BUSINESS_B }),
      ).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await storage.businesses.findByAccountId('acct_a')).toEqual(business);
      expect(await storage.businesses.findByAccountId('acct_x')).toBeUndefined();
      await storage.businesses.rotateSecret(BUSINESS_A, 'h2', '2026-01-02T00:00:00.000000Z');
      expect(await storage.businesses.findById(BUSINESS_A)).toMatchObject({ secretHash: 'h2' });
      expect(await storage.businesses.count()).toBe(1);
    });
  });
}
