import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  freePort,
  killAllServers,
  makeTempDir,
  PROCESS_TIMEOUT_MS,
  type ServerProcess,
  sqliteEnv,
  startServer,
} from './server-process.js';

/**
 * GET /docs must work offline (SPEC §7: served from local files, no CDN). A real browser opens it
 * with every non-loopback request blocked and recorded; the reference must still render.
 */

const CHROMIUM = '/usr/bin/chromium';

function isLoopback(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || url === 'about:blank') {
    return true;
  }
  return parsed.hostname === '127.0.0.1';
}

// Like the PostgreSQL and Redis suites: skipped with a printed reason on a machine without the
// browser, but never under CI, where .ci/run installs it.
const browserMissing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y chromium); .ci/run does it`;
if (browserMissing && process.env.CI) throw new Error(browserMissing);
if (browserMissing) console.warn(`skipping the /docs browser test: ${browserMissing}`);

describe.skipIf(browserMissing)(
  '/docs in a browser with no network beyond loopback',
  {
    timeout: PROCESS_TIMEOUT_MS,
  },
  () => {
    let server: ServerProcess;
    let context: BrowserContext | undefined;
    let dir: string;
    const blocked: string[] = [];
    const requested: string[] = [];

    beforeAll(async () => {
      dir = await makeTempDir('clientele-docs-');
      const port = await freePort();
      server = await startServer({ cwd: dir, env: sqliteEnv(dir, port), port });
    }, PROCESS_TIMEOUT_MS);

    afterAll(async () => {
      await context?.close().catch(() => {});
      await killAllServers();
      await cleanupTempDirs();
    }, PROCESS_TIMEOUT_MS);

    it('renders the operations from local files only', async () => {
      context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          // A second fence below the request interception: nothing but loopback resolves.
          '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
        ],
      });
      await context.route('**', async (route) => {
        const url = route.request().url();
        if (isLoopback(url)) {
          await route.continue();
        } else {
          blocked.push(url);
          await route.abort('blockedbyclient');
        }
      });
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('request', (request) => {
        requested.push(request.url());
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));

      const response = await page.goto(`${server.baseUrl}/docs`, { waitUntil: 'load' });
      expect(response?.ok(), `GET /docs answered ${response?.status()}`).toBe(true);

      // Swagger UI has fetched the document and rendered the operations.
      await page.getByText('Retrieve a customer').first().waitFor({ timeout: 60_000 });
      await page.getByText('Create a customer').first().waitFor({ timeout: 10_000 });
      await expect(page.locator('.opblock').count()).resolves.toBeGreaterThanOrEqual(5);
      expect(await page.locator('.opblock-summary-path').allTextContents()).toEqual(
        expect.arrayContaining(['/api/v1/customer/{customer_id}']),
      );
      // Nothing failed to load from the page's own assets.
      expect(pageErrors).toEqual([]);

      const screenshot = join(dir, 'docs.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(1000);
      expect(readFileSync(screenshot).subarray(1, 4).toString('latin1')).toBe('PNG');

      expect(blocked, `requests that tried to leave loopback: ${blocked.join(', ')}`).toEqual([]);
      expect(requested.length).toBeGreaterThan(1);
      for (const url of requested) expect(isLoopback(url), url).toBe(true);
    });
  },
);
