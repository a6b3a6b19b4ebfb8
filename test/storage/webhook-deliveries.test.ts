import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/lib/ids.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import type {
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
} from '../../src/storage/webhook-delivery-repository.js';
import {
  createPostgresSchema,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../helpers/databases.js';

/** The delivery claim and its lease, on SQLite always and on PostgreSQL when configured (the
 * PostgreSQL suites print their skip reason in postgres.test.ts). */
const BUSINESS_A = '0190a6f4-0000-7000-8000-00000000000a';
const BUSINESS_B = '0190a6f4-0000-7000-8000-00000000000b';
const T0 = '2026-01-01T00:00:00.000000Z';
const T1 = '2026-01-01T00:00:30.000000Z';
const T2 = '2026-01-01T00:02:00.000000Z';

function delivery(overrides: Partial<WebhookDeliveryRecord> = {}): WebhookDeliveryRecord {
  return {
    businessId: BUSINESS_A,
    deliveryId: uuidv7(),
    endpointId: uuidv7(),
    eventId: uuidv7(),
    eventType: 'customer.created',
    body: '{}',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: T0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function attemptOf(d: WebhookDeliveryRecord, at: string): WebhookAttemptRecord {
  return {
    businessId: d.businessId,
    deliveryId: d.deliveryId,
    attempt: d.attempts + 1,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    attemptedAt: at,
    responseStatus: 200,
    error: null,
    nextRetryAt: null,
  };
}

const engines: Array<[string, () => Promise<{ open(): Storage; drop(): Promise<void> }>]> = [
  [
    'SQLite',
    async () => ({
      open: () =>
        openStorage(
          { engine: 'sqlite', path: ':memory:' },
          { poolSize: 1, statementTimeoutMs: 5000, readCacheRows: 10_000 },
        ),
      drop: async () => {},
    }),
  ],
];
if (TEST_DATABASE_URL) {
  engines.push([
    'PostgreSQL',
    async () => {
      const schema: TestDatabase = await createPostgresSchema();
      return {
        open: () =>
          openStorage(
            { engine: 'postgres', url: schema.url },
            { poolSize: 4, statementTimeoutMs: 5000, readCacheRows: 10_000 },
          ),
        drop: () => schema.drop(),
      };
    },
  ]);
}

for (const [name, database] of engines) {
  describe(`webhook deliveries: ${name}`, () => {
    let cleanup: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    });
    async function storage(): Promise<Storage> {
      const db = await database();
      const opened = db.open();
      await opened.migrate();
      cleanup.push(
        () => db.drop(),
        () => opened.close(),
      );
      return opened;
    }
    const claim = (s: Storage, now: string, token: string, expiresAt: string) =>
      s.transaction((repos) => repos.webhookDeliveries.claimDue(now, { token, expiresAt }, 10));

    it('a claimed delivery is not claimed again until its lease expires', async () => {
      const s = await storage();
      const d = delivery();
      await s.transaction((repos) => repos.webhookDeliveries.insert(d));
      expect((await claim(s, T0, 'first', T1)).map((x) => x.deliveryId)).toEqual([d.deliveryId]);
      expect(await claim(s, T0, 'second', T1)).toEqual([]);
      // The first dispatcher died: after its lease another takes the delivery over…
      expect((await claim(s, T2, 'second', T2)).map((x) => x.deliveryId)).toEqual([d.deliveryId]);
      // …and the first one's late result is not recorded over it.
      const late = await s.transaction((repos) =>
        repos.webhookDeliveries.recordAttempt(attemptOf(d, T1), 'first', 'delivered'),
      );
      expect(late).toBe(false);
      const current = await s.transaction((repos) =>
        repos.webhookDeliveries.recordAttempt(attemptOf(d, T2), 'second', 'delivered'),
      );
      expect(current).toBe(true);
      expect(await s.webhookDeliveries.find(BUSINESS_A, d.deliveryId)).toMatchObject({
        status: 'delivered',
        attempts: 1,
      });
      expect(await s.webhookDeliveries.countAttempts(BUSINESS_A, d.endpointId)).toBe(1);
      expect(await claim(s, T2, 'third', T2)).toEqual([]);
    });

    it('does not claim deliveries before they are due, nor finished or cancelled ones', async () => {
      const s = await storage();
      for (const d of [
        delivery({ nextAttemptAt: T1 }),
        delivery({ status: 'delivered' }),
        delivery({ status: 'cancelled' }),
      ]) {
        await s.transaction((repos) => repos.webhookDeliveries.insert(d));
      }
      expect(await claim(s, T0, 'x', T1)).toEqual([]);
      expect(await claim(s, T1, 'x', T2)).toHaveLength(1);
    });

    it('a delivery is found only under its own business', async () => {
      const s = await storage();
      const d = delivery();
      await s.transaction((repos) => repos.webhookDeliveries.insert(d));
      expect(await s.webhookDeliveries.find(BUSINESS_B, d.deliveryId)).toBeUndefined();
      expect(await s.webhookDeliveries.listForBusiness(BUSINESS_B)).toEqual([]);
      expect(await s.webhookDeliveries.cancelPending(BUSINESS_B, d.endpointId, T1)).toBe(0);
    });

    if (name === 'PostgreSQL') {
      it('two instances claiming at once get disjoint deliveries (SKIP LOCKED)', async () => {
        const db = await database();
        const [a, b] = [db.open(), db.open()];
        await a.migrate();
        cleanup.push(
          () => db.drop(),
          () => a.close(),
          () => b.close(),
        );
        for (let i = 0; i < 20; i += 1) {
          await a.transaction((repos) => repos.webhookDeliveries.insert(delivery()));
        }
        let release = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let claimedByA: WebhookDeliveryRecord[] = [];
        const first = a.transaction(async (repos) => {
          claimedByA = await repos.webhookDeliveries.claimDue(
            T0,
            { token: 'a', expiresAt: T1 },
            10,
          );
          await held; // A's transaction stays open, its rows locked
        });
        while (claimedByA.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        const claimedByB = await claim(b, T0, 'b', T1);
        release();
        await first;
        const ids = [...claimedByA, ...claimedByB].map((d) => d.deliveryId);
        expect(claimedByA).toHaveLength(10);
        expect(claimedByB).toHaveLength(10);
        expect(new Set(ids).size).toBe(20);
      });
    }
  });
}
