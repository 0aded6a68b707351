// The item analysis page in headless Chromium, as an educator sees it after a cohort has taken the post-test: the
// charts load under the app's Content-Security-Policy (SVG data URIs, no script), nothing on the page errors, and
// axe-core finds no serious violation. Screenshots in test-artifacts/screenshots/item-analysis*.png.
import type { Browser, Page } from 'playwright-core';
import { strongPassword, factories, firstActivity } from '../support/factories';
import {
  describeBrowser,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  startApp,
  watchPage,
  type RunningApp,
} from '../support/browser';
import { answeredAttempt, seeded, type DrawnQuestion } from './analysis-data';

const path = `/items/${firstActivity}/analysis`;

describeBrowser('the item analysis page in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  let email: string;

  beforeAll(async () => {
    server = await startApp();
    const make = factories(server.testApp);
    const random = seeded(7);
    for (let i = 0; i < 24; i++) {
      const ability = i / 23;
      await answeredAttempt(server.testApp, make, (q: DrawnQuestion) =>
        random() < 0.3 + 0.6 * ability
          ? q.correct
          : [q.optionIds.filter((id) => !q.correct.includes(id))[i % 2] ?? q.optionIds[0]!],
      );
    }
    email = (await make.user({ role: 'educator' })).email;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(page: Page) {
    await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(path)}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(strongPassword);
    await Promise.all([page.waitForURL(`**${path}`), page.getByRole('button', { name: 'Sign in' }).click()]);
  }

  it('when an educator opens it, then both charts load under the CSP, nothing errors, and the page is screenshot', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const watch = watchPage(page);
      await signedIn(page);
      const sizes = await page
        .locator('figure.chart img')
        .evaluateAll((images) => images.map((img) => (img as HTMLImageElement).naturalWidth));
      expect(sizes).toHaveLength(2);
      expect(sizes.every((width) => width > 0)).toBe(true);
      expect(await page.locator('#item-versions tbody tr').count()).toBeGreaterThanOrEqual(24);
      await screenshot(page, 'item-analysis');
      await page.locator('details.analysis-help summary').click();
      await page.locator('figure.chart').first().scrollIntoViewIfNeeded();
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'item-analysis-narrow');
      expect(watch.list()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('when axe-core audits the page, then it finds no serious or critical violation', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const page = await context.newPage();
      await signedIn(page);
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
