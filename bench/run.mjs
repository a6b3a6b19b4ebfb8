/**
 * `npm run bench`: seeds a dataset, runs the built server in its own process, loads it over
 * loopback from this one, and compares every scenario with a bare node:http server answering a
 * body of the same size in the same run. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, installCleanupHandlers, trackDirectory } from './lib/cleanup.mjs';
import { seedDataset } from './lib/datasets.mjs';
import { chooseLoaders, ENGINE_NAMES, measureCommitLoop, measureEngine } from './lib/measure.mjs';
import { parseOptions, USAGE } from './lib/options.mjs';
import { formatInt, gitState, machine, writeResults } from './lib/report.mjs';
import { measureScale } from './lib/scale.mjs';
import { startBare } from './lib/servers.mjs';
import { printSummary, summarise } from './lib/summary.mjs';

const log = (line = '') => process.stdout.write(`${line}\n`);

/** @typedef {import('./lib/options.mjs').BenchOptions} BenchOptions */

function toolVersions(wrk) {
  const require = createRequire(import.meta.url);
  let wrkVersion = null;
  if (wrk) {
    try {
      execFileSync(wrk, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      // `wrk -v` prints its version and exits 1.
      wrkVersion = /wrk (\S+)/.exec(`${error.stdout}`)?.[1] ?? 'unknown';
    }
  }
  return { autocannon: require('autocannon/package.json').version, wrk: wrkVersion };
}

/**
 * The main dataset of every engine, and with --scale the two single-business ones.
 * @param {BenchOptions} options
 * @param {string} tempDir
 */
async function seedAll(options, tempDir) {
  /** @type {Record<string, import('./lib/datasets.mjs').Dataset>} */
  const datasets = {};
  const scaleSets = {};
  const count = (n) => n.toLocaleString('en-US');
  for (const engine of options.engines) {
    const seed = (name, customers, businesses) =>
      seedDataset({
        name: `${engine}_${name}`,
        engine,
        postgresUrl: options.postgresUrl,
        tempDir,
        customers,
        businesses,
      });
    log(
      `Seeding ${ENGINE_NAMES[engine]}: ${count(options.customers)} customers over ${options.businesses} businesses…`,
    );
    const main = await seed('main', options.customers, options.businesses);
    log(
      `  seeded in ${main.seedSeconds.toFixed(1)} s (${formatInt(main.customers / main.seedSeconds)} customers/s)`,
    );
    datasets[engine] = main;
    if (options.scale) {
      const small = await seed('scale_small', options.scaleSmall, 1);
      const large = await seed('scale_large', options.scaleLarge, 1);
      log(
        `  scale datasets, one business each: ${count(small.customers)} in ${small.seedSeconds.toFixed(1)} s, ` +
          `${count(large.customers)} in ${large.seedSeconds.toFixed(1)} s`,
      );
      scaleSets[engine] = { small, large };
    }
  }
  return { datasets, scaleSets };
}

/** One pass over everything that is measured; the bare server lives for the pass. */
async function runOnce({ run, options, datasets, scaleSets, loaders, tempDir }) {
  log(`\nRun ${run} of ${options.runs}`);
  const result = { engines: {}, scale: {} };
  const bare = await startBare();
  try {
    for (const engine of options.engines) {
      const dataset = datasets[engine];
      result.engines[engine] = await measureEngine({ dataset, bare, options, loaders, log });
    }
  } finally {
    await bare.stop();
  }
  result.commitLoop = await measureCommitLoop(tempDir, options.commitSeconds, run);
  log(`  single-commit SQLite loop: ${formatInt(result.commitLoop.commitsPerSecond)} commits/s`);
  for (const engine of Object.keys(scaleSets)) {
    log(`  scale checks, ${ENGINE_NAMES[engine]}:`);
    result.scale[engine] = await measureScale(scaleSets[engine], loaders[0].load, log);
  }
  return result;
}

/** @param {BenchOptions} options */
async function main(options) {
  if (!existsSync('dist/bundle/main.js')) {
    throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  }
  const startedAt = new Date();
  const tempDir = mkdtempSync(join(tmpdir(), 'clientele-bench-'));
  trackDirectory(tempDir);
  const { loaders, wrk } = await chooseLoaders(options, tempDir);
  const tools = toolVersions(wrk);
  const host = machine();
  const git = gitState();

  log(
    `Clientele benchmark — ${startedAt.toISOString()} — commit ${git.commit?.slice(0, 12) ?? '?'}${git.dirty ? ' (+ uncommitted changes)' : ''}`,
  );
  log(`Machine: ${host.cpu}, ${host.cores} cores, Node ${host.node} (${host.platform})`);
  log(
    `Load: autocannon ${tools.autocannon}${wrk ? ` and wrk ${tools.wrk}` : ''}, ${options.connections} connections, ` +
      `${options.duration} s per measurement after ${options.warmup} s warm-up, 127.0.0.1; ${options.runs} run(s)`,
  );

  const { datasets, scaleSets } = await seedAll(options, tempDir);
  const runs = [];
  for (let run = 1; run <= options.runs; run++) {
    runs.push(await runOnce({ run, options, datasets, scaleSets, loaders, tempDir }));
  }

  const summary = summarise({ runs, datasets, scaleSets });
  const date = startedAt.toISOString();
  printSummary(summary, { date, git, machine: host, options }, log);
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  writeResults(options.out, {
    date,
    durationSeconds: seconds,
    git,
    machine: host,
    tools,
    // The URL may hold a password.
    options: { ...options, postgresUrl: options.postgresUrl ? '(set)' : undefined },
    ratioDefinition:
      'scenario req/s ÷ req/s of a bare node:http server answering a fixed JSON body of the same byte size, same requests, same run',
    ...summary,
  });
  log(`\nWrote ${options.out} (${seconds.toFixed(1)} s in all)`);
  return summary.problems.length === 0 ? 0 : 1;
}

let options;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (error) {
  process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
  process.exit(64);
}
if (options === undefined) {
  log(USAGE);
  process.exit(0);
}
installCleanupHandlers();
let exitCode = 1;
try {
  exitCode = await main(options);
} catch (error) {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
} finally {
  await cleanupAll();
}
process.exit(exitCode);
