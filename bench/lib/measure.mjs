/** One run's measurements: every scenario against Clientele and the bare server, the commit loop. */
import { join } from 'node:path';
import { findWrk, loadWithAutocannon, loadWithWrk } from './load.mjs';
import { runNode } from './processes.mjs';
import { formatFixed, formatInt } from './report.mjs';
import { bareTemplate, prepareScenarios } from './scenarios.mjs';
import { startClientele } from './servers.mjs';

export const ENGINE_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * @typedef {object} Loader
 * @property {'autocannon' | 'wrk'} tool
 * @property {(port: number, template: import('./load.mjs').RequestTemplate) => Promise<import('./load.mjs').LoadResult>} load
 */

/**
 * The load tools to use: autocannon always, wrk too when asked for and installed.
 * @param {import('./options.mjs').BenchOptions} options
 * @param {string} tempDir for wrk's scripts
 * @returns {Promise<{ loaders: Loader[], wrk: string | undefined }>}
 */
export async function chooseLoaders(options, tempDir) {
  const wrk = options.wrk ? await findWrk() : undefined;
  const common = {
    connections: options.connections,
    duration: options.duration,
    warmup: options.warmup,
  };
  /** @type {Loader[]} */
  const loaders = [
    {
      tool: 'autocannon',
      load: (port, template) => loadWithAutocannon({ port, template, ...common }),
    },
  ];
  if (wrk) {
    loaders.push({
      tool: 'wrk',
      load: (port, template) => loadWithWrk({ wrk, tempDir, port, template, ...common }),
    });
  }
  return { loaders, wrk };
}

function assertAlive(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`a server under load has exited:\n${server.output()}`);
  }
}

/**
 * One engine, one run: each scenario against Clientele, then at once the same requests against
 * the bare server with a body of the same size.
 * @param {object} spec
 * @param {import('./datasets.mjs').Dataset} spec.dataset
 * @param {import('./processes.mjs').RunningProcess} spec.bare
 * @param {import('./options.mjs').BenchOptions} spec.options
 * @param {Loader[]} spec.loaders
 * @param {(line: string) => void} spec.log
 */
export async function measureEngine({ dataset, bare, options, loaders, log }) {
  const server = await startClientele(dataset);
  let result;
  try {
    log(`  ${ENGINE_NAMES[dataset.engine]}: server ready in ${Math.round(server.readyMs)} ms`);
    const rows = await measureScenarios({ server, dataset, bare, options, loaders, log });
    result = { readyMs: server.readyMs, peakRssMb: server.peakRssMb(), scenarios: rows };
  } finally {
    await server.stop();
  }
  // The list routes keep pages, and on SQLite the token and customer reads keep their rows,
  // while nothing changes; so the rows above measure a page or customer asked for again. These
  // measure each computed afresh, as a client walking cursors once (or a customer looked up
  // once) gets them.
  const uncachedNames = options.scenarios.filter((name) => CACHED_SCENARIOS.includes(name));
  if (uncachedNames.length > 0) {
    const uncached = await startClientele(dataset, { LIST_CACHE_MB: '0', READ_CACHE_ROWS: '0' });
    try {
      const rows = await measureScenarios({
        server: uncached,
        dataset,
        bare,
        options: { ...options, scenarios: uncachedNames },
        loaders,
        log,
        variant: { name: '_uncached', label: ', no cache' },
      });
      result.scenarios.push(...rows);
    } finally {
      await uncached.stop();
    }
  }
  return result;
}

const CACHED_SCENARIOS = ['retrieve', 'list', 'list_deep', 'list_filter'];

/** Every scenario of `options` against `server`, each followed by the bare server. */
async function measureScenarios({
  server,
  dataset,
  bare,
  options,
  loaders,
  log,
  variant = { name: '', label: '' },
}) {
  const scenarios = await prepareScenarios({
    port: server.port,
    dataset,
    names: options.scenarios,
    quick: options.quick,
  });
  const rows = [];
  for (const scenario of scenarios) {
    for (const { tool, load } of loaders) {
      assertAlive(server);
      const measured = await load(server.port, scenario.template);
      assertAlive(bare);
      const reference = await load(
        bare.port,
        bareTemplate(scenario.template, scenario.responseBytes),
      );
      const row = {
        name: `${scenario.name}${variant.name}`,
        label: `${scenario.label}${variant.label}`,
        tool,
        responseBytes: scenario.responseBytes,
        ...measured,
        bareRequestsPerSecond: reference.requestsPerSecond,
        bareP50Ms: reference.p50Ms,
        bareP99Ms: reference.p99Ms,
        bareClientCpu: reference.clientCpu,
        ratio: measured.requestsPerSecond / reference.requestsPerSecond,
      };
      rows.push(row);
      const trouble =
        row.non2xx + row.errors > 0 ? `  (${row.non2xx} non-2xx, ${row.errors} errors)` : '';
      log(
        `    ${`${row.label} [${tool}]`.padEnd(38)} ${formatInt(row.requestsPerSecond).padStart(7)} req/s` +
          `   bare ${formatInt(row.bareRequestsPerSecond).padStart(7)}   ratio ${formatFixed(row.ratio, 3)}${trouble}`,
      );
    }
  }
  return rows;
}

/**
 * Target 3's yardstick: one INSERT per transaction, WAL + synchronous=FULL, on a fresh file.
 * @returns {Promise<{ commits: number, seconds: number, commitsPerSecond: number }>}
 */
export async function measureCommitLoop(tempDir, seconds, run) {
  const output = await runNode([
    'bench/commit-loop.mjs',
    join(tempDir, `commit-loop-${run}.db`),
    String(seconds),
  ]);
  return JSON.parse(output);
}
