/**
 * Scale checks (issue 5, targets 4 and 5): the same business-level requests on a small and a
 * large single-business database. Ratios are small ÷ large rates (or page 1 ÷ deep page), so
 * 1.0 means "no slower at scale".
 */
import { HOST } from './processes.mjs';
import { median } from './report.mjs';
import { authorisedGet, deepCursor, login } from './scenarios.mjs';
import { startClientele } from './servers.mjs';

/** `GET path`, read to the end; throws unless it answers 200. */
async function getOk(port, path, headers) {
  const response = await fetch(`http://${HOST}:${port}${path}`, { headers });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
}

/** Median wall time of `count` sequential requests, one at a time (no queueing). */
async function sequentialMs(port, path, token, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await getOk(port, path, { authorization: `Bearer ${token}` });
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Asks for every path of `template` once, `concurrency` at a time: the retrieve's working set
 * (the sampled customers' index and table pages) is then in memory, as it is on a server under
 * steady traffic. This machine pages out file cache left untouched for about a minute (a DAMON
 * `pageout` scheme), so a dataset idle since the previous phase would otherwise be measured
 * reading the disk, at a rate that depends on how long it sat idle. Returns the pass's rate.
 */
async function warmWorkingSet(port, template, concurrency = 10) {
  const paths = [...template.paths];
  const started = performance.now();
  const worker = async () => {
    for (let path = paths.pop(); path !== undefined; path = paths.pop()) {
      await getOk(port, path, template.headers);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return template.paths.length / ((performance.now() - started) / 1000);
}

/** Rounds of retrieve per dataset, alternating between the two servers. */
const RETRIEVE_ROUNDS = 3;

/** The load result with the median rate of `results` (an odd number of them). */
function medianResult(results) {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * A server on the dataset — without the list page cache or the read cache: these checks are
 * about what the queries cost at scale — logged in as its one business.
 * @param {import('./datasets.mjs').Dataset} dataset
 */
async function startOn(dataset) {
  const server = await startClientele(dataset, {
    LIST_CACHE_MB: '0',
    READ_CACHE_ROWS: '0',
    // Finding the deep page's cursor asks for it once by page number: an OFFSET of ~900,000
    // rows, which on a cold page cache (this machine drops it) took PostgreSQL more than the
    // default 5 s. The measured requests are keyset pages and reads by id, far from any limit.
    DATABASE_STATEMENT_TIMEOUT_MS: '120000',
  });
  try {
    const token = await login(server.port, dataset.businesses[0]);
    const retrieve = authorisedGet(
      token,
      dataset.sampleIds.map((id) => `/api/v1/customer/${id}`),
    );
    return { server, token, retrieve };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

const PAGE_1 = '/api/v1/customer?page=1&per_page=20';

/**
 * @param {{ small: import('./datasets.mjs').Dataset, large: import('./datasets.mjs').Dataset }} datasets
 * @param {(port: number, template: import('./load.mjs').RequestTemplate) => Promise<import('./load.mjs').LoadResult>} load
 * @param {(line: string) => void} log
 */
export async function measureScale({ small, large }, load, log) {
  // Both servers run side by side (the large one started alone, so its ready time is its own),
  // and retrieve is loaded on each in turn, RETRIEVE_ROUNDS times: a slow spell of the shared
  // machine then falls on both sizes instead of deciding the ratio.
  const atSmall = await startOn(small);
  let atLarge;
  try {
    atLarge = await startOn(large);
  } catch (error) {
    await atSmall.server.stop();
    throw error;
  }
  try {
    const warmPassPerSecond = {
      small: await warmWorkingSet(atSmall.server.port, atSmall.retrieve),
      large: await warmWorkingSet(atLarge.server.port, atLarge.retrieve),
    };
    const retrieveRounds = { small: [], large: [] };
    for (let round = 0; round < RETRIEVE_ROUNDS; round++) {
      retrieveRounds.small.push(await load(atSmall.server.port, atSmall.retrieve));
      retrieveRounds.large.push(await load(atLarge.server.port, atLarge.retrieve));
    }
    const figuresOf = async (dataset, { server, token }, rounds, warmPass) => ({
      customers: dataset.customers,
      readyMs: server.readyMs,
      warmPassPerSecond: warmPass,
      page1SequentialMs: await sequentialMs(server.port, PAGE_1, token, 20),
      retrieve: medianResult(rounds),
      retrieveRounds: rounds.map((r) => r.requestsPerSecond),
      page1: await load(server.port, authorisedGet(token, [PAGE_1])),
    });
    const smallFigures = await figuresOf(
      small,
      atSmall,
      retrieveRounds.small,
      warmPassPerSecond.small,
    );
    const largeFigures = await figuresOf(
      large,
      atLarge,
      retrieveRounds.large,
      warmPassPerSecond.large,
    );
    const { cursor, deepPage } = await deepCursor(atLarge.server.port, atLarge.token);
    largeFigures.deepPage = deepPage;
    largeFigures.deep = await load(
      atLarge.server.port,
      authorisedGet(atLarge.token, [
        `/api/v1/customer?cursor=${encodeURIComponent(cursor)}&per_page=20`,
      ]),
    );
    smallFigures.peakRssMb = atSmall.server.peakRssMb();
    largeFigures.peakRssMb = atLarge.server.peakRssMb();
    log(
      `    ${small.customers.toLocaleString('en-US')} customers: warm-up pass ${Math.round(smallFigures.warmPassPerSecond)} req/s, retrieve ${Math.round(smallFigures.retrieve.requestsPerSecond)} req/s, page 1 ${Math.round(smallFigures.page1.requestsPerSecond)} req/s`,
    );
    log(
      `    ${large.customers.toLocaleString('en-US')} customers: warm-up pass ${Math.round(largeFigures.warmPassPerSecond)} req/s, retrieve ${Math.round(largeFigures.retrieve.requestsPerSecond)} req/s, page 1 ${Math.round(largeFigures.page1.requestsPerSecond)} req/s, deep page ${Math.round(largeFigures.deep.requestsPerSecond)} req/s`,
    );
    return {
      small: smallFigures,
      large: largeFigures,
      // Target 4: ≤ 1.15, ≤ 1.2, and about 1.0 (an unfiltered total must not scan).
      retrieveSmallOverLarge:
        smallFigures.retrieve.requestsPerSecond / largeFigures.retrieve.requestsPerSecond,
      page1OverDeep: largeFigures.page1.requestsPerSecond / largeFigures.deep.requestsPerSecond,
      page1SmallOverLarge:
        smallFigures.page1.requestsPerSecond / largeFigures.page1.requestsPerSecond,
      page1SequentialLargeOverSmall:
        largeFigures.page1SequentialMs / smallFigures.page1SequentialMs,
      // Target 5: ≤ 1000 ms and ≤ 200 MB on the large database.
      largeReadyMs: largeFigures.readyMs,
      largePeakRssMb: largeFigures.peakRssMb,
    };
  } finally {
    await Promise.all([atSmall.server.stop(), atLarge.server.stop()]);
  }
}
