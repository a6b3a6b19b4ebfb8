/** Starting, watching and stopping the processes under test. Loopback (127.0.0.1) only. */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { trackChild } from './cleanup.mjs';

export const HOST = '127.0.0.1';

/** A port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/** Peak resident set size of a live process in MB (VmHWM), undefined once it has gone. */
export function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * @typedef {object} RunningProcess
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} port
 * @property {number} readyMs from spawn to the ready line on stdout
 * @property {() => string} output the last lines it printed (both streams)
 * @property {() => number | undefined} peakRssMb
 * @property {() => Promise<void>} stop SIGTERM, then SIGKILL after 5 s
 */

/**
 * Spawns `node <args>` and resolves once a stdout line matches `ready`.
 * @param {object} spec
 * @param {string} spec.name for messages
 * @param {string[]} spec.args
 * @param {Record<string, string>} spec.env
 * @param {number} spec.port
 * @param {RegExp} spec.ready
 * @param {number} [spec.timeoutMs]
 * @returns {Promise<RunningProcess>}
 */
export function startProcess({ name, args, env, port, ready, timeoutMs = 60_000 }) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  /** @type {string[]} */
  const lines = [];
  const remember = (chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stderr.on('data', remember);
  const output = () => lines.join('\n');

  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });

  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${output()}`));
    };
    child.once('exit', onExit);
    child.stdout.on('data', (chunk) => {
      remember(chunk);
      if (buffered === undefined) return;
      buffered += chunk;
      if (!ready.test(buffered)) return;
      buffered = undefined;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        child,
        port,
        readyMs: performance.now() - started,
        output,
        peakRssMb: () => peakRssMb(child.pid),
        stop,
      });
    });
  });
}

/**
 * Runs `node <args>` to completion and returns its stdout; rejects with its stderr on failure.
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, timeoutMs?: number }} [options]
 * @returns {Promise<string>}
 */
export function runNode(args, { env = process.env, timeoutMs = 3_600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      args,
      { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`node ${args[0]} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
    trackChild(child);
  });
}
