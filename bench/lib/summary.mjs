/** Medians over runs, the printed report, and the shape of the results file. */
import { ENGINE_NAMES } from './measure.mjs';
import { formatFixed, formatInt, median, medianOf, scenarioTable, table } from './report.mjs';

const isCreate = (row) => row.name === 'create' && row.tool === 'autocannon';

/** Per-engine medians over runs, scenario by scenario; peak RSS is the maximum. */
function summariseEngine(perRun) {
  const keys = perRun[0].scenarios.map((row) => `${row.name}/${row.tool}`);
  return {
    readyMs: median(perRun.map((r) => r.readyMs)),
    peakRssMb: Math.max(...perRun.map((r) => r.peakRssMb ?? 0)),
    scenarios: keys.map((key) =>
      medianOf(perRun.map((r) => r.scenarios.find((row) => `${row.name}/${row.tool}` === key))),
    ),
  };
}

function summariseScale(perRun) {
  const pick = (f) => median(perRun.map(f));
  return {
    retrieveSmallOverLarge: pick((r) => r.retrieveSmallOverLarge),
    page1OverDeep: pick((r) => r.page1OverDeep),
    page1SmallOverLarge: pick((r) => r.page1SmallOverLarge),
    page1SequentialLargeOverSmall: pick((r) => r.page1SequentialLargeOverSmall),
    smallWarmPassPerSecond: pick((r) => r.small.warmPassPerSecond),
    largeWarmPassPerSecond: pick((r) => r.large.warmPassPerSecond),
    smallRetrievePerSecond: pick((r) => r.small.retrieve.requestsPerSecond),
    largeRetrievePerSecond: pick((r) => r.large.retrieve.requestsPerSecond),
    smallPage1PerSecond: pick((r) => r.small.page1.requestsPerSecond),
    largePage1PerSecond: pick((r) => r.large.page1.requestsPerSecond),
    largeDeepPerSecond: pick((r) => r.large.deep.requestsPerSecond),
    smallPage1SequentialMs: pick((r) => r.small.page1SequentialMs),
    largePage1SequentialMs: pick((r) => r.large.page1SequentialMs),
    largeReadyMs: pick((r) => r.largeReadyMs),
    largePeakRssMb: Math.max(...perRun.map((r) => r.largePeakRssMb ?? 0)),
  };
}

/**
 * Everything the results file holds besides its header.
 * @param {object} spec
 * @param {Array<{ engines: object, scale: object, commitLoop: { commitsPerSecond: number } }>} spec.runs
 * @param {Record<string, import('./datasets.mjs').Dataset>} spec.datasets
 * @param {Record<string, { small: import('./datasets.mjs').Dataset, large: import('./datasets.mjs').Dataset }>} spec.scaleSets
 */
export function summarise({ runs, datasets, scaleSets }) {
  const engines = {};
  const problems = [];
  for (const [engine, dataset] of Object.entries(datasets)) {
    const perRun = runs.map((r) => r.engines[engine]);
    const summary = summariseEngine(perRun);
    const hasCreate = engine === 'sqlite' && summary.scenarios.some(isCreate);
    const createVsSingleCommitLoop = hasCreate
      ? median(
          runs.map(
            (r) =>
              r.engines.sqlite.scenarios.find(isCreate).requestsPerSecond /
              r.commitLoop.commitsPerSecond,
          ),
        )
      : undefined;
    engines[engine] = {
      dataset: {
        customers: dataset.customers,
        businesses: dataset.businesses.length,
        seedSeconds: dataset.seedSeconds,
      },
      median: { ...summary, createVsSingleCommitLoop },
      runs: perRun,
    };
    for (const row of summary.scenarios) {
      if (row.non2xx + row.errors > 0) {
        problems.push(
          `${ENGINE_NAMES[engine]} ${row.label} [${row.tool}]: ${row.non2xx} non-2xx, ${row.errors} errors`,
        );
      }
    }
  }
  const scale = {};
  for (const [engine, { small, large }] of Object.entries(scaleSets)) {
    const perRun = runs.map((r) => r.scale[engine]);
    scale[engine] = {
      small: small.customers,
      large: large.customers,
      median: summariseScale(perRun),
      runs: perRun,
    };
  }
  const commitLoop = {
    commitsPerSecond: median(runs.map((r) => r.commitLoop.commitsPerSecond)),
    runs: runs.map((r) => r.commitLoop),
  };
  return { engines, commitLoop, scale, problems };
}

function printScale(engine, { small, large, median: m }, log) {
  const count = (n) => n.toLocaleString('en-US');
  log(
    `\nScale — ${ENGINE_NAMES[engine]}, one business, ${count(small)} vs ${count(large)} customers`,
  );
  const perSecond = (a, b) => `${formatInt(a)} / ${formatInt(b)} req/s`;
  log(
    table(
      ['check', 'figures', 'ratio', 'target'],
      [
        [
          'retrieve: rate at small ÷ at large',
          perSecond(m.smallRetrievePerSecond, m.largeRetrievePerSecond),
          formatFixed(m.retrieveSmallOverLarge, 3),
          '≤ 1.15',
        ],
        [
          'retrieve: warm-up pass, each sampled id once',
          perSecond(m.smallWarmPassPerSecond, m.largeWarmPassPerSecond),
          '',
          '(cold: not a target)',
        ],
        [
          'page 1 ÷ deep cursor page (large)',
          perSecond(m.largePage1PerSecond, m.largeDeepPerSecond),
          formatFixed(m.page1OverDeep, 3),
          '≤ 1.2',
        ],
        [
          'page 1 (total): rate small ÷ large',
          perSecond(m.smallPage1PerSecond, m.largePage1PerSecond),
          formatFixed(m.page1SmallOverLarge, 3),
          '≈ 1 (no scan)',
        ],
        [
          'page 1 alone: ms large ÷ small',
          `${formatFixed(m.largePage1SequentialMs, 2)} / ${formatFixed(m.smallPage1SequentialMs, 2)} ms`,
          formatFixed(m.page1SequentialLargeOverSmall, 3),
          '≈ 1 (no scan)',
        ],
        ['server on large: ready', `${formatInt(m.largeReadyMs)} ms`, '', '≤ 1000 ms'],
        ['server on large: peak RSS', `${formatFixed(m.largePeakRssMb, 1)} MB`, '', '≤ 200 MB'],
      ],
    ),
  );
}

/**
 * The final report.
 * @param {ReturnType<typeof summarise>} summary
 * @param {{ date: string, git: { commit?: string, dirty?: boolean }, machine: object, options: import('./options.mjs').BenchOptions }} context
 * @param {(line?: string) => void} log
 */
export function printSummary(summary, { date, git, machine, options }, log) {
  log(`\n${'='.repeat(100)}`);
  log(
    `Clientele benchmark — ${date.slice(0, 19)}Z — commit ${git.commit?.slice(0, 12) ?? '?'}${git.dirty ? '+dirty' : ''} — ${options.runs === 1 ? '1 run' : `median of ${options.runs} runs`}`,
  );
  log(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (${machine.platform})`,
  );
  log(
    `Load: ${options.connections} connections, ${options.duration} s per measurement (+${options.warmup} s warm-up); ratio = req/s ÷ bare node:http req/s (same body size, same run)`,
  );
  for (const [engine, { dataset, median: m }] of Object.entries(summary.engines)) {
    log(
      `\n${ENGINE_NAMES[engine]} — ${dataset.customers.toLocaleString('en-US')} customers over ${dataset.businesses} businesses (seeded in ${dataset.seedSeconds.toFixed(1)} s); server ready in ${formatInt(m.readyMs)} ms, peak RSS ${formatFixed(m.peakRssMb, 1)} MB`,
    );
    log(scenarioTable(m.scenarios));
    const clientBound = m.scenarios.filter((row) => row.bareClientCpu >= 0.9);
    if (clientBound.length > 0) {
      log(
        `note: autocannon used ≥ 90% of a core against the bare server in ${clientBound.map((row) => row.label).join(', ')}: ` +
          'there the bare figure is bounded by the load generator, so the ratio reads high',
      );
    }
    if (m.createVsSingleCommitLoop !== undefined) {
      const create = m.scenarios.find(isCreate);
      log(
        `create vs single-commit loop: ${formatInt(create.requestsPerSecond)} creates/s ÷ ${formatInt(summary.commitLoop.commitsPerSecond)} commits/s = ${formatFixed(m.createVsSingleCommitLoop, 2)}× (target ≥ 10×)`,
      );
    }
  }
  for (const [engine, scale] of Object.entries(summary.scale)) printScale(engine, scale, log);
  for (const problem of summary.problems) {
    log(`WARNING: ${problem} — that row's figures are not valid`);
  }
}
