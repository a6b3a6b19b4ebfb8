import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { StorageUnavailableError, translateStorageError } from './errors.js';

/** A query's answer: its column names, and its rows as arrays of values in that order. */
export interface ThreadRows {
  columns: string[];
  rows: unknown[][];
}

interface Query {
  id: number;
  sql: string;
  values: unknown[];
}

type Answer =
  | ({ id: number } & ThreadRows)
  | { id: number; error: { message: string; code: string | undefined } };

interface Waiting {
  resolve(rows: ThreadRows): void;
  reject(error: unknown): void;
}

/**
 * The worker thread's program. It runs from this function's source text (`String(...)`, with
 * `eval`): the same text then runs from the TypeScript sources under test, the compiled files and
 * the bundle, where a separate worker file would sit at a different path in each. So it uses
 * nothing from this module's scope, only the thread's own `require` (a parameter: a bundler
 * rewrites calls of a free `require`) and what `workerData` brings.
 *
 * Its connection is read-only (`query_only`), reads in WAL mode beside the server's connection,
 * and answers one query at a time, in the order they come.
 */
function readThreadProgram(load: NodeJS.Require): void {
  const { parentPort, workerData } = load('node:worker_threads');
  const Database = load(workerData.driver);
  const database = new Database(workerData.path, { fileMustExist: true });
  database.pragma('query_only = ON');
  database.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);
  const statements = new Map();
  parentPort.on('message', ({ id, sql, values }: Query) => {
    try {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql).raw(true);
        statements.set(sql, statement);
      }
      const rows = statement.all(...values);
      const columns = statement.columns().map((column: { name: string }) => column.name);
      parentPort.postMessage({ id, columns, rows });
    } catch (error) {
      const { message, code } = error as { message: string; code?: string };
      parentPort.postMessage({ id, error: { message, code } });
    }
  });
}

/**
 * A second connection to a SQLite database file, on a worker thread of its own, for the reads
 * that may visit many rows: a filtered count or list page walks the business's customers,
 * 0.4–1.1 s for a million (benchmark VM), and on the server's connection the event loop — every
 * other request, every payment's lookup — would wait that long. Here they wait in the thread.
 *
 * The thread starts at the first query; it holds the process open only while a query is out.
 * If it dies, the queries out fail as the database being unavailable, and the next query starts
 * a new thread.
 */
export class SqliteReadThread {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private lastId = 0;
  private closed = false;

  constructor(
    /** The database file, as an absolute path: the thread starts later, whatever the working
     * directory is then. */
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  all(sql: string, values: readonly unknown[]): Promise<ThreadRows> {
    if (this.closed) {
      return Promise.reject(new StorageUnavailableError(new Error('The read thread is closed')));
    }
    const worker = this.workerNow();
    this.lastId += 1;
    const query: Query = { id: this.lastId, sql, values: [...values] };
    return new Promise<ThreadRows>((resolve, reject) => {
      this.waiting.set(query.id, { resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage(query);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    this.failWaiting(new Error('The read thread was closed'));
  }

  private workerNow(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(`(${String(readThreadProgram)})(require)`, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.path,
        busyTimeoutMs: this.busyTimeoutMs,
      },
    });
    worker.unref();
    worker.on('message', (answer: Answer) => this.settle(answer));
    const lost = (cause: unknown) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failWaiting(cause);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`The read thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(answer: Answer): void {
    const waiting = this.waiting.get(answer.id);
    if (waiting === undefined) return;
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if ('error' in answer) {
      const { message, code } = answer.error;
      waiting.reject(translateStorageError(Object.assign(new Error(message), { code })));
    } else {
      waiting.resolve({ columns: answer.columns, rows: answer.rows });
    }
  }

  private failWaiting(cause: unknown): void {
    const error = new StorageUnavailableError(cause);
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}
