/** Medians, the machine line, the printed tables and the results file. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

/** @param {number[]} values */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Per key, the median over runs of every numeric field (other fields from the first run).
 * @template {Record<string, unknown>} T
 * @param {T[]} rows one per run
 * @returns {T}
 */
export function medianOf(rows) {
  const out = { ...rows[0] };
  for (const [key, value] of Object.entries(rows[0])) {
    if (typeof value === 'number')
      out[key] = median(rows.map((row) => /** @type {number} */ (row[key])));
  }
  return /** @type {T} */ (out);
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? '?';
  return {
    cpu: model,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function gitState() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  };
  const status = git('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json');
  return {
    commit: git('rev-parse', 'HEAD'),
    dirty: status === undefined ? undefined : status !== '',
  };
}

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** Plain-text table; the first column is left-aligned, the rest right-aligned. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The scenario table of one engine.
 * @param {Array<{ label: string, tool: string, responseBytes: number, requestsPerSecond: number, p50Ms: number, p99Ms: number, bareRequestsPerSecond: number, ratio: number, non2xx: number, errors: number }>} rows
 */
export function scenarioTable(rows) {
  return table(
    ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'bytes', 'bare req/s', 'ratio', 'non-2xx', 'errors'],
    rows.map((r) => [
      r.tool === 'autocannon' ? r.label : `${r.label} [${r.tool}]`,
      int(r.requestsPerSecond),
      fixed(r.p50Ms, 2),
      fixed(r.p99Ms, 2),
      r.responseBytes,
      int(r.bareRequestsPerSecond),
      fixed(r.ratio, 3),
      int(r.non2xx),
      int(r.errors),
    ]),
  );
}

export const formatInt = int;
export const formatFixed = fixed;

/**
 * Writes JSON atomically (a .tmp file, then rename), then lets Biome format it: `npm run lint`
 * checks bench/, and a committed results file must pass it.
 */
export function writeResults(file, results) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(temporary, file);
  try {
    execFileSync('node_modules/.bin/biome', ['format', '--write', file], { stdio: 'ignore' });
  } catch {
    // Outside the project or ignored by git: Biome doesn't check it either.
  }
}
