import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { KycJobRecord } from '../../src/storage/kyc-repository.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import {
  createPostgresSchema,
  skipReason,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../helpers/databases.js';

/** The claim/lease contract of KYC due jobs, on SQLite and (when set) PostgreSQL. */
const T0 = '2026-01-01T00:00:00.000000Z';
const T1 = '2026-01-01T00:00:05.000000Z';
const T2 = '2026-01-01T00:01:10.000000Z';
const LEASE_END = '2026-01-01T00:01:05.000000Z';
const BUSINESS = 'biz-1';

function job(dueAt: string): KycJobRecord {
  return {
    businessId: BUSINESS,
    jobId: randomUUID(),
    customerId: randomUUID(),
    submissionId: randomUUID(),
    provider: 'sandbox',
    providerReference: null,
    dueAt,
    attempts: 0,
    claimToken: null,
    leaseExpiresAt: null,
    createdAt: T0,
  };
}

const engines: Array<[string, () => Promise<{ storage: Storage; drop(): Promise<void> }>]> = [
  [
    'sqlite',
    async () => ({
      storage: openStorage(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, {
        poolSize: 1,
        statementTimeoutMs: 5000,
        readCacheRows: 10_000,
      }),
      drop: async () => {},
    }),
  ],
];
if (TEST_DATABASE_URL) {
  engines.push([
    'postgres',
    async () => {
      const schema: TestDatabase = await createPostgresSchema();
      const storage = openStorage(
        { engine: 'postgres', url: schema.url },
        {
          poolSize: 4,
          statementTimeoutMs: 5000,
          readCacheRows: 10_000,
        },
      );
      return { storage, drop: () => schema.drop() };
    },
  ]);
} else {
  skipReason('TEST_DATABASE_URL');
}

describe.each(engines)('KYC job claims on %s', (engine, open) => {
  let storage: Storage;
  let drop: () => Promise<void>;
  afterEach(async () => {
    await storage.close();
    await drop();
  });

  const claim = (now: string, token: string, limit = 10) =>
    storage.transaction((r) => r.kyc.claimDueJobs(now, LEASE_END, token, limit));

  it('claims due jobs once per lease; a taken-over claim cannot complete', async () => {
    ({ storage, drop } = await open());
    await storage.migrate();
    const due = job(T0);
    const later = job(T2);
    await storage.kyc.insertJob(due);
    await storage.kyc.insertJob(later);

    const first = await claim(T1, 'token-a');
    expect(first.map((j) => j.jobId)).toEqual([due.jobId]);
    // Leased: nobody else gets it before the lease ends.
    expect(await claim(T1, 'token-b')).toEqual([]);
    // The lease ran out (runner A died or stalled): B takes it over.
    const taken = await claim(T2, 'token-b');
    expect(taken.map((j) => j.jobId).sort()).toEqual([due.jobId, later.jobId].sort());
    expect(await storage.kyc.completeJob(BUSINESS, due.jobId, 'token-a')).toBe(false);
    expect(await storage.kyc.completeJob(BUSINESS, due.jobId, 'token-b')).toBe(true);
    expect(await storage.kyc.completeJob(BUSINESS, due.jobId, 'token-b')).toBe(false);
    expect(await storage.kyc.listJobsOf(BUSINESS, later.customerId)).toHaveLength(1);
  });

  it(`concurrent claims (${engine}) never share a job`, async () => {
    ({ storage, drop } = await open());
    await storage.migrate();
    const jobs = Array.from({ length: 30 }, () => job(T0));
    for (const j of jobs) await storage.kyc.insertJob(j);
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => claim(T1, `token-${i}`, 5)),
    );
    const claimed = claims.flat().map((j) => j.jobId);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(jobs.map((j) => j.jobId).sort());
  });
});
