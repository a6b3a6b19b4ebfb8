/**
 * Durable-commit baseline: one INSERT per transaction into a fresh SQLite file in WAL mode with
 * synchronous=FULL (the server's settings), for a fixed time. This is what a server that
 * commits every create on its own can reach; group commit is the way past it.
 *
 * Usage: node bench/commit-loop.mjs <database-file> <seconds>; prints one JSON line:
 * { commits, seconds, commitsPerSecond }.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

const [file, secondsArg] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('create table customers (customer_id text primary key, body text not null)');
const insert = db.prepare('insert into customers (customer_id, body) values (?, ?)');
const insertOne = db.transaction((id, body) => insert.run(id, body));
// A row about the size of a stored customer.
const body = JSON.stringify({ name: 'Bench Customer', padding: 'x'.repeat(300) });

const deadline = performance.now() + Number(secondsArg) * 1000;
const started = performance.now();
let commits = 0;
while (performance.now() < deadline) {
  insertOne(randomUUID(), body);
  commits += 1;
}
const seconds = (performance.now() - started) / 1000;
db.close();
process.stdout.write(
  `${JSON.stringify({ commits, seconds, commitsPerSecond: commits / seconds })}\n`,
);
