// The activity report in real headless Chromium: an admin signs in, opens the reports, reads the report with its
// charts drawn (under the app's Content-Security-Policy, no script or style error), searches the free-text answers
// with the form, and prints it (navigation and forms hidden, every chart whole). axe-core audits both pages from
// a context that bypasses the CSP. Screenshots go to test-artifacts/screenshots/report-*.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { User } from '../../server/generated/prisma/client';
import {
  describeBrowser,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  startApp,
  watchPage,
  type PageWatch,
  type RunningApp,
} from '../support/browser';
import { factories, strongPassword } from '../support/factories';
import { creditSteps, evaluationInput, reportUrl } from './report-data';

const throttle = {
  loginPerIpPer15Min: 1000,
  registrationsPerIpPerHour: 1000,
  resetsPerIpPerHour: 1000,
  lockoutThreshold: 50,
  lockoutBaseSeconds: 1,
  lockoutMaxSeconds: 2,
};
const day = (iso: string) => new Date(`${iso}T10:00:00Z`);
const answers = [
  'Order a core biopsy before any nephrectomy',
  'Refer to a sarcoma centre <b>early</b>',
  'Discuss imaging findings with radiology',
  'Check for muscle markers on biopsy specimens',
];

describeBrowser('the activity report in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  let admin: BrowserContext;
  let audit: BrowserContext;
  let page: Page;
  let auditPage: Page;
  let watched: PageWatch;
  let adminUser: User;

  async function signInAs(target: Page, email: string) {
    await target.goto('/login');
    await target.getByLabel('Email').fill(email);
    await target.getByLabel('Password').fill(strongPassword);
    await Promise.all([
      target.waitForURL((url) => url.pathname !== '/login'),
      target.getByRole('button', { name: 'Sign in' }).click(),
    ]);
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startApp({ throttle, now: () => new Date('2026-11-27T12:00:00Z') }),
      launchBrowser(),
    ]);
    const make = factories(server.testApp);
    const steps = creditSteps(server.testApp);
    const days = ['2026-11-03', '2026-11-05', '2026-11-12', '2026-11-25'];
    for (const [i, text] of answers.entries()) {
      const learner = await make.user();
      if (i === 1) await make.scoredAttempt(learner, { wrong: 5, at: day(days[i]!) });
      await make.scoredAttempt(learner, { wrong: i % 3, at: day(days[i]!) });
      await steps.evaluate(
        learner,
        evaluationInput([5 - (i % 2), 4, 3 + (i % 3), 5], {
          relevance: 3 + (i % 3),
          freeOfBias: i !== 2,
          biasComment: i === 2 ? 'A drug brand in the treatment section' : null,
          intendedChange: text,
          overallQuality: 4 + (i % 2),
        }),
        day(days[i]!),
      );
      if (i < 3) await steps.claim(learner, day(days[i]!));
    }
    await make.scoredAttempt(await make.user(), { wrong: 6 });
    await make.readLessons(await make.user());
    adminUser = await make.user({ role: 'admin', fullName: 'Rhea Reports' });
    admin = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 900 } });
    audit = await browser.newContext({ baseURL: server.baseUrl, bypassCSP: true });
    [page, auditPage] = await Promise.all([admin.newPage(), audit.newPage()]);
    watched = watchPage(page);
    await signInAs(page, adminUser.email);
    await signInAs(auditPage, adminUser.email);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('when an admin opens the report from the list, then its charts are drawn under the CSP with their tables', async () => {
    watched.clear();
    await page.goto('/reports');
    await screenshot(page, 'report-index');
    await Promise.all([
      page.waitForURL(`**${reportUrl}`),
      page.getByRole('link', { name: 'Renal Leiomyosarcoma' }).click(),
    ]);
    expect(await page.locator('h1').innerText()).toBe('Report: Renal Leiomyosarcoma');
    const charts = page.locator('figure.chart img');
    expect(await charts.count()).toBe(6);
    const drawn = await charts.evaluateAll((imgs) =>
      imgs.map((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
    );
    expect(drawn).toEqual([true, true, true, true, true, true]);
    expect(await page.locator('#funnel-table tr[data-step="claimed"] td').nth(1).innerText()).toBe('3');
    await screenshot(page, 'report-activity');
    expect(watched.list()).toEqual([]);
  });

  it('when the admin searches the free-text answers, then only the matching ones are listed, markup as text', async () => {
    watched.clear();
    await page.goto(reportUrl);
    await page.getByLabel('Search the answers').fill('BIOPSY');
    await Promise.all([page.waitForURL(/q=BIOPSY/), page.getByRole('button', { name: 'Search' }).click()]);
    const listed = await page.locator('#answers-table tbody tr td:first-of-type').allInnerTexts();
    expect(listed).toEqual([answers[3], answers[0]]);
    await page.getByLabel('Search the answers').fill('<b>');
    await Promise.all([page.waitForURL(/q=%3Cb%3E/), page.getByRole('button', { name: 'Search' }).click()]);
    expect(await page.locator('#answers-table tbody tr td:first-of-type').allInnerTexts()).toEqual([
      answers[1],
    ]);
    expect(await page.locator('#answers-table b').count()).toBe(0);
    await page.locator('#answers').scrollIntoViewIfNeeded();
    await screenshot(page, 'report-search');
    expect(watched.list()).toEqual([]);
  });

  it('when the report is printed, then navigation and the search form are hidden and each chart is whole', async () => {
    await page.goto(reportUrl);
    await page.emulateMedia({ media: 'print' });
    try {
      expect(await page.locator('.site-header').isVisible()).toBe(false);
      expect(await page.locator('.search-form').isVisible()).toBe(false);
      expect(await page.locator('.site-footer').isVisible()).toBe(false);
      const breakInside = await page
        .locator('figure.chart')
        .evaluateAll((figures) => figures.map((f) => getComputedStyle(f).breakInside));
      expect(new Set(breakInside)).toEqual(new Set(['avoid']));
      await screenshot(page, 'report-print');
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it.each([
    { name: 'reports list', path: '/reports', h1: 'Reports' },
    { name: 'activity report', path: reportUrl, h1: 'Report: Renal Leiomyosarcoma' },
    {
      name: 'activity report, searched',
      path: `${reportUrl}?q=nothing-matches#answers`,
      h1: 'Report: Renal Leiomyosarcoma',
    },
  ])(
    'when the $name page is audited with axe-core, then it has no serious or critical violations',
    async ({ path, h1 }) => {
      const response = await auditPage.goto(path);
      expect(response?.status()).toBe(200);
      expect(await auditPage.locator('h1').innerText()).toBe(h1);
      expect(await seriousAxeViolations(auditPage)).toEqual([]);
    },
  );
});
