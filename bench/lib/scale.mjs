/**
 * Scale checks (issue 5, targets 4 and 5): the same business-level requests on a small and a
 * large single-business database. Ratios are small ÷ large rates (or page 1 ÷ deep page), so
 * 1.0 means "no slower at scale".
 */
import { HOST } from './processes.mjs';
import { median } from './report.mjs';
import { authorisedGet, deepCursor, login } from './scenarios.mjs';
import { startClientele } from './servers.mjs';

/** Median wall time of `count` sequential requests, one at a time (no queueing). */
async function sequentialMs(port, path, token, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`http://${HOST}:${port}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Loads one server on one dataset with: retrieve, page 1, and (if `deep`) a deep cursor page.
 * @param {import('./datasets.mjs').Dataset} dataset
 * @param {(port: number, template: import('./load.mjs').RequestTemplate) => Promise<import('./load.mjs').LoadResult>} load
 * @param {boolean} deep
 */
async function measureDataset(dataset, load, deep) {
  // Without the list page cache: these checks are about what the queries cost at scale.
  const server = await startClientele(dataset, { LIST_CACHE_MB: '0' });
  try {
    const token = await login(server.port, dataset.businesses[0]);
    const page1Path = '/api/v1/customer?page=1&per_page=20';
    const figures = {
      customers: dataset.customers,
      readyMs: server.readyMs,
      page1SequentialMs: await sequentialMs(server.port, page1Path, token, 20),
      retrieve: await load(
        server.port,
        authorisedGet(
          token,
          dataset.sampleIds.map((id) => `/api/v1/customer/${id}`),
        ),
      ),
      page1: await load(server.port, authorisedGet(token, [page1Path])),
    };
    if (deep) {
      const { cursor, deepPage } = await deepCursor(server.port, token);
      figures.deepPage = deepPage;
      figures.deep = await load(
        server.port,
        authorisedGet(token, [`/api/v1/customer?cursor=${encodeURIComponent(cursor)}&per_page=20`]),
      );
    }
    figures.peakRssMb = server.peakRssMb();
    return figures;
  } finally {
    await server.stop();
  }
}

/**
 * @param {{ small: import('./datasets.mjs').Dataset, large: import('./datasets.mjs').Dataset }} datasets
 * @param {Parameters<typeof measureDataset>[1]} load
 * @param {(line: string) => void} log
 */
export async function measureScale({ small, large }, load, log) {
  const atSmall = await measureDataset(small, load, false);
  log(
    `    ${small.customers.toLocaleString('en-US')} customers: retrieve ${Math.round(atSmall.retrieve.requestsPerSecond)} req/s, page 1 ${Math.round(atSmall.page1.requestsPerSecond)} req/s`,
  );
  const atLarge = await measureDataset(large, load, true);
  log(
    `    ${large.customers.toLocaleString('en-US')} customers: retrieve ${Math.round(atLarge.retrieve.requestsPerSecond)} req/s, page 1 ${Math.round(atLarge.page1.requestsPerSecond)} req/s, deep page ${Math.round(atLarge.deep.requestsPerSecond)} req/s`,
  );
  return {
    small: atSmall,
    large: atLarge,
    // Target 4: ≤ 1.15, ≤ 1.2, and about 1.0 (an unfiltered total must not scan).
    retrieveSmallOverLarge: atSmall.retrieve.requestsPerSecond / atLarge.retrieve.requestsPerSecond,
    page1OverDeep: atLarge.page1.requestsPerSecond / atLarge.deep.requestsPerSecond,
    page1SmallOverLarge: atSmall.page1.requestsPerSecond / atLarge.page1.requestsPerSecond,
    page1SequentialLargeOverSmall: atLarge.page1SequentialMs / atSmall.page1SequentialMs,
    // Target 5: ≤ 1000 ms and ≤ 200 MB on the large database.
    largeReadyMs: atLarge.readyMs,
    largePeakRssMb: atLarge.peakRssMb,
  };
}
