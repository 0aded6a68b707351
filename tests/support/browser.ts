// Real headless Chromium for the browser tests: find the binary, launch it, serve the real app over http,
// run axe-core on a page and keep screenshots. Without Chromium the browser suites are skipped loudly,
// except in CI (CI=true), where a missing Chromium fails the run.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestApp, projectRoot, type TestApp } from './app';

// CHROMIUM_PATH, when set, is the only place looked at, so that CHROMIUM_PATH=/nonexistent simulates a machine without it.
const candidates = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export const chromiumPath: string | undefined = candidates.find(executable);
export const browserAvailable: boolean = chromiumPath !== undefined;

const install = 'apt-get install chromium (or set CHROMIUM_PATH to a Chromium or Chrome binary)';

const skipDescribe = describe.skip;

function warnSkipped(name: string): void {
  const line = '='.repeat(78);
  console.warn(
    [
      line,
      `  BROWSER TESTS SKIPPED: "${name}"`,
      `  Chromium was not found (looked at: ${candidates.join(', ')}).`,
      `  Install it with:  ${install}`,
      '  In CI (CI=true) a missing Chromium fails the run instead of skipping.',
      line,
    ].join('\n'),
  );
}

/** `describe` when Chromium is available; otherwise a failing suite in CI, or a loudly skipped one elsewhere. */
export function describeBrowser(name: string, fn: () => void): void {
  if (browserAvailable) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('when Chromium is missing in CI, then the browser tests fail', () => {
        throw new Error(
          `Chromium is required in CI: none found at ${candidates.join(', ')}. Install it with: ${install}`,
        );
      });
    });
  } else {
    warnSkipped(name);
    skipDescribe(name, fn);
  }
}

// The background-networking flags keep Chromium quiet on this machine's closed network.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error(`Chromium not found (looked at: ${candidates.join(', ')})`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

export interface RunningApp {
  baseUrl: string;
  testApp: TestApp;
  close(): Promise<void>;
}

/** The real app on its own fresh database, listening over http on 127.0.0.1 at a free port. */
export async function startApp(options: Parameters<typeof createTestApp>[0] = {}): Promise<RunningApp> {
  const testApp = await createTestApp(options);
  const server = http.createServer(testApp.app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await testApp.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    testApp,
    async close() {
      // The browser's keep-alive connections would otherwise hold server.close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      await testApp.close();
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core on the page and returns the serious and critical violations. The app's Content-Security-Policy
 * blocks inline scripts, so the page must come from a context created with `{ bypassCSP: true }`.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  // A string rather than a function, so that coverage instrumentation can never leak into the browser.
  const violations = await page.evaluate<AxeViolation[]>(`
    axe.run(document, { resultTypes: ['violations'] }).then((results) =>
      results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((node) => node.target.join(' ')),
      })),
    )
  `);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export const screenshotDir = path.join(projectRoot, 'test-artifacts', 'screenshots');

/** Saves a full-page screenshot to test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface PageWatch {
  /** Everything that went wrong since the last clear(). */
  list(): string[];
  clear(): void;
}

/**
 * Records what a user would notice going wrong on a page: script errors, console errors (CSP violations among
 * them), failed requests and HTTP errors. A request Chromium aborts because its navigation became a download
 * (net::ERR_ABORTED) is forgiven, but only for downloads the page really made.
 */
export function watchPage(page: Page): PageWatch {
  const problems: string[] = [];
  const failedRequests: { url: string; error: string }[] = [];
  const downloads = new Set<string>();
  page.on('download', (download) => downloads.add(download.url()));
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('requestfailed', (request) =>
    failedRequests.push({ url: request.url(), error: request.failure()?.errorText ?? '' }),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return {
    list: () => [
      ...problems,
      ...failedRequests
        .filter((r) => !(r.error === 'net::ERR_ABORTED' && downloads.has(r.url)))
        .map((r) => `request failed: ${r.url} (${r.error})`),
    ],
    clear: () => {
      problems.length = 0;
      failedRequests.length = 0;
    },
  };
}
