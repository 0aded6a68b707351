// The whole journey of a new nurse, in real headless Chromium: registering through the form, reading the 13
// lessons, failing the post-test, reading the explanations, retaking and passing it, the evaluation, the credit
// claim, the certificate PDF, its verification page and the CE transcript. The nurse's page keeps the app's
// Content-Security-Policy, and any script error, console error, failed request or HTTP error on it fails the
// step; a second context, signed in as the same nurse with the CSP bypassed, runs axe-core on each page type
// at the moment the journey reaches it.
//
// The steps below are one journey and run in order: each starts where the previous one left the nurse. When a
// step fails, the later ones are reported as not run rather than failing on a state they never reached.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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
import { projectRoot } from '../support/app';

const throttle = {
  loginPerIpPer15Min: 1000,
  registrationsPerIpPerHour: 1000,
  resetsPerIpPerHour: 1000,
  lockoutThreshold: 50,
  lockoutBaseSeconds: 1,
  lockoutMaxSeconds: 2,
};

const base = '/activities/renal-leiomyosarcoma';
const activityTitle = 'Renal Leiomyosarcoma';
const lessonCount = 13;
const questionCount = 12;
const objectiveCount = 4;
const pdftotext = '/usr/bin/pdftotext';
const artifactDir = path.join(projectRoot, 'test-artifacts');

// An accented name: the certificate's standard PDF fonts must still draw it (WinAnsi has "è").
const nurse = {
  fullName: 'Inès Achterberg-Nwosu',
  email: 'ines.achterberg@example.org',
  degree: 'RN',
  password: 'velvet harbour lanterns drift',
};

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const seen = async (locator: Locator) => squash(await locator.innerText());
const pathOf = (page: Page) => new URL(page.url()).pathname;

/** One question of an attempt as stored: its options in the order shown, the right ones and its objective. */
interface StoredQuestion {
  position: number;
  optionOrder: string[];
  correct: string[];
  multiple: boolean;
  objective: string;
  stem: string;
  rationale: string;
}

describeBrowser('the learner journey of a nurse in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  // The nurse's context keeps the app's Content-Security-Policy; the audit context bypasses it for axe-core.
  let learner: BrowserContext;
  let audit: BrowserContext;
  let page: Page;
  let auditPage: Page;
  let watched: PageWatch;
  const allProblems = () => watched.list();

  beforeAll(async () => {
    [server, browser] = await Promise.all([startApp({ throttle }), launchBrowser()]);
    learner = await browser.newContext({ baseURL: server.baseUrl, acceptDownloads: true });
    audit = await browser.newContext({ baseURL: server.baseUrl, bypassCSP: true });
    [page, auditPage] = await Promise.all([learner.newPage(), audit.newPage()]);
    watched = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    watched.clear();
  });

  // Later steps need the state earlier ones leave behind: after a failure they stop at once and say why.
  let failedStep: string | undefined;
  const step = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (failedStep) throw new Error(`not run: the earlier step "${failedStep}" failed`);
      try {
        await fn();
        expect(allProblems()).toEqual([]);
      } catch (error) {
        failedStep = name;
        throw error;
      }
    });

  /** Clicks a link and waits until the browser has loaded the page it points to. */
  const follow = async (link: Locator) => {
    const href = await link.getAttribute('href');
    if (!href) throw new Error('the link has no href');
    const target = new URL(href, page.url()).href;
    await Promise.all([page.waitForURL(target), link.click()]);
  };

  /** Clicks a form's submit button; waits for the response to its POST and for the page that follows. */
  const submit = async (on: Page, button: Locator): Promise<number> => {
    const action = await button.locator('xpath=ancestor::form').getAttribute('action');
    const actionPath = new URL(action ?? '', on.url()).pathname;
    const [response] = await Promise.all([
      on.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === actionPath),
      on.waitForEvent('load'),
      button.click(),
    ]);
    return response.status();
  };

  /**
   * axe-core on the page the nurse is on, opened again in the audit context (same nurse, CSP bypassed); with
   * `then`, something is done there first (e.g. sending a form empty). Returns the serious and critical ones.
   */
  const auditHere = async (name: string, then?: (on: Page) => Promise<void>) => {
    const response = await auditPage.goto(page.url());
    expect(response?.status()).toBe(200);
    expect(await seen(auditPage.locator('h1'))).toBe(await seen(page.locator('h1')));
    if (then) await then(auditPage);
    expect({ page: name, violations: await seriousAxeViolations(auditPage) }).toEqual({
      page: name,
      violations: [],
    });
  };

  /** The attempt's questions as the database holds them (the test's answer key). */
  const storedQuestions = async (attemptId: number): Promise<StoredQuestion[]> => {
    const responses = await server.testApp.db.prisma.attemptResponse.findMany({
      where: { attemptId },
      orderBy: { position: 'asc' },
      include: { itemVersion: { include: { item: { include: { objective: true } } } } },
    });
    return responses.map((r) => ({
      position: r.position,
      optionOrder: r.optionOrder,
      correct: r.itemVersion.correct,
      multiple: r.itemVersion.type === 'multiple',
      objective: r.itemVersion.item.objective.code,
      stem: r.itemVersion.stem,
      rationale: r.itemVersion.rationale,
    }));
  };

  const attemptIdInUrl = () => {
    const match = new RegExp(`^${base}/post-test/attempts/(\\d+)$`).exec(pathOf(page));
    if (!match) throw new Error(`not on an attempt's form: ${page.url()}`);
    return Number(match[1]);
  };

  /** Checks that the form shows the stored questions, options in the stored order, nothing ticked. */
  const expectFormMatches = async (questions: StoredQuestion[]) => {
    const fieldsets = page.locator('form fieldset.question');
    expect(await fieldsets.count()).toBe(questionCount);
    expect(questions).toHaveLength(questionCount);
    for (const [index, question] of questions.entries()) {
      const fieldset = fieldsets.nth(index);
      expect(await seen(fieldset.locator('legend'))).toContain(squash(question.stem));
      const inputs = fieldset.locator('input');
      expect(await inputs.evaluateAll((all) => all.map((i) => (i as HTMLInputElement).value))).toEqual(
        question.optionOrder,
      );
      expect(await inputs.first().getAttribute('name')).toBe(`q${question.position}`);
      expect(await inputs.first().getAttribute('type')).toBe(question.multiple ? 'checkbox' : 'radio');
    }
    expect(await page.locator('form input:checked').count()).toBe(0);
  };

  /** Ticks the answer to each question: the right one(s), except for the positions in `wrong`. */
  const answer = async (questions: StoredQuestion[], wrong: ReadonlySet<number> = new Set()) => {
    for (const question of questions) {
      const choice = wrong.has(question.position)
        ? [question.optionOrder.find((id) => !question.correct.includes(id))!]
        : question.correct;
      for (const id of choice) {
        await page.locator(`input[name="q${question.position}"][value="${id}"]`).check();
      }
    }
  };

  /** The result page's per-objective rows as [objective, "correct/total", "percent%"]. */
  const objectiveRows = async () =>
    Promise.all(
      (await page.locator('main table tbody tr').all()).map(async (row) =>
        (await row.locator('td').allInnerTexts()).map(squash),
      ),
    );

  let firstAttemptId = 0;
  let firstQuestions: StoredQuestion[] = [];
  let wrongPositions = new Set<number>();
  let certificateCode = '';

  step('when a nurse registers through the form, then the account is created as a nurse (RN)', async () => {
    await page.goto('/register');
    expect(await seen(page.locator('h1'))).toBe('Create an account');
    await page.getByLabel('Full name, as it should appear on your certificates').fill(nurse.fullName);
    await page.getByLabel('Email').fill(nurse.email);
    await page.getByLabel('Profession').selectOption({ label: 'Nurse' });
    await page.getByLabel('Degree or credentials').fill(nurse.degree);
    await page.getByLabel('Password').fill(nurse.password);
    expect(await submit(page, page.getByRole('button', { name: 'Create account' }))).toBe(302);
    expect(`${pathOf(page)}${new URL(page.url()).search}`).toBe('/account?welcome=1');
    expect(await seen(page.getByRole('status'))).toContain('Welcome! Your account is ready.');
    expect(await page.getByLabel('Profession').inputValue()).toBe('nurse');
    expect(await page.getByLabel('Degree or credentials').inputValue()).toBe('RN');
    const header = page.locator('.site-header');
    expect(await header.getByRole('link', { name: nurse.fullName }).count()).toBe(1);

    // The audit context signs in as the same nurse, through the form, to see the same pages.
    await auditPage.goto('/login');
    await auditPage.getByLabel('Email').fill(nurse.email);
    await auditPage.getByLabel('Password').fill(nurse.password);
    expect(await submit(auditPage, auditPage.getByRole('button', { name: 'Sign in' }))).toBe(302);
    expect(await auditPage.locator('.site-header').getByRole('link', { name: nurse.fullName }).count()).toBe(
      1,
    );
  });

  step(
    'when the nurse starts the first lesson and follows "next" through the 13 lessons, then each is marked read in the table of contents, the progress bar grows, and the last offers the post-test',
    async () => {
      await page.goto(base);
      expect(await seen(page.locator('h1'))).toBe(activityTitle);
      expect(await page.locator('progress#reading-progress').first().getAttribute('value')).toBe('0');
      await follow(page.getByRole('link', { name: 'Start the first lesson' }));

      const values: number[] = [];
      for (let n = 1; n <= lessonCount; n++) {
        expect(await seen(page.locator('.lesson .eyebrow'))).toContain(`Lesson ${n} of ${lessonCount}`);
        const toc = page.locator('nav.toc');
        const progress = toc.locator('progress#reading-progress');
        values.push(Number(await progress.getAttribute('value')));
        expect(await progress.getAttribute('max')).toBe(String(lessonCount));
        expect(await seen(toc.locator('label[for=reading-progress]'))).toBe(
          `Reading progress: ${n} of ${lessonCount} lessons`,
        );
        // Lessons 1 to n are read, the others not yet, and the current one is marked as such.
        const items = toc.locator('ol > li');
        expect(await items.evaluateAll((lis: HTMLElement[]) => lis.map((li) => li.className))).toEqual(
          Array.from({ length: lessonCount }, (_, i) => (i < n ? 'lesson-read' : 'lesson-unread')),
        );
        expect(await seen(items.nth(n - 1).locator('.lesson-state'))).toBe('✓ read');
        if (n < lessonCount) expect(await seen(items.nth(n).locator('.lesson-state'))).toBe('not read yet');
        expect(await seen(toc.locator('a[aria-current=page]'))).toBe(await seen(page.locator('h1')));

        if (n === 6) {
          await screenshot(page, 'journey-lesson');
          // The activity page, half read: progress bar, read and unread lessons, "Continue where you left off".
          await auditHere('activity page with progress', async (on) => {
            await on.goto(base);
            expect(await on.locator('progress#reading-progress').first().getAttribute('value')).toBe('6');
            expect(await on.getByRole('link', { name: 'Continue where you left off' }).count()).toBe(1);
          });
        }
        const next = page.locator('a[rel=next]');
        if (n < lessonCount) {
          await follow(next);
        } else {
          expect(await next.count()).toBe(0);
        }
      }
      expect(values).toEqual(Array.from({ length: lessonCount }, (_, i) => i + 1));

      await follow(page.locator('.pager').getByRole('link', { name: 'Go to the post-test' }));
      expect(pathOf(page)).toBe(`${base}/post-test`);
    },
  );

  step(
    'when the nurse opens the post-test, then the overview shows the passing score of 75% and starting it shows a form of 12 questions whose radios the keyboard reaches',
    async () => {
      expect(await seen(page.locator('h1'))).toBe('Post-test');
      expect(await seen(page.locator('main'))).toContain('The passing score is 75%.');
      expect(await seen(page.locator('main li strong'))).toBe('75%');
      await auditHere('post-test overview');

      expect(await submit(page, page.getByRole('button', { name: 'Start the post-test' }))).toBe(303);
      firstAttemptId = attemptIdInUrl();
      expect(await seen(page.locator('.eyebrow'))).toContain('Attempt 1');
      firstQuestions = await storedQuestions(firstAttemptId);
      await expectFormMatches(firstQuestions);
      await screenshot(page, 'journey-post-test-form');
      await auditHere('post-test attempt form');

      // Keyboard, lightly: Tab from the first radio of a question moves on into the next question.
      const radioQuestion = firstQuestions.find((q) => !q.multiple && q.position < questionCount);
      if (!radioQuestion) throw new Error('the form has no single-answer question before the last');
      const firstRadio = page.locator(`input[type=radio][name="q${radioQuestion.position}"]`).first();
      await firstRadio.focus();
      expect(await firstRadio.evaluate((el) => el === document.activeElement)).toBe(true);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
        `q${radioQuestion.position + 1}`,
      );
    },
  );

  step(
    'when the nurse answers one question per objective wrongly and submits, then the result says they did not pass, with 4 objective rows and for each question the rationale and a source link',
    async () => {
      // One wrong answer in each objective: 8 of 12 (66.67%), under the passing score of 75%.
      wrongPositions = new Set(
        [...new Set(firstQuestions.map((q) => q.objective))].map(
          (objective) => firstQuestions.find((q) => q.objective === objective)!.position,
        ),
      );
      expect(wrongPositions.size).toBe(objectiveCount);
      await answer(firstQuestions, wrongPositions);
      expect(await submit(page, page.getByRole('button', { name: 'Submit answers' }))).toBe(303);

      expect(pathOf(page)).toBe(`${base}/post-test/attempts/${firstAttemptId}/result`);
      expect(await seen(page.locator('h1'))).toBe('Post-test result');
      const verdict = await seen(page.getByRole('status'));
      expect(verdict).toContain('You scored 66.67% (8 of 12 correct).');
      expect(verdict).toContain('You did not reach the passing score of 75%.');
      expect(verdict).not.toContain('You passed');
      expect(await page.getByRole('link', { name: 'Continue to the evaluation' }).count()).toBe(0);

      const rows = await objectiveRows();
      expect(rows).toHaveLength(objectiveCount);
      for (const row of rows) expect(row.slice(1)).toEqual(['2/3', '66.67%']);

      const answers = page.locator('ol.questions > li.answer');
      expect(await answers.count()).toBe(questionCount);
      for (const [index, question] of firstQuestions.entries()) {
        const item = answers.nth(index);
        expect(await seen(item.locator('h3'))).toBe(squash(question.stem));
        expect(await seen(item.locator('.verdict'))).toBe(
          wrongPositions.has(question.position) ? 'Incorrect' : 'Correct',
        );
        expect(await seen(item.locator('p', { hasText: 'Why:' }))).toBe(`Why: ${squash(question.rationale)}`);
        const sources = item.locator('.citation-line a');
        expect(await sources.count()).toBeGreaterThan(0);
        for (const href of await sources.evaluateAll((links) => links.map((a) => a.getAttribute('href')))) {
          expect(href).toMatch(new RegExp(`^${base}/(lessons/\\d+-[a-z0-9-]+|references#ref-\\d+)$`));
        }
      }
      await screenshot(page, 'journey-result-failed');
      await auditHere('post-test result (not passed)');
    },
  );

  step(
    'when the nurse retakes the post-test and answers every question right, then a new attempt with a new form is scored 100% and passed',
    async () => {
      await follow(page.getByRole('link', { name: 'retake the post-test' }));
      expect(pathOf(page)).toBe(`${base}/post-test`);
      const attempts = page.locator('main table tbody tr');
      expect(await attempts.count()).toBe(1);
      expect((await attempts.first().locator('td').allInnerTexts()).map(squash).slice(0, 3)).toEqual([
        '1',
        '66.67%',
        'Not passed',
      ]);
      expect(await submit(page, page.getByRole('button', { name: 'Retake the post-test' }))).toBe(303);

      const secondAttemptId = attemptIdInUrl();
      expect(secondAttemptId).not.toBe(firstAttemptId);
      expect(await seen(page.locator('.eyebrow'))).toContain('Attempt 2');
      const questions = await storedQuestions(secondAttemptId);
      await expectFormMatches(questions);
      await answer(questions);
      expect(await submit(page, page.getByRole('button', { name: 'Submit answers' }))).toBe(303);

      expect(pathOf(page)).toBe(`${base}/post-test/attempts/${secondAttemptId}/result`);
      const verdict = await seen(page.getByRole('status'));
      expect(verdict).toContain('You scored 100% (12 of 12 correct).');
      expect(verdict).toContain('You passed (passing score 75%).');
      const rows = await objectiveRows();
      expect(rows).toHaveLength(objectiveCount);
      for (const row of rows) expect(row.slice(1)).toEqual(['3/3', '100%']);
      expect(await page.locator('.verdict', { hasText: 'Incorrect' }).count()).toBe(0);
      await screenshot(page, 'journey-result-passed');
      await auditHere('post-test result (passed)');
    },
  );

  step(
    'when the nurse continues to the evaluation, rates it and says what will change, then the claim page follows',
    async () => {
      await follow(page.getByRole('link', { name: 'Continue to the evaluation' }));
      expect(pathOf(page)).toBe(`${base}/evaluation`);
      expect(await seen(page.locator('h1'))).toBe('Evaluate this activity');
      await auditHere('evaluation form');
      // Sent empty in the audit context: every question is named in the error summary and at its field.
      await auditHere('evaluation form with errors', async (on) => {
        expect(await submit(on, on.getByRole('button', { name: 'Submit the evaluation' }))).toBe(422);
        expect(await on.locator('[role=alert] li').count()).toBe(objectiveCount + 4);
        expect(await on.locator('.error-message').count()).toBe(objectiveCount + 4);
      });

      const objectives = page.getByRole('group', { name: /^How well did the activity meet this objective/ });
      expect(await objectives.count()).toBe(objectiveCount);
      for (const group of await objectives.all()) await group.getByLabel('5', { exact: true }).check();
      await page
        .getByRole('group', { name: 'How relevant was the content to your practice?' })
        .getByLabel('4', { exact: true })
        .check();
      await page
        .getByRole('group', { name: 'Was the content free of commercial bias?' })
        .getByLabel('Yes', { exact: true })
        .check();
      await page
        .getByLabel('What will you change in your practice as a result of this activity?')
        .fill('Refer solid renal masses with atypical features for image-guided core biopsy.');
      await page
        .getByRole('group', { name: 'Overall quality of the activity' })
        .getByLabel('5', { exact: true })
        .check();
      await screenshot(page, 'journey-evaluation');
      expect(await submit(page, page.getByRole('button', { name: 'Submit the evaluation' }))).toBe(303);
      expect(pathOf(page)).toBe(`${base}/claim`);
    },
  );

  step(
    'when the nurse claims the credit, then it is ANCC contact hours and the certificate PDF names the nurse, the activity and the credit',
    async () => {
      expect(await seen(page.locator('h1'))).toBe('Claim credit');
      expect(await seen(page.locator('main'))).toContain(
        'Your credit type, from the profession in your profile: ANCC contact hours, up to 0.5',
      );
      const amount = page.getByLabel('Credit you claim');
      expect(await amount.locator('option').allInnerTexts()).toEqual(['0.25', '0.5']);
      await amount.selectOption('0.5');
      await page.getByLabel(/^I attest that I completed this activity/).check();
      await screenshot(page, 'journey-claim');
      await auditHere('claim form');

      expect(await submit(page, page.getByRole('button', { name: 'Claim credit' }))).toBe(303);
      expect(pathOf(page)).toBe(`${base}/claim`);
      expect(await seen(page.getByRole('status'))).toBe(
        'You claimed 0.5 ANCC contact hours on this activity. Your certificate is ready.',
      );
      await auditHere('claim page, credit claimed');

      const link = page.getByRole('link', { name: 'Download your certificate (PDF)' });
      certificateCode = /^\/certificates\/([0-9a-f]{32})\.pdf$/.exec(
        (await link.getAttribute('href')) ?? '',
      )![1]!;
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toMatch(
        /^certificate-renal-leiomyosarcoma-\d{4}-\d{2}-\d{2}\.pdf$/,
      );
      fs.mkdirSync(artifactDir, { recursive: true });
      const file = path.join(artifactDir, 'journey-certificate.pdf');
      await download.saveAs(file);
      expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = squash(execFileSync(pdftotext, ['-layout', file, '-'], { encoding: 'utf8' }));
      expect(text).toContain(nurse.fullName);
      expect(text).toContain(activityTitle);
      expect(text).toContain('ANCC contact hours');
    },
  );

  step(
    'when the nurse opens the verification page and then My CE, then the certificate is valid in their name and the completion is listed',
    async () => {
      await follow(page.getByRole('link', { name: 'Verification page' }));
      expect(pathOf(page)).toBe(`/verify/${certificateCode}`);
      expect(await seen(page.locator('h1'))).toBe('Certificate verification');
      expect(await seen(page.locator('#verification-status'))).toMatch(/^Valid\. /);
      const facts = page.locator('#certificate-facts');
      const fact = (term: string) =>
        facts.locator('div', { has: page.locator('dt', { hasText: term }) }).locator('dd');
      expect(await seen(fact('Learner'))).toBe(nurse.fullName);
      expect(await seen(fact('Activity'))).toBe(activityTitle);
      expect(await seen(fact('Credit'))).toBe('0.5 ANCC contact hours');
      await screenshot(page, 'journey-verification');
      await auditHere('verification page');

      await follow(page.locator('.site-header').getByRole('link', { name: 'My CE' }));
      expect(pathOf(page)).toBe('/my-ce');
      expect(await seen(page.locator('h1'))).toBe('My CE');
      const rows = page.locator('#completions tbody tr');
      expect(await rows.count()).toBe(1);
      const cells = (await rows.first().locator('td').allInnerTexts()).map(squash);
      expect(cells.slice(1, 5)).toEqual([activityTitle, 'ANCC contact hours', '0.5', '100%']);
      expect(cells[5]).toBe(`Download PDF certificate for ${activityTitle}`);
      expect(await rows.first().locator(`a[href="/verify/${certificateCode}"]`).count()).toBe(1);
      expect((await page.locator('#totals tbody tr td').allInnerTexts()).map(squash)).toEqual([
        'ANCC contact hours',
        '0.5',
      ]);
      await screenshot(page, 'journey-my-ce');
      await auditHere('My CE');
    },
  );
});
