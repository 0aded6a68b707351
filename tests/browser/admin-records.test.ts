// An admin's work on completion records, in real headless Chromium: signing in, filtering the records, opening one,
// revoking its certificate (first without a reason, then with one, from the keyboard), seeing the verification page
// say so, and downloading the ACCME PARS file. The admin's page keeps the app's Content-Security-Policy, and any
// script error, console error, failed request or unexpected HTTP error fails the step; a second context, signed in
// as the same admin with the CSP bypassed, runs axe-core on each page. Screenshots: test-artifacts/screenshots.
//
// The steps are one session and run in order; after a failure the later ones are reported as not run.
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { User } from '../../server/generated/prisma/client';
import { relaxedThrottle } from '../support/app';
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
import { factories, strongPassword } from '../support/factories';

// The PARS file needs provider.yaml's ACCME provider ID, which the real content/ leaves unset: the exports tests'
// loader sets it, as a provider.yaml with `accmeProviderId` would.
jest.mock('../../server/content/load', () =>
  jest
    .requireActual<typeof import('../exports/provider-id')>('../exports/provider-id')
    .loaderWithProviderId(),
);

const NOW = new Date('2027-03-01T12:00:00Z');
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const seen = async (locator: Locator) => squash(await locator.innerText());

describeBrowser('an admin works on completion records in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  let adminContext: BrowserContext;
  let audit: BrowserContext;
  let page: Page;
  let auditPage: Page;
  let watched: PageWatch;
  let admin: User;
  /** The record the admin revokes: a nurse's, found by filtering. */
  let target: { claimId: number; code: string };

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startApp({ throttle: relaxedThrottle, now: () => NOW }),
      launchBrowser(),
    ]);
    const make = factories(server.testApp);
    admin = await make.user({ role: 'admin', fullName: 'Ada Admin' });
    const learners: [string, Record<string, string>, string, number][] = [
      [
        'Grace Hopper',
        { profession: 'physician', degree: 'MD', consentToShare: 'on', npi: '1234567893' },
        '2027-01-10T09:00:00Z',
        0.5,
      ],
      ['Florence Nightingale', { profession: 'nurse', degree: 'RN' }, '2027-02-15T23:30:00Z', 0.25],
      ['Mary Seacole', { profession: 'nurse', degree: 'RN, BSN' }, '2027-02-20T10:00:00Z', 0.5],
      ['Virginia Apgar', { profession: 'physician', degree: 'MD' }, '2027-02-21T08:15:00Z', 0.5],
      [
        'Inès Achterberg-Nwosu',
        {
          profession: 'pharmacist',
          degree: 'PharmD',
          nabpEProfileId: '1234567',
          birthMonth: '4',
          birthDay: '15',
        },
        '2027-02-25T16:45:00Z',
        0.5,
      ],
    ];
    for (const [fullName, fields, at, amount] of learners) {
      const learner = await make.user({ fullName, ...fields });
      const { claim, code } = await make.completion(learner, { at: new Date(at), amount });
      if (fullName === 'Florence Nightingale') target = { claimId: claim.id, code };
    }
    adminContext = await browser.newContext({ baseURL: server.baseUrl, acceptDownloads: true });
    audit = await browser.newContext({ baseURL: server.baseUrl, bypassCSP: true });
    [page, auditPage] = await Promise.all([adminContext.newPage(), audit.newPage()]);
    watched = watchPage(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => watched.clear());

  let failedStep: string | undefined;
  const step = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (failedStep) throw new Error(`not run: the earlier step "${failedStep}" failed`);
      try {
        await fn();
        expect(watched.list()).toEqual([]);
      } catch (error) {
        failedStep = name;
        throw error;
      }
    });

  const follow = async (link: Locator) => {
    const href = await link.getAttribute('href');
    if (!href) throw new Error('the link has no href');
    await Promise.all([page.waitForURL(new URL(href, page.url()).href), link.click()]);
  };

  /** Presses or clicks what submits a form; waits for the answer to it and the page that follows. */
  const submitted = async (on: Page, form: string, act: () => Promise<void>): Promise<number> => {
    const [response] = await Promise.all([
      on.waitForResponse(
        (r) =>
          new URL(r.url()).pathname === new URL(form, on.url()).pathname &&
          r.request().resourceType() === 'document',
      ),
      on.waitForEvent('load'),
      act(),
    ]);
    return response.status();
  };

  /** axe-core on the admin's current page, opened again in the audit context. */
  const auditHere = async (name: string, status = 200) => {
    const response = await auditPage.goto(page.url());
    expect(response?.status()).toBe(status);
    expect(await seen(auditPage.locator('h1'))).toBe(await seen(page.locator('h1')));
    expect({ page: name, violations: await seriousAxeViolations(auditPage) }).toEqual({
      page: name,
      violations: [],
    });
  };

  const signIn = async (on: Page) => {
    await on.goto('/login');
    await on.getByLabel('Email').fill(admin.email);
    await on.getByLabel('Password').fill(strongPassword);
    const status = await submitted(on, '/login', () => on.getByRole('button', { name: 'Sign in' }).click());
    expect(status).toBe(302);
  };

  step('the admin signs in and opens the records from the site menu', async () => {
    await Promise.all([signIn(page), signIn(auditPage)]);
    await follow(page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Records' }));
    expect(await seen(page.locator('h1'))).toBe('Completion records');
    expect(await seen(page.locator('#records-count'))).toBe('5 records match.');
    expect(await page.locator('#records tbody tr').count()).toBe(5);
    // Newest first.
    expect(await seen(page.locator('#records tbody tr').first().locator('td').first())).toContain(
      'Inès Achterberg-Nwosu',
    );
    await screenshot(page, 'admin-records-list');
    await auditHere('records list');
  });

  step('the admin filters: nurses’ ANCC contact hours in February, by part of a name', async () => {
    await page.getByLabel('Credit type').selectOption({ label: 'ANCC contact hours' });
    await page.getByLabel('Completed from').fill('2027-02-01');
    await page.getByLabel('Completed to').fill('2027-02-28');
    await page.getByLabel('Learner (name or email)').fill('night');
    const status = await submitted(page, '/admin/records', () =>
      page.getByRole('button', { name: 'Show records' }).click(),
    );
    expect(status).toBe(200);
    expect(new URL(page.url()).searchParams.get('creditType')).toBe('ANCC');
    expect(await seen(page.locator('#records-count'))).toBe('1 record matches.');
    const cells = await page.locator('#records tbody tr td').allInnerTexts();
    expect(cells.map(squash)).toEqual([
      expect.stringContaining('Florence Nightingale') as unknown as string,
      'Nurse RN',
      'Renal Leiomyosarcoma',
      '2027-02-15',
      'ANCC contact hours',
      '0.25',
      '100%',
      '1',
      expect.stringMatching(/Valid$/) as unknown as string,
    ]);
    // The form shows what was asked.
    expect(await page.getByLabel('Learner (name or email)').inputValue()).toBe('night');
    await screenshot(page, 'admin-records-filtered');
    await auditHere('records list, filtered');
  });

  step(
    'the admin opens the record: reading, attempts by objective, evaluation, claim, certificate',
    async () => {
      await follow(page.locator('#records tbody').getByRole('link', { name: 'Florence Nightingale' }));
      expect(new URL(page.url()).pathname).toBe(`/admin/records/${target.claimId}`);
      expect(await seen(page.locator('h1'))).toBe('Florence Nightingale · Renal Leiomyosarcoma');
      expect(await seen(page.locator('#reading-summary'))).toMatch(/^13 of 13 lessons opened/);
      expect(await page.locator('#objective-scores tbody tr').count()).toBe(4);
      expect(await seen(page.locator('#claim-facts'))).toContain('0.25 of 0.5');
      expect(await seen(page.locator('#certificates tbody tr'))).toMatch(/Valid$/);
      await screenshot(page, 'admin-record');
      await auditHere('record');
    },
  );

  step(
    'without a reason, the revocation is refused at the field; with one, typed and sent from the keyboard, it is done',
    async () => {
      const status = await submitted(page, `/admin/records/${target.claimId}/revoke`, () =>
        page.getByRole('button', { name: 'Revoke the certificate' }).click(),
      );
      expect(status).toBe(422);
      // The refusal is the expected answer here, not a problem of the page.
      watched.clear();
      const reason = page.getByLabel('Reason (shown on the verification page)');
      expect(await reason.getAttribute('aria-invalid')).toBe('true');
      expect(await seen(page.locator('#revoke-reason-error'))).toBe(
        'Give the reason for revoking, in 5 to 500 characters.',
      );
      await screenshot(page, 'admin-record-revoke-refused');

      await reason.focus();
      await page.keyboard.type('Attendance could not be confirmed by the site (test).');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
        'Revoke the certificate',
      );
      const done = await submitted(page, `/admin/records/${target.claimId}/revoke`, () =>
        page.keyboard.press('Enter'),
      );
      expect(done).toBe(303);
      expect(new URL(page.url()).search).toBe('?done=revoked');
      expect(await seen(page.locator('#record-done'))).toMatch(/^The certificate was revoked/);
      expect(await seen(page.locator('#certificates tbody tr td.records-status'))).toBe(
        `Revoked on March 1, 2027 by Ada Admin (${admin.email}): Attendance could not be confirmed by the site (test).`,
      );
      await screenshot(page, 'admin-record-revoked');
      await auditHere('record, revoked');
    },
  );

  step('the verification page of the code says revoked, with the date and the reason', async () => {
    await follow(page.locator('#certificates tbody').getByRole('link').first());
    expect(new URL(page.url()).pathname).toBe(`/verify/${target.code}`);
    expect(await seen(page.locator('#verification-status'))).toBe(
      'Revoked on March 1, 2027. This certificate is no longer valid. Reason: Attendance could not be confirmed by the site (test).',
    );
    await screenshot(page, 'admin-record-verification-revoked');
  });

  step(
    'the records list marks it revoked, and the PARS learner file downloads as a spreadsheet',
    async () => {
      await page.goto('/admin/records?certificate=revoked');
      expect(await seen(page.locator('#records-count'))).toBe('1 record matches.');
      expect(await seen(page.locator('#records tbody tr td').last())).toMatch(/Revoked March 1, 2027$/);
      // The exports are another capability's (server/exports): whatever the PARS route answers must be an .xlsx.
      const file = await adminContext.request.get('/admin/exports/pars.xlsx');
      expect(file.status()).toBe(200);
      const body = await file.body();
      expect(body.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    },
  );
});
