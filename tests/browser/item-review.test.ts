// The item bank in real headless Chromium: educator A writes an item (the form refuses an empty one first), a
// colleague's save from a stale form meets the conflict page, educator B reviews and publishes it, and a learner is
// served it in the post-test. The stem carries script, an event handler and a javascript: link that would set
// window.__xss if they ever ran: every context bypasses the CSP, so only escaping and sanitising stand in the way,
// and the global must stay undefined for the author, the reviewer and the learner. axe-core runs on each page;
// screenshots of each page go to test-artifacts/screenshots/items-*.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
import { relaxedThrottle } from '../support/app';

const bankPath = '/items/renal-leiomyosarcoma';
const payload =
  'Which finding <script>window.__xss = "script"</script> best suggests renal **leiomyosarcoma**? ' +
  '<img src=x onerror="window.__xss = \'img\'"> [details](javascript:window.__xss="link")';
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

interface Persona {
  name: string;
  email: string;
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  dialogs: string[];
}

describeBrowser('the item bank in a browser: write, conflict, review, publish, serve', () => {
  let server: RunningApp;
  let browser: Browser;
  let alice: Persona;
  let bruno: Persona;
  let learner: Persona;
  let itemPath = '';

  // Later steps need the state earlier ones leave behind: after a failure they stop at once and say why.
  let failedStep: string | undefined;
  const step = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (failedStep) throw new Error(`not run: the earlier step "${failedStep}" failed`);
      try {
        await fn();
        for (const who of [alice, bruno, learner]) {
          expect({ who: who.name, problems: who.watch.list(), dialogs: who.dialogs }).toEqual({
            who: who.name,
            problems: [],
            dialogs: [],
          });
        }
      } catch (error) {
        failedStep = name;
        throw error;
      }
    });

  const persona = async (name: string, email: string): Promise<Persona> => {
    // The CSP is bypassed on purpose: an injected script would run, so the test proves the escaping itself.
    const context = await browser.newContext({ baseURL: server.baseUrl, bypassCSP: true });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    return { name, email, context, page, watch: watchPage(page), dialogs };
  };

  const signIn = async (who: Persona) => {
    await who.page.goto('/login');
    await who.page.getByLabel('Email').fill(who.email);
    await who.page.getByLabel('Password').fill(strongPassword);
    await Promise.all([
      who.page.waitForURL(`${server.baseUrl}/`),
      who.page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
  };

  /** Clicks a submit button and waits for the page its form leads to; returns the POST's status. */
  const submit = async (on: Page, name: string | RegExp) => {
    const button = on.getByRole('button', { name });
    const [response] = await Promise.all([
      on.waitForResponse((r) => r.request().method() === 'POST'),
      on.waitForEvent('load'),
      button.click(),
    ]);
    return response.status();
  };

  const noScriptRan = async (who: Persona) =>
    expect({ who: who.name, xss: await who.page.evaluate<unknown>('window.__xss') }).toEqual({
      who: who.name,
      xss: undefined,
    });

  const axeClean = async (who: Persona, pageName: string) =>
    expect({ page: pageName, violations: await seriousAxeViolations(who.page) }).toEqual({
      page: pageName,
      violations: [],
    });

  /** The expected 4xx answers of a step (a refused form) are forgiven, nothing else. */
  const forgive = (who: Persona, status: number) => {
    const expected = who.watch
      .list()
      .filter((p) => p.startsWith(`HTTP ${status}:`) || p.includes(`status of ${status}`));
    expect(expected.length).toBeGreaterThan(0);
    const rest = who.watch.list().filter((p) => !expected.includes(p));
    who.watch.clear();
    expect(rest).toEqual([]);
  };

  beforeAll(async () => {
    [server, browser] = await Promise.all([startApp({ throttle: relaxedThrottle }), launchBrowser()]);
    const make = factories(server.testApp);
    const [a, b, l] = await Promise.all([
      make.user({ role: 'educator', fullName: 'Alice Author' }),
      make.user({ role: 'educator', fullName: 'Bruno Reviewer' }),
      make.user({ fullName: 'Lee Learner' }),
    ]);
    await make.readLessons(l);
    [alice, bruno, learner] = await Promise.all([
      persona('author', a.email),
      persona('reviewer', b.email),
      persona('learner', l.email),
    ]);
    await Promise.all([signIn(alice), signIn(bruno), signIn(learner)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  step(
    'when educator A opens the item bank, then the activity’s bank shows its counts and items',
    async () => {
      const { page } = alice;
      await page.getByRole('link', { name: 'Item bank' }).click();
      await page.waitForURL(`${server.baseUrl}/items`);
      await Promise.all([
        page.waitForURL(`${server.baseUrl}${bankPath}`),
        page.getByRole('link', { name: 'Renal Leiomyosarcoma' }).click(),
      ]);
      expect(squash(await page.locator('h1').innerText())).toBe('Renal Leiomyosarcoma: items');
      expect(await page.locator('table.item-counts tbody tr').count()).toBe(4);
      expect(await page.locator('table.item-list tbody tr').count()).toBe(24);
      await screenshot(page, 'items-bank');
      await axeClean(alice, 'bank');
    },
  );

  step(
    'when educator A sends the new-item form empty, then every required field says what is missing',
    async () => {
      const { page } = alice;
      await Promise.all([
        page.waitForURL(`${server.baseUrl}${bankPath}/new`),
        page.getByRole('link', { name: 'New item' }).click(),
      ]);
      await screenshot(page, 'items-form-new');
      await axeClean(alice, 'new item form');
      expect(await submit(page, 'Create the item')).toBe(422);
      forgive(alice, 422);
      expect(await page.locator('.notice-error li').allInnerTexts()).toEqual([
        'Give the item a name.',
        'Write the question (the stem).',
        'Give between 2 and 6 options.',
        'Mark the correct answer.',
        'Choose the objective this item assesses.',
      ]);
      await screenshot(page, 'items-form-errors');
      await axeClean(alice, 'form with errors');
    },
  );

  step(
    'when educator A fills in the form with a hostile stem, then the item page previews it inert, as learners will see it',
    async () => {
      const { page } = alice;
      await page.getByLabel('Name').fill('o3-browser-item');
      await page.getByLabel('Type').selectOption({ label: 'Single best answer' });
      await page.getByLabel('Question (stem)').fill(payload);
      await page
        .getByLabel('Option A')
        .fill('A large heterogeneous mass arising from the renal sinus or capsule');
      await page.getByLabel('Option B').fill('A small *simple* cyst');
      await page.getByLabel('Option C').fill('Macroscopic fat');
      await page.getByRole('checkbox', { name: 'A', exact: true }).check();
      await page.getByLabel('Rationale').fill('Renal LMS presents as a **large** heterogeneous mass.');
      await page.getByLabel('Objective').selectOption({ index: 3 });
      await page.getByLabel('Supporting section').selectOption({ label: 'Evaluation' });
      await page.locator('#reference-1').check();
      await screenshot(page, 'items-form');
      expect(await submit(page, 'Create the item')).toBe(303);
      itemPath = new URL(page.url()).pathname;
      expect(itemPath).toMatch(new RegExp(`^${bankPath}/\\d+$`));
      expect(squash(await page.getByRole('status').first().innerText())).toBe(
        'The item was created as a draft.',
      );
      const legend = page.locator('.preview fieldset.question legend');
      expect(await legend.innerText()).toContain('<script>window.__xss = "script"</script>');
      expect(await legend.locator('strong').innerText()).toBe('leiomyosarcoma');
      expect(await page.locator('.preview input[type=radio]').count()).toBe(3);
      await noScriptRan(alice);
      await screenshot(page, 'items-preview');
      await axeClean(alice, 'item preview');
    },
  );

  step(
    'when educator B saves a form opened before A saved, then the conflict page shows both texts and saves nothing',
    async () => {
      await bruno.page.goto(`${itemPath}/edit`);
      await alice.page.goto(`${itemPath}/edit`);
      await alice.page.getByLabel('Question (stem)').fill(`${payload} (revised by A)`);
      expect(await submit(alice.page, 'Save as a new version')).toBe(303);

      await bruno.page.getByLabel('Rationale').fill('B’s rationale, typed meanwhile.');
      expect(await submit(bruno.page, 'Save as a new version')).toBe(409);
      forgive(bruno, 409);
      const alert = bruno.page.locator('.conflict');
      expect(await alert.locator('h2').innerText()).toBe('Someone saved this item while you were editing it');
      expect(await alert.innerText()).toContain('(revised by A)');
      expect(await bruno.page.getByLabel('Rationale').inputValue()).toBe('B’s rationale, typed meanwhile.');
      await noScriptRan(bruno);
      await screenshot(bruno.page, 'items-conflict');
      await axeClean(bruno, 'conflict');
    },
  );

  step(
    'when educator A reads the history and submits for review, then the diff shows the change and A cannot publish',
    async () => {
      const { page } = alice;
      await page.goto(`${itemPath}/history`);
      const stemRow = page
        .locator('li.version')
        .first()
        .locator('tr', { has: page.locator('th', { hasText: 'Stem' }) });
      expect(squash(await stemRow.locator('ins').innerText())).toContain('(revised by A)');
      await noScriptRan(alice);
      await screenshot(page, 'items-history');
      await axeClean(alice, 'history');

      await page.goto(itemPath);
      expect(await submit(page, 'Submit for review')).toBe(303);
      expect(await page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
      expect(await page.getByRole('note').innerText()).toContain('Nobody publishes their own edit');
    },
  );

  step('when educator B reviews the item, then B approves and publishes it', async () => {
    const { page } = bruno;
    await page.goto(itemPath);
    await noScriptRan(bruno);
    await page.getByLabel(/^Comment/).fill('Checked against the evaluation section.');
    await axeClean(bruno, 'item in review');
    expect(await submit(page, 'Approve and publish version 2')).toBe(303);
    expect(squash(await page.getByRole('status').first().innerText())).toContain('approved and published');
    expect(squash(await page.locator('dl.item-facts').innerText())).toContain('Status Published');
    await screenshot(page, 'items-published');
  });

  step(
    'when a learner starts the post-test, then the new item is served, and its script never runs',
    async () => {
      // Three published items for the new item's objective, so that every form draws it.
      const { items } = server.testApp.services;
      const prisma = server.testApp.db.prisma;
      const ours = await prisma.item.findFirstOrThrow({
        where: { key: 'o3-browser-item' },
        include: { objective: true },
      });
      const others = await prisma.item.findMany({
        where: { status: 'published', objectiveId: ours.objectiveId, id: { not: ours.id } },
        orderBy: { id: 'asc' },
      });
      const reviewer = await prisma.user.findUniqueOrThrow({ where: { email: bruno.email } });
      for (const other of others.slice(2))
        await items.transition({
          activityId: ours.activityId,
          id: other.id,
          actor: reviewer,
          action: 'retire',
          comment: 'Making room for the browser test item',
          lockVersion: other.lockVersion,
          ip: '127.0.0.1',
        });

      const { page } = learner;
      await page.goto('/activities/renal-leiomyosarcoma/post-test');
      expect(await submit(page, 'Start the post-test')).toBe(303);
      const question = page.locator('fieldset.question', { hasText: '(revised by A)' });
      expect(await question.count()).toBe(1);
      expect(await question.locator('legend').innerText()).toContain('<img src=x onerror=');
      expect(await question.locator('label em').innerText()).toBe('simple');
      await noScriptRan(learner);
      await screenshot(page, 'items-learner-form');
      await axeClean(learner, 'post-test form with the new item');
    },
  );
});
