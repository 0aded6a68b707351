// The public pages as a reader sees them, in real headless Chromium: the journey from the catalogue through
// the 13 lessons to the references, citations, accessibility (axe-core) and a phone-width layout.
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  describeBrowser,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  startApp,
  type RunningApp,
  watchPage,
  type PageWatch,
} from '../support/browser';

const base = '/activities/renal-leiomyosarcoma';
const lessonCount = 13;

const pageTypes: { name: string; path: string; status: number; h1: string }[] = [
  { name: 'catalogue', path: '/', status: 200, h1: 'Activities' },
  { name: 'activity', path: base, status: 200, h1: 'Renal Leiomyosarcoma' },
  { name: 'lesson', path: `${base}/lessons/1-introduction`, status: 200, h1: 'Introduction' },
  { name: 'references', path: `${base}/references`, status: 200, h1: 'References' },
  { name: 'not-found', path: `${base}/lessons/14-nothing`, status: 404, h1: 'Page not found' },
];

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const seen = async (locator: Locator) => squash(await locator.innerText());

describeBrowser('the public pages in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  // The reader's context keeps the app's Content-Security-Policy; the audit context bypasses it to inject axe-core.
  let reader: BrowserContext;
  let audit: BrowserContext;
  let page: Page;
  let auditPage: Page;
  let watched: PageWatch;

  // One browser, one reader page and one audit page for the whole file: opening a page costs more than a test.
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startApp({ now: () => new Date('2027-03-01T12:00:00Z') }),
      launchBrowser(),
    ]);
    reader = await browser.newContext({ baseURL: server.baseUrl });
    audit = await browser.newContext({ baseURL: server.baseUrl, bypassCSP: true });
    [page, auditPage] = await Promise.all([reader.newPage(), audit.newPage()]);
    watched = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    watched.clear();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  /** Clicks a link and waits until the browser has loaded the page it points to. */
  const follow = async (link: Locator) => {
    const href = await link.getAttribute('href');
    if (!href) throw new Error('the link has no href');
    const target = new URL(href, page.url()).href;
    await Promise.all([page.waitForURL(target), link.click()]);
  };

  it('when a reader opens the catalogue and clicks the activity, then the activity page shows its objectives, credit designation and passing score', async () => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    expect(await seen(page.locator('h1'))).toBe('Activities');

    await follow(page.getByRole('link', { name: 'Renal Leiomyosarcoma' }));
    expect(new URL(page.url()).pathname).toBe(base);
    expect(await page.title()).toMatch(/^Renal Leiomyosarcoma · /);
    expect(await seen(page.locator('h1'))).toBe('Renal Leiomyosarcoma');

    const objectives = page.locator('section[aria-labelledby=objectives] ol > li');
    expect(await objectives.count()).toBe(4);
    expect(await seen(objectives.first())).toBe(
      'Describe the clinical characteristics of renal leiomyosarcoma.',
    );

    const designation = page.locator('.designation').first();
    const em = designation.locator('em');
    expect(await seen(em)).toContain('AMA PRA Category 1 Credit');
    expect(await em.evaluate((el) => getComputedStyle(el).fontStyle)).toBe('italic');
    expect(await seen(designation)).toContain('AMA PRA Category 1 Credits™');

    const passingScore = page.locator('section[aria-labelledby=method] strong');
    expect(await seen(passingScore)).toBe('75%');
    expect(await passingScore.isVisible()).toBe(true);
    expect(await seen(page.locator('section[aria-labelledby=method]'))).toContain('The passing score is 75%');

    expect(await page.getByRole('link', { name: 'Start the first lesson' }).isVisible()).toBe(true);
    expect(watched.list()).toEqual([]);
  });

  it('when a reader starts the first lesson and follows "next", then the 13 lessons come in the table-of-contents order and the last leads to the references', async () => {
    await page.goto(base);
    const toc = (await page.locator('.toc ol > li a').allInnerTexts()).map(squash);
    expect(toc).toHaveLength(lessonCount);

    await follow(page.getByRole('link', { name: 'Start the first lesson' }));
    for (let n = 1; n <= lessonCount; n++) {
      expect(await seen(page.locator('h1'))).toBe(toc[n - 1]);
      expect(await seen(page.locator('.lesson .eyebrow'))).toContain(`Lesson ${n} of ${lessonCount}`);
      expect(await seen(page.locator('.toc a[aria-current=page]'))).toBe(toc[n - 1]);
      expect(await page.locator('a[rel=prev]').count()).toBe(n === 1 ? 0 : 1);
      const next = page.locator('a[rel=next]');
      if (n < lessonCount) {
        expect(await seen(next)).toBe(`Next: ${toc[n]} →`);
        await follow(next);
      } else {
        expect(await next.count()).toBe(0);
      }
    }

    await follow(page.locator('.pager').getByRole('link', { name: 'References →' }));
    expect(new URL(page.url()).pathname).toBe(`${base}/references`);
    expect(await seen(page.locator('h1'))).toBe('References');
    expect(await page.locator('ol.references > li').count()).toBeGreaterThan(0);
    expect(watched.list()).toEqual([]);
  });

  it('when a reader follows the citation [1] in the Introduction, then the browser lands on reference 1 and shows it', async () => {
    await page.goto(`${base}/lessons/1-introduction`);
    const citation = page.locator('.lesson-body a.citation', { hasText: '[1]' }).first();
    expect(await seen(citation)).toBe('[1]');

    await follow(citation);
    const url = new URL(page.url());
    expect(url.pathname).toBe(`${base}/references`);
    expect(url.hash).toBe('#ref-1');

    const entry = page.locator('#ref-1');
    expect(await entry.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.querySelector(':target')?.id)).toBe('ref-1');
    // Scrolled into view, not merely present somewhere on the page (the top may sit a fraction of a pixel above 0).
    const position = await entry.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, scrollY: window.scrollY, height: window.innerHeight };
    });
    expect(position.scrollY).toBeGreaterThan(0);
    expect(position.top).toBeGreaterThan(-1);
    expect(position.bottom).toBeLessThanOrEqual(position.height);
    expect(watched.list()).toEqual([]);
  });

  it('when a reader opens Consultations, then its bulleted list is a real list of 6 items', async () => {
    await page.goto(`${base}/lessons/11-consultations`);
    const list = page.locator('.lesson-body ul');
    expect(await list.count()).toBe(1);
    expect(await list.evaluate((el) => el.tagName)).toBe('UL');
    const items = list.locator(':scope > li');
    expect(await items.count()).toBe(6);
    expect((await items.allInnerTexts()).map(squash)).toEqual([
      'Urologist',
      'Nephrologist',
      'Medical oncologist',
      'Radiation oncologist',
      'Interventional radiologist',
      'Pathologist',
    ]);
    expect(await list.evaluate((el) => getComputedStyle(el).listStyleType)).toBe('disc');
  });

  it.each(pageTypes)(
    'when the $name page is audited with axe-core, then it has no serious or critical violations',
    async ({ name, path, status, h1 }) => {
      const response = await auditPage.goto(path);
      expect(response?.status()).toBe(status);
      expect(await seen(auditPage.locator('h1'))).toBe(h1);
      await screenshot(auditPage, name);
      expect(await seriousAxeViolations(auditPage)).toEqual([]);
    },
  );

  it.each(pageTypes)(
    'when the $name page is shown at phone width (390×844), then it does not scroll sideways',
    async ({ name, path, status, h1 }) => {
      await page.setViewportSize({ width: 390, height: 844 });
      const response = await page.goto(path);
      expect(response?.status()).toBe(status);
      expect(await seen(page.locator('h1'))).toBe(h1);
      await screenshot(page, `${name}-phone`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    },
  );
});
