import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  createBusinessWithCli,
  freePort,
  killAllServers,
  localFetch,
  loginOverHttp,
  makeTempDir,
  seedCustomerBody,
  sqliteEnv,
  startServer,
} from './server-process.js';

/**
 * kill -9 at seeded random moments during a mixed create/update/delete load, ROUNDS times on one
 * database file. After each kill, read straight from the file: every acknowledged change is there,
 * an unacknowledged one is either wholly there (with its idempotency record) or not at all. After
 * each restart, retrying the in-flight requests (same key, same body) converges to one outcome.
 */

const ROUNDS = 20;
const WORKERS = 4;
const SEED = 0xc0ffee;

/** mulberry32: a small seeded generator, so every run kills at the same points of the load. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Known {
  id: string;
  name: string;
  deleted: boolean;
}

type Op =
  | { kind: 'create'; key: string; body: Record<string, unknown> }
  | { kind: 'update'; key: string; id: string; name: string }
  | { kind: 'delete'; id: string };

interface Answer {
  status: number;
  json: { data: Record<string, unknown> };
  replayed: boolean;
}

async function send(baseUrl: string, token: string, op: Op): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let url = `${baseUrl}/api/v1/customer`;
  let init: RequestInit = { method: 'DELETE', headers };
  if (op.kind !== 'delete') {
    headers['content-type'] = 'application/json';
    headers['idempotency-key'] = op.key;
  }
  if (op.kind === 'create') init = { method: 'POST', headers, body: JSON.stringify(op.body) };
  if (op.kind === 'update') {
    init = { method: 'PATCH', headers, body: JSON.stringify({ customer_name: op.name }) };
  }
  if (op.kind !== 'create') url += `/${op.id}`;
  const response = await localFetch(url, init);
  return {
    status: response.status,
    json: (await response.json()) as Answer['json'],
    replayed: response.headers.get('idempotent-replayed') === 'true',
  };
}

interface Row {
  customer_id: string;
  customer_name: string;
  customer_email: string;
  customer_phone: string;
  deleted_at: string | null;
}

/** The database file: as the killed process left it, or beside the running one (WAL readers
 * do not block it). Opened read-write, since WAL recovery after a kill may need to write. */
function readDatabase(path: string) {
  const db = new SQLite(path);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('select * from customers').all() as Row[];
    const keys = new Set(
      (
        db.prepare('select idempotency_key from idempotency_keys').all() as Array<{
          idempotency_key: string;
        }>
      ).map((r) => r.idempotency_key),
    );
    const counted = db
      .prepare('select coalesce(sum(live_customers), 0) as n from customer_count_shards')
      .get() as { n: number };
    return { rows, keys, counted: counted.n };
  } finally {
    db.close();
  }
}

afterAll(async () => {
  await killAllServers();
  await cleanupTempDirs();
}, 60_000);

describe(`kill -9 during a mixed load, ${ROUNDS} rounds (seed ${SEED})`, {
  timeout: 300_000,
}, () => {
  it('loses no acknowledged change, leaves nothing half-done, and retries converge', async () => {
    const random = seeded(SEED);
    const dir = await makeTempDir();
    const port = await freePort();
    const env = sqliteEnv(dir, port);
    const dbPath = join(dir, 'db.sqlite');
    const credentials = await createBusinessWithCli(env, dir);
    const known = new Map<string, Known>();
    let keySequence = 0;
    const totals = { acknowledged: 0, inFlight: 0, appliedInFlight: 0 };

    // Each round's restart (for the retries) is also the next round's server under load.
    let server = await startServer({ cwd: dir, env, port });
    const servers = [server];
    const tokens: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const token = await loginOverHttp(server.baseUrl, credentials);
      tokens.push(token);
      const busy = new Set<string>();
      const inFlight: Op[] = [];
      let dead = false;

      const nextOp = (): Op => {
        const live = [...known.values()].filter((c) => !c.deleted && !busy.has(c.id));
        const r = random();
        keySequence += 1;
        const key = `crash-round-${round}-${keySequence}`;
        if (live.length < 4 || r < 0.5) return { kind: 'create', key, body: seedCustomerBody() };
        const target = live[Math.floor(random() * live.length)]!;
        if (r < 0.8) return { kind: 'update', key, id: target.id, name: `Renamed ${keySequence}` };
        return { kind: 'delete', id: target.id };
      };

      const worker = async () => {
        while (!dead) {
          const op = nextOp();
          if (op.kind !== 'create') busy.add(op.id);
          let answer: Answer;
          try {
            answer = await send(server.baseUrl, token, op);
          } catch {
            inFlight.push(op); // no answer: the process died with it in flight
            return;
          }
          expect(answer.status, JSON.stringify(answer.json)).toBeLessThan(300);
          totals.acknowledged += 1;
          if (op.kind === 'create') {
            const id = String(answer.json.data.customer_id);
            known.set(id, { id, name: String(op.body.customer_name), deleted: false });
          } else {
            const entry = known.get(op.id)!;
            if (op.kind === 'update') entry.name = op.name;
            else entry.deleted = true;
            busy.delete(op.id);
          }
        }
      };

      const load = Promise.all(Array.from({ length: WORKERS }, worker));
      await sleep(40 + Math.floor(random() * 360));
      dead = true;
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      await load;
      totals.inFlight += inFlight.length;

      // 1. The file as the crash left it.
      const { rows, keys, counted } = readDatabase(dbPath);
      const byId = new Map(rows.map((row) => [row.customer_id, row]));
      const pendingOn = new Map(
        inFlight.flatMap((op) => (op.kind === 'create' ? [] : [[op.id, op]])),
      );
      for (const entry of known.values()) {
        const row = byId.get(entry.id);
        expect(row, `acknowledged customer ${entry.id} is missing (round ${round})`).toBeDefined();
        const pending = pendingOn.get(entry.id);
        if (pending?.kind === 'delete') continue;
        expect(row!.deleted_at !== null, `round ${round}: deletion state of ${entry.id}`).toBe(
          entry.deleted,
        );
        const names = pending?.kind === 'update' ? [entry.name, pending.name] : [entry.name];
        expect(names, `round ${round}: name of ${entry.id}`).toContain(row!.customer_name);
        if (pending?.kind === 'update') {
          expect(keys.has(pending.key), 'an update applied without its key, or the reverse').toBe(
            row!.customer_name === pending.name && pending.name !== entry.name,
          );
        }
      }
      const creates = inFlight.filter((op) => op.kind === 'create');
      for (const row of rows.filter((r) => !known.has(r.customer_id))) {
        const op = creates.find((c) => c.body.customer_email === row.customer_email);
        expect(op, `round ${round}: a row nobody created: ${row.customer_email}`).toBeDefined();
        // Wholly there: every field as sent, and its idempotency record with it.
        expect(row.customer_name).toBe(op!.body.customer_name);
        expect(row.customer_phone).toBe(op!.body.customer_phone);
        expect(row.deleted_at).toBeNull();
        expect(keys.has(op!.key), 'a created row without its idempotency record').toBe(true);
      }
      for (const op of creates) {
        const applied = rows.some((r) => r.customer_email === op.body.customer_email);
        expect(keys.has(op.key), 'an idempotency record without its row').toBe(applied);
        if (applied) totals.appliedInFlight += 1;
      }
      expect(counted).toBe(rows.filter((r) => r.deleted_at === null).length);

      // 2. Restart; retry every in-flight request twice: both answers agree.
      const restarted = await startServer({ cwd: dir, env, port });
      server = restarted;
      servers.push(restarted);
      const token2 = await loginOverHttp(restarted.baseUrl, credentials);
      tokens.push(token2);
      for (const op of inFlight) {
        const first = await send(restarted.baseUrl, token2, op);
        const second = await send(restarted.baseUrl, token2, op);
        if (op.kind === 'delete') {
          expect([200, 404]).toContain(first.status);
          expect(second.status).toBe(404);
          known.get(op.id)!.deleted = true;
          continue;
        }
        expect(first.status, JSON.stringify(first.json)).toBe(op.kind === 'create' ? 201 : 200);
        expect(second.status).toBe(first.status);
        expect(second.replayed).toBe(true);
        expect(second.json).toEqual(first.json);
        const id = String(first.json.data.customer_id);
        if (op.kind === 'create') {
          const before = rows.find((r) => r.customer_email === op.body.customer_email);
          if (before)
            expect(id, 'a retried create made a second customer').toBe(before.customer_id);
          known.set(id, { id, name: String(op.body.customer_name), deleted: false });
        } else {
          known.get(op.id)!.name = op.name;
        }
      }
      const after = readDatabase(dbPath);
      const emails = after.rows.map((r) => r.customer_email);
      expect(new Set(emails).size, 'one customer per create, retries included').toBe(emails.length);
      expect(after.rows.length).toBe(known.size);
    }
    await server.stop('SIGTERM');
    // Nothing secret and no stack trace in anything the processes wrote, crashes included.
    const output = servers.map((s) => s.stdout() + s.stderr()).join('\n');
    for (const secret of [credentials.app_secret, ...tokens]) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/\n\s+at /);
    console.log(
      `crash rounds: ${ROUNDS} kills, ${totals.acknowledged} acknowledged requests, ${totals.inFlight} in flight at a kill (${totals.appliedInFlight} creates of them had committed), ${known.size} customers checked`,
    );
    expect(totals.inFlight, 'the kills never caught a request in flight').toBeGreaterThan(0);
  });
});
