import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from './errors.js';
import { SqliteReadThread } from './sqlite-read-thread.js';

/** Counts from 1 to `n`, one row at a time: a read that keeps SQLite busy for a while. */
const SLOW_COUNT =
  'with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) select count(*) as c from n';

describe('SqliteReadThread', () => {
  let dir: string;
  let path: string;
  let writer: SQLite.Database;
  let thread: SqliteReadThread;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-read-thread-'));
    path = join(dir, 'db.sqlite');
    writer = new SQLite(path);
    writer.pragma('journal_mode = WAL');
    writer.exec('create table t (id integer primary key, name text, score real)');
    writer.prepare('insert into t values (?, ?, ?)').run(1, 'one', 1.5);
    writer.prepare('insert into t values (?, ?, ?)').run(2, null, 2);
    thread = new SqliteReadThread(path, 1000);
  });
  afterEach(async () => {
    await thread.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the column names and the rows as arrays, with the values bound', async () => {
    expect(
      await thread.all('select id, name, score from t where id >= ? order by id', [1]),
    ).toEqual({
      columns: ['id', 'name', 'score'],
      rows: [
        [1, 'one', 1.5],
        [2, null, 2],
      ],
    });
    expect(await thread.all('select name from t where id = ?', [3])).toEqual({
      columns: ['name'],
      rows: [],
    });
  });

  it('sees what another connection committed since its last query', async () => {
    expect((await thread.all('select count(*) as n from t', [])).rows).toEqual([[2]]);
    writer.prepare('insert into t values (?, ?, ?)').run(3, 'three', 3);
    expect((await thread.all('select count(*) as n from t', [])).rows).toEqual([[3]]);
  });

  it('lets the event loop run while a query works', async () => {
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
    }, 1);
    try {
      const started = performance.now();
      const { rows } = await thread.all(SLOW_COUNT, [3_000_000]);
      const tookMs = performance.now() - started;
      expect(rows).toEqual([[3_000_000]]);
      // Meaningful only if the query took a while: on this thread the ticks could not run.
      expect(tookMs).toBeGreaterThan(100);
      expect(ticks).toBeGreaterThan(10);
    } finally {
      clearInterval(ticker);
    }
  });

  it('reports a failed query as an error and goes on answering', async () => {
    await expect(thread.all('select nope from t', [])).rejects.toThrow('no such column: nope');
    expect((await thread.all('select count(*) from t', [])).rows).toEqual([[2]]);
  });

  it('never writes', async () => {
    await expect(thread.all('delete from t returning id', [])).rejects.toThrow(/readonly/i);
    expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 2 });
  });

  it('fails the queries out as unavailable if its thread dies, and starts a new one', async () => {
    const out = thread.all(SLOW_COUNT, [50_000_000]);
    const worker = (thread as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await expect(out).rejects.toBeInstanceOf(StorageUnavailableError);
    expect((await thread.all('select count(*) from t', [])).rows).toEqual([[2]]);
  });

  it('once closed, fails the queries out and every later one', async () => {
    const out = thread.all(SLOW_COUNT, [50_000_000]);
    await thread.close();
    await expect(out).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(thread.all('select 1', [])).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
