import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKysely } from '../../src/storage/dialect.js';
import {
  PostgresReads,
  type ReadTemplate,
  TemplateCompiler,
} from '../../src/storage/statement-templates.js';
import { openStorage } from '../../src/storage/storage.js';
import { createdEvent, customerRecord } from '../helpers/customer-record.js';
import { createPostgresSchema, skipReason, type TestDatabase } from '../helpers/databases.js';
import { storageContract } from './storage-contract.js';

const reason = skipReason('TEST_DATABASE_URL');

/** A storage on a schema of its own (not migrated yet), and the schema, to drop at the end. */
async function storageOnFreshSchema(poolSize: number) {
  const schema = await createPostgresSchema();
  const storage = openStorage(
    { engine: 'postgres', url: schema.url },
    { poolSize, statementTimeoutMs: 5000, readCacheRows: 10_000 },
  );
  return { schema, storage };
}

// Skipped with the printed reason when TEST_DATABASE_URL is unset (skipReason throws under CI).
describe.skipIf(reason)('PostgreSQL', () => {
  let schema: TestDatabase | undefined;
  storageContract('PostgreSQL', {
    open: async () => {
      schema = await createPostgresSchema();
      return openStorage(
        { engine: 'postgres', url: schema.url },
        { poolSize: 4, statementTimeoutMs: 5000, readCacheRows: 10_000 },
      );
    },
    dispose: async () => schema?.drop(),
  });
});

describe.skipIf(reason)('PostgreSQL: one database, several schemas', () => {
  it('migrates a fresh schema while another schema already holds a migrated copy', async () => {
    const schemas = [await createPostgresSchema(), await createPostgresSchema()];
    const storages = schemas.map((s) =>
      openStorage(
        { engine: 'postgres', url: s.url },
        { poolSize: 2, statementTimeoutMs: 5000, readCacheRows: 10_000 },
      ),
    );
    try {
      for (const storage of storages) await storage.migrate();
      for (const storage of storages) expect(await storage.customers.count('any', {})).toBe(0);
    } finally {
      await Promise.all(storages.map((storage) => storage.close()));
      await Promise.all(schemas.map((s) => s.drop()));
    }
  });
});

describe.skipIf(reason)('PostgreSQL: prepared statements', () => {
  it('for reads keep working when a migration changes a table under a statement prepared before it', async () => {
    const { schema, storage } = await storageOnFreshSchema(1);
    const client = new pg.Client({ connectionString: schema.url });
    try {
      await storage.migrate();
      const business = '0190a6f4-0000-7000-8000-00000000000a';
      const id = '0190a6f4-0000-7000-8000-0000000000c1';
      expect(await storage.customers.findLive(business, id)).toBeUndefined();
      await client.connect();
      // `select *` now returns another column: PostgreSQL refuses the old prepared plan (0A000).
      await client.query('alter table customers add column later_column text');
      expect(await storage.customers.findLive(business, id)).toBeUndefined();
      expect(await storage.customers.findLive(business, id)).toBeUndefined();
    } finally {
      await client.end();
      await storage.close();
      await schema.drop();
    }
  });

  it('for writes keep working when a migration changes the tables they write', async () => {
    const { schema, storage } = await storageOnFreshSchema(1);
    const client = new pg.Client({ connectionString: schema.url });
    const business = '0190a6f4-0000-7000-8000-00000000000a';
    const createWithEvent = () =>
      storage.transaction(async (repos) => {
        const record = customerRecord(business);
        await repos.customers.insert(record);
        await repos.events.append(createdEvent(record));
      });
    try {
      await storage.migrate();
      await createWithEvent();
      await client.connect();
      for (const table of ['customers', 'outbox_events', 'customer_count_shards']) {
        await client.query(`alter table ${table} add column later_column text`);
      }
      await createWithEvent();
      await createWithEvent();
      expect(await storage.customers.count(business, {})).toBe(3);
      expect(await storage.events.listForBusiness(business)).toHaveLength(3);
    } finally {
      await client.end();
      await storage.close();
      await schema.drop();
    }
  });
});

describe.skipIf(reason)('PostgreSQL: batched reads', () => {
  it('answer calls made while others wait together, each with its own row, values of any text', async () => {
    const schema = await createPostgresSchema();
    const engine = createKysely(
      { engine: 'postgres', url: schema.url },
      { poolSize: 4, statementTimeoutMs: 5000, readCacheRows: 10_000 },
    );
    if (engine.engine !== 'postgres') throw new Error('expected PostgreSQL');
    try {
      await sql`create table access_tokens (business_id text, jti text, issued_at text,
        expires_at text, revoked_at text)`.execute(engine.db);
      const awkward = ['plain', 'with "quotes"', "it's", 'a,b', '{braces}', 'back\\slash', ''];
      for (const [i, jti] of awkward.entries()) {
        await sql`insert into access_tokens values ('b1', ${jti}, ${`issued ${i}`}, 'e', null)`.execute(
          engine.db,
        );
      }
      let roundTrips = 0;
      const query = engine.pool.query.bind(engine.pool);
      engine.pool.query = ((...args: Parameters<typeof query>) => {
        roundTrips += 1;
        return query(...args);
      }) as typeof engine.pool.query;
      const reads = new PostgresReads(engine.pool, new TemplateCompiler(engine.db));
      const issuedAt: ReadTemplate<{ issued_at: string }> = (db, param) =>
        db
          .selectFrom('access_tokens')
          .select('issued_at')
          .where('business_id', '=', param<string>(0))
          .where('jti', '=', param<string>(1));

      const asked = Array.from({ length: 40 }, (_, i) => {
        const jti = awkward[i % (awkward.length + 1)] ?? 'missing';
        return { business: i % 3 === 2 ? 'b2' : 'b1', jti };
      });
      const answers = await Promise.all(
        asked.map(({ business, jti }) => reads.firstBatched(issuedAt, [business, jti])),
      );
      asked.forEach(({ business, jti }, i) => {
        const index = awkward.indexOf(jti);
        const expected =
          business === 'b1' && index >= 0 ? { issued_at: `issued ${index}` } : undefined;
        expect(answers[i], `${business}/${jti}`).toEqual(expected);
      });
      // Two go alone; the other 38 wait for them and go together.
      expect(roundTrips).toBe(3);
      expect(await reads.firstBatched(issuedAt, ['b1', "it's"])).toEqual({ issued_at: 'issued 2' });
    } finally {
      await engine.db.destroy();
      await schema.drop();
    }
  });
});

describe.skipIf(reason)('PostgreSQL: closing writes and named writes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("send a create's closing writes as one statement, and its writes as named statements", async () => {
    const { schema, storage } = await storageOnFreshSchema(1);
    const business = '0190a6f4-0000-7000-8000-00000000000a';
    const create = (key: string) =>
      storage.transaction(async (repos) => {
        const record = customerRecord(business);
        await repos.idempotency.tryInsert({
          businessId: business,
          key,
          fingerprint: 'f',
          responseStatus: 0,
          responseBody: '',
          createdAt: record.createdAt,
          expiresAt: '2999-01-01T00:00:00.000000Z',
        });
        await repos.customers.insert(record);
        await repos.events.append(createdEvent(record));
        await repos.idempotency.complete(business, key, 201, `sealed ${key}`);
      });
    try {
      await storage.migrate();
      const sent: Array<{ text: string; name?: string }> = [];
      const query = pg.Client.prototype.query;
      vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
        this: pg.Client,
        ...args: unknown[]
      ) {
        const [first] = args;
        if (typeof first === 'string') sent.push({ text: first });
        else sent.push(first as { text: string; name?: string });
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query);
      await create('key-1');
      await create('key-2');
      const shapes = sent.map(({ text, name }) => ({ text: text.slice(0, 40), named: !!name }));
      const oneCreate = [
        { text: 'begin', named: false },
        { text: 'insert into "idempotency_keys" ("busines', named: true },
        { text: 'insert into "customers" ("business_id", ', named: true },
        { text: 'with w0 as (insert into "outbox_events" ', named: true },
        { text: 'commit', named: false },
      ];
      expect(shapes).toEqual([...oneCreate, ...oneCreate]);
      expect(sent[3]?.text).toMatch(
        /^with w0 as \(insert into "outbox_events" .*\), w1 as \(update "idempotency_keys" .*\), w2 as \(insert into "customer_count_shards" .*\) select 1$/,
      );
      // One name for each text, the same for both creates, none for two texts.
      const names = sent.filter((query) => query.name).map(({ name, text }) => `${name}=${text}`);
      expect(new Set(names).size).toBe(3);
      expect(new Set(sent.map((query) => query.name).filter(Boolean)).size).toBe(3);
      for (const key of ['key-1', 'key-2']) {
        const found = await storage.idempotency.find(business, key, '2026-01-01T00:00:00.000000Z');
        expect(found?.responseBody).toBe(`sealed ${key}`);
      }
      expect(await storage.events.listForBusiness(business)).toHaveLength(2);
      expect(await storage.customers.count(business, {})).toBe(2);
    } finally {
      vi.restoreAllMocks();
      await storage.close();
      await schema.drop();
    }
  });
});

describe.skipIf(reason)('PostgreSQL: customer counts', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("are written at a transaction's end, so an open one does not hold up other writes to the business", async () => {
    // Every write picks the same count row, as two writers sometimes do.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { schema, storage } = await storageOnFreshSchema(4);
    const business = '0190a6f4-0000-7000-8000-00000000000a';
    const newCustomer = () => customerRecord(business);
    let endFirst = () => {};
    const firstMayEnd = new Promise<void>((resolve) => {
      endFirst = resolve;
    });
    try {
      await storage.migrate();
      await storage.transaction((repos) => repos.customers.insert(newCustomer()));
      let firstInserted = () => {};
      const inserted = new Promise<void>((resolve) => {
        firstInserted = resolve;
      });
      const first = storage.transaction(async (repos) => {
        await repos.customers.insert(newCustomer());
        firstInserted();
        await firstMayEnd;
      });
      await inserted;
      // Had the first written its count change where it made it, that row would be locked until
      // it commits, and this one would wait for it.
      const second = storage.transaction((repos) => repos.customers.insert(newCustomer()));
      const stillWaiting = new Promise((resolve) => setTimeout(resolve, 2000, 'still waiting'));
      expect(await Promise.race([second.then(() => 'committed'), stillWaiting])).toBe('committed');
      endFirst();
      await first;
      expect(await storage.customers.count(business, {})).toBe(3);
      expect(await storage.customers.version(business)).toBe(3);
    } finally {
      endFirst();
      await storage.close();
      await schema.drop();
    }
  });

  it('are spread over rows whose sums are the total and the version', async () => {
    const { schema, storage } = await storageOnFreshSchema(4);
    const client = new pg.Client({ connectionString: schema.url });
    const business = '0190a6f4-0000-7000-8000-00000000000a';
    try {
      await storage.migrate();
      await Promise.all(
        Array.from({ length: 40 }, () =>
          storage.transaction((repos) => repos.customers.insert(customerRecord(business))),
        ),
      );
      await client.connect();
      const { rows } = await client.query(
        'select count(*)::int as count_rows from customer_count_shards where business_id = $1',
        [business],
      );
      // 40 writes on one of 16 rows each: all on one row would be a 16^-39 chance.
      expect(rows[0].count_rows).toBeGreaterThan(1);
      expect(await storage.customers.count(business, {})).toBe(40);
      expect(await storage.customers.version(business)).toBe(40);
    } finally {
      await client.end();
      await storage.close();
      await schema.drop();
    }
  });
});
