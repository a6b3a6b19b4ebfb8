/**
 * Everything the benchmark starts or creates is registered here, and removed on every way out:
 * normal end, error, SIGINT/SIGTERM. Child processes are killed by their own pid only.
 */
import { rmSync } from 'node:fs';

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
/** @type {Set<string>} */
const directories = new Set();
/** @type {Array<() => Promise<void>>} */
const asyncCleanups = [];

/** @param {import('node:child_process').ChildProcess} child */
export function trackChild(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** @param {string} directory removed (recursively) at the end */
export function trackDirectory(directory) {
  directories.add(directory);
}

/** @param {() => Promise<void>} cleanup run at the end, e.g. dropping a PostgreSQL schema */
export function onCleanup(cleanup) {
  asyncCleanups.push(cleanup);
}

function killChildren() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function removeDirectories() {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

let cleaning;
/** Kills what is left, runs the async cleanups, removes temp directories. Safe to call twice. */
export function cleanupAll() {
  cleaning ??= (async () => {
    killChildren();
    for (const cleanup of asyncCleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        process.stderr.write(`bench: cleanup failed: ${error?.message ?? error}\n`);
      }
    }
    removeDirectories();
  })();
  return cleaning;
}

/** Installs the exit paths: signals clean up and exit 130/143; a plain exit kills children. */
export function installCleanupHandlers() {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping\n`);
      cleanupAll().finally(() => process.exit(code));
    });
  }
  // Last resort when something calls process.exit before cleanupAll finished.
  process.once('exit', () => {
    killChildren();
    removeDirectories();
  });
}
