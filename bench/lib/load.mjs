/**
 * Load generators. Both take the same request template, so a scenario and its bare reference
 * are driven identically:
 *
 *   { method, paths, headers, body }
 *
 * One of `paths` is picked at random for each request; every `__UNIQUE__` in a header value or
 * the body is replaced by a value unique to that request (Idempotency-Key, email), and every
 * `__SERIAL__` by seven digits that change with each request (the end of a phone number). A
 * template with neither is built once and replayed, as autocannon does for static requests.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { HOST } from './processes.mjs';

/**
 * @typedef {object} RequestTemplate
 * @property {'GET' | 'POST'} method
 * @property {string[]} paths
 * @property {Record<string, string>} headers
 * @property {string} [body]
 */

/**
 * @typedef {object} LoadResult
 * @property {number} requestsPerSecond completed responses (any status) per second
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} requests
 * @property {number} non2xx
 * @property {number} errors connection errors and timeouts
 * @property {Record<string, number>} statusCodes
 * @property {number} [clientCpu] share of one core the load generator used (autocannon only):
 *   near 1, the generator, not the server, was the limit
 */

const UNIQUE = '__UNIQUE__';
const SERIAL = '__SERIAL__';
let uniqueCounter = 0;
const uniquePrefix = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** @param {RequestTemplate} template */
function isDynamic(template) {
  const text = JSON.stringify(template.headers) + (template.body ?? '');
  return template.paths.length > 1 || text.includes(UNIQUE) || text.includes(SERIAL);
}

/** @param {RequestTemplate} template  a function making the next concrete request */
export function requestMaker(template) {
  const headerEntries = Object.entries(template.headers);
  return () => {
    const count = uniqueCounter++;
    const unique = `${uniquePrefix}-${count}`;
    const serial = String(count % 10_000_000).padStart(7, '0');
    const fill = (text) => text.replaceAll(UNIQUE, unique).replaceAll(SERIAL, serial);
    const path =
      template.paths.length === 1
        ? template.paths[0]
        : template.paths[Math.floor(Math.random() * template.paths.length)];
    /** @type {Record<string, string>} */
    const headers = {};
    for (const [name, value] of headerEntries) headers[name] = fill(value);
    return {
      method: template.method,
      path,
      headers,
      body: template.body === undefined ? undefined : fill(template.body),
    };
  };
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** One autocannon run; latencies are kept at full (sub-millisecond) resolution. */
function autocannonOnce({ port, template, connections, duration, record }) {
  const next = requestMaker(template);
  const request = isDynamic(template)
    ? { setupRequest: (req) => Object.assign(req, next()) }
    : next();
  /** @type {number[]} */
  const latencies = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://${HOST}:${port}`,
        connections,
        duration,
        pipelining: 1,
        timeout: 30,
        requests: [request],
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies })),
    );
    if (record) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
}

/**
 * Warms up (unmeasured), then loads `port` for `duration` seconds with autocannon.
 * @param {{ port: number, template: RequestTemplate, connections: number, duration: number, warmup: number }} spec
 * @returns {Promise<LoadResult>}
 */
export async function loadWithAutocannon({ port, template, connections, duration, warmup }) {
  if (warmup > 0) {
    await autocannonOnce({ port, template, connections, duration: warmup, record: false });
  }
  const cpuBefore = process.cpuUsage();
  const { result, latencies } = await autocannonOnce({
    port,
    template,
    connections,
    duration,
    record: true,
  });
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const requests = result.requests.total;
  /** @type {Record<string, number>} */
  const statusCodes = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number(count);
  }
  return {
    requestsPerSecond: requests / result.duration,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    requests,
    non2xx: result.non2xx,
    errors: result.errors, // includes timeouts
    statusCodes,
    clientCpu: (cpu.user + cpu.system) / 1e6 / result.duration,
  };
}

/** `wrk` on PATH, or undefined. */
export function findWrk() {
  return new Promise((resolve) => {
    execFile('sh', ['-c', 'command -v wrk'], (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}

const luaString = (value) => JSON.stringify(value); // JSON string escapes are valid Lua

/** A wrk script that sends the template and prints one JSON line of figures at the end. */
function wrkScript(template) {
  const headers = Object.entries(template.headers)
    .map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`)
    .join(', ');
  return `
local paths = { ${template.paths.map(luaString).join(', ')} }
local header_template = { ${headers} }
local body_template = ${template.body === undefined ? 'nil' : luaString(template.body)}
local counter = 0
local thread_index = 0
local prefix = ""

function setup(thread)
  thread_index = thread_index + 1
  thread:set("tid", thread_index)
end

function init(args)
  prefix = "wrk" .. os.time() .. "-" .. tostring(tid) .. "-"
  math.randomseed(os.time() + (tid or 0))
end

request = function()
  counter = counter + 1
  local unique = prefix .. counter
  local serial = string.format("%07d", counter % 10000000)
  local headers = {}
  for name, value in pairs(header_template) do
    headers[name] = string.gsub(string.gsub(value, "${UNIQUE}", unique), "${SERIAL}", serial)
  end
  local body = nil
  if body_template then
    body = string.gsub(string.gsub(body_template, "${UNIQUE}", unique), "${SERIAL}", serial)
  end
  return wrk.format(${luaString(template.method)}, paths[math.random(#paths)], headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

/**
 * Loads `port` with wrk (warm-up, then `duration` seconds, whole seconds). wrk counts only
 * statuses above 399 as errors; with valid requests the server answers 2xx.
 * @param {{ wrk: string, tempDir: string, port: number, template: RequestTemplate, connections: number, duration: number, warmup: number }} spec
 * @returns {Promise<LoadResult>}
 */
export async function loadWithWrk({ wrk, tempDir, port, template, connections, duration, warmup }) {
  const script = join(tempDir, `wrk-${uniqueCounter++}.lua`);
  writeFileSync(script, wrkScript(template));
  const threads = String(Math.max(1, Math.floor(cpus().length / 2)));
  const run = (seconds) =>
    new Promise((resolve, reject) => {
      execFile(
        wrk,
        [
          '-t',
          threads,
          // wrk's default 2 s would count slow answers as errors; autocannon waits 30 s too.
          '--timeout',
          '30s',
          '-c',
          String(connections),
          '-d',
          `${seconds}s`,
          '-s',
          script,
          '--latency',
          `http://${HOST}:${port}`,
        ],
        { timeout: (seconds + 30) * 1000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`wrk failed: ${stderr}`)) : resolve(stdout),
      );
    });
  if (warmup > 0) await run(Math.max(1, Math.round(warmup)));
  const stdout = await run(Math.max(1, Math.round(duration)));
  const line = /WRK_RESULT (\{.*\})/.exec(stdout)?.[1];
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const figures = JSON.parse(line);
  return {
    requestsPerSecond: figures.requests / (figures.duration_us / 1e6),
    p50Ms: figures.p50_us / 1000,
    p99Ms: figures.p99_us / 1000,
    requests: figures.requests,
    non2xx: figures.non2xx,
    errors: figures.errors,
    statusCodes: {},
    clientCpu: Number.NaN,
  };
}
