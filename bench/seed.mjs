/**
 * Seeds one dataset through the storage API's bulk path, in its own process (uuidv7 keeps
 * per-process state, and each dataset's ids must follow its own timestamps).
 *
 * Usage: node bench/seed.mjs '<json>' where json = { databaseUrl, customers, businesses, out }.
 * Writes to `out`: { seconds, businesses: [{ businessId, accountId, appSecret, customers }],
 * sampleIds } — sampleIds are ids of the first business, evenly spread, at most 50,000.
 */
import { writeFileSync } from 'node:fs';
import { BusinessService } from '../dist/businesses/business-service.js';
import { parseDatabaseUrl } from '../dist/config.js';
import { uuidv7 } from '../dist/lib/ids.js';
import { toTimestamp } from '../dist/lib/timestamps.js';
import { openStorage } from '../dist/storage/storage.js';
import { customerRecord, randomSource } from './lib/dataset.mjs';

const CHUNK = 10_000;
const MAX_SAMPLE_IDS = 50_000;
/** One customer a second, oldest first, ending a minute ago. */
const STEP_MS = 1000;

const { databaseUrl, customers, businesses: businessCount, out } = JSON.parse(process.argv[2]);
const started = performance.now();
const storage = openStorage(parseDatabaseUrl(databaseUrl), {
  poolSize: 4,
  statementTimeoutMs: 600_000,
});
try {
  await storage.migrate();
  const firstMs = Date.now() - 60_000 - customers * STEP_MS;
  // Businesses exist before their first customer, so their ids sort before the customers'.
  const clock = { now: () => new Date(firstMs - 1000) };
  const service = new BusinessService(storage, clock);
  const businesses = [];
  for (let b = 0; b < businessCount; b++) {
    const { business, appSecret } = await service.create(
      `Bench Business ${b + 1}`,
      `bench-${b + 1}@example.com`,
    );
    businesses.push({
      businessId: business.businessId,
      accountId: business.accountId,
      appSecret,
      customers: 0,
    });
  }

  const perFirstBusiness = Math.ceil(customers / businessCount);
  const sampleStride = Math.max(1, Math.ceil(perFirstBusiness / MAX_SAMPLE_IDS));
  const sampleIds = [];
  const random = randomSource(20_251_126);
  /** @type {object[][]} */
  const pending = businesses.map(() => []);
  const flush = async (b) => {
    const records = pending[b];
    if (records.length === 0) return;
    pending[b] = [];
    const { businessId } = businesses[b];
    await storage.transaction((repos) => repos.customers.insertMany(businessId, records));
  };

  for (let i = 0; i < customers; i++) {
    const b = i % businessCount;
    const business = businesses[b];
    const createdMs = firstMs + i * STEP_MS;
    const customerId = uuidv7(createdMs);
    if (b === 0 && business.customers % sampleStride === 0) sampleIds.push(customerId);
    business.customers += 1;
    pending[b].push(
      customerRecord({
        businessId: business.businessId,
        customerId,
        sequence: i,
        createdMs,
        random,
        toTimestamp,
      }),
    );
    if (pending[b].length >= CHUNK) await flush(b);
  }
  for (let b = 0; b < businessCount; b++) await flush(b);

  const seconds = (performance.now() - started) / 1000;
  writeFileSync(out, JSON.stringify({ seconds, businesses, sampleIds }));
} finally {
  await storage.close();
}
