// Accounts as a clinician sees them, in real headless Chromium: registering as a pharmacist, signing out and
// in again, editing the profile, downloading one's data; the registration form's errors; and axe-core on the
// account, sign-in and admin pages.
import { relaxedThrottle } from '../support/app';
import fs from 'node:fs';
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
import { factories, strongPassword } from '../support/factories';

const throttle = relaxedThrottle;

const pharmacist = {
  fullName: 'Morgan Okafor-Lindqvist',
  email: 'morgan.okafor@example.org',
  degree: 'PharmD',
  nabpEProfileId: '1234567',
  birthMonth: '4',
  birthDay: '15',
  password: 'amber lantern quietly hums',
};

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const seen = async (locator: Locator) => squash(await locator.innerText());

/** The registration form's fields, found by their labels as a screen-reader user would. */
const registerForm = (page: Page) => ({
  fullName: page.getByLabel('Full name, as it should appear on your certificates'),
  email: page.getByLabel('Email'),
  profession: page.getByLabel('Profession'),
  degree: page.getByLabel('Degree or credentials'),
  nabpEProfileId: page.getByLabel('NABP e-Profile ID'),
  birthMonth: page.getByLabel('Birth month'),
  birthDay: page.getByLabel('Birth day'),
  npi: page.getByLabel('National Provider Identifier (NPI)'),
  password: page.getByLabel('Password'),
});

/** Fills in the registration form as the pharmacist, with the extra fields given (e.g. an NPI). */
async function fillRegistration(page: Page, extra: { npi?: string; email?: string } = {}) {
  const form = registerForm(page);
  await form.fullName.fill(pharmacist.fullName);
  await form.email.fill(extra.email ?? pharmacist.email);
  await form.profession.selectOption({ label: 'Pharmacist' });
  await form.degree.fill(pharmacist.degree);
  await form.nabpEProfileId.fill(pharmacist.nabpEProfileId);
  await form.birthMonth.fill(pharmacist.birthMonth);
  await form.birthDay.fill(pharmacist.birthDay);
  if (extra.npi !== undefined) await form.npi.fill(extra.npi);
  await form.password.fill(pharmacist.password);
  return form;
}

/** Clicks a submit button and waits for the response to the form's POST; returns its status. */
async function submit(page: Page, button: Locator): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    button.click(),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

describeBrowser('accounts in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  // The clinician's context keeps the app's Content-Security-Policy; the audit context bypasses it for axe-core.
  let clinician: BrowserContext;
  let audit: BrowserContext;
  let page: Page;
  let auditPage: Page;
  let watched: PageWatch;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startApp({ throttle }), launchBrowser()]);
    clinician = await browser.newContext({ baseURL: server.baseUrl, acceptDownloads: true });
    audit = await browser.newContext({ baseURL: server.baseUrl, bypassCSP: true });
    [page, auditPage] = await Promise.all([clinician.newPage(), audit.newPage()]);
    watched = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    watched.clear();
  });

  it('when a pharmacist registers, signs out, signs in again, edits the profile and downloads the data, then each step shows what was entered and the download is their JSON without the password hash', async () => {
    // Register.
    await page.goto('/');
    await Promise.all([
      page.waitForURL('**/register'),
      page.locator('.site-header').getByRole('link', { name: 'Create an account' }).click(),
    ]);
    expect(await seen(page.locator('h1'))).toBe('Create an account');
    await screenshot(page, 'register');
    await fillRegistration(page);
    expect(await submit(page, page.getByRole('button', { name: 'Create account' }))).toBe(302);

    // The profile page, with the welcome message and the details just entered.
    const url = new URL(page.url());
    expect(`${url.pathname}${url.search}`).toBe('/account?welcome=1');
    expect(await seen(page.locator('h1'))).toBe('Your profile');
    expect(await seen(page.getByRole('status'))).toContain('Welcome! Your account is ready.');
    expect(await registerForm(page).fullName.inputValue()).toBe(pharmacist.fullName);
    expect(await registerForm(page).email.inputValue()).toBe(pharmacist.email);
    expect(await page.getByLabel('Profession').inputValue()).toBe('pharmacist');
    expect(await registerForm(page).nabpEProfileId.inputValue()).toBe(pharmacist.nabpEProfileId);
    expect(await registerForm(page).birthMonth.inputValue()).toBe('4');
    expect(await registerForm(page).birthDay.inputValue()).toBe('15');
    const header = page.locator('.site-header');
    expect(await seen(header.getByRole('link', { name: pharmacist.fullName }))).toBe(pharmacist.fullName);
    await screenshot(page, 'profile');

    // Sign out with the header's button.
    await Promise.all([
      page.waitForURL(`${server.baseUrl}/`),
      header.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(await header.getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await header.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await header.getByText(pharmacist.fullName).count()).toBe(0);

    // Sign in again with the same credentials.
    await Promise.all([page.waitForURL('**/login'), header.getByRole('link', { name: 'Sign in' }).click()]);
    expect(await seen(page.locator('h1'))).toBe('Sign in');
    await screenshot(page, 'login');
    await page.getByLabel('Email').fill(pharmacist.email);
    await page.getByLabel('Password').fill(pharmacist.password);
    expect(await submit(page, page.getByRole('button', { name: 'Sign in' }))).toBe(302);
    expect(new URL(page.url()).pathname).toBe('/');
    await Promise.all([
      page.waitForURL('**/account'),
      header.getByRole('link', { name: pharmacist.fullName }).click(),
    ]);

    // Edit the profile.
    await page.getByLabel('Degree or credentials').fill('PharmD, BCPS');
    await page.getByLabel('Licence state').selectOption('CA');
    await page.getByLabel('Licence number').fill('RPH 55123');
    expect(await submit(page, page.getByRole('button', { name: 'Save profile' }))).toBe(302);
    expect(new URL(page.url()).search).toBe('?saved=profile');
    expect(await seen(page.getByRole('status'))).toBe('Your profile has been saved.');
    expect(await page.getByLabel('Degree or credentials').inputValue()).toBe('PharmD, BCPS');
    expect(await page.getByLabel('Licence state').inputValue()).toBe('CA');
    expect(await page.getByLabel('Licence number').inputValue()).toBe('RPH 55123');
    expect(await page.getByLabel('NABP e-Profile ID').inputValue()).toBe('1234567');

    // Download my data.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^my-cme-data-\d{4}-\d{2}-\d{2}\.json$/);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const data = JSON.parse(text) as {
      profile: Record<string, unknown>;
      accountHistory: { action: string }[];
    };
    expect(data.profile).toMatchObject({
      email: pharmacist.email,
      fullName: pharmacist.fullName,
      profession: 'pharmacist',
      degree: 'PharmD, BCPS',
      nabpEProfileId: '1234567',
      birthMonth: 4,
      birthDay: 15,
      licenseState: 'CA',
      licenseNumber: 'RPH 55123',
    });
    expect(data.accountHistory.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['user.register', 'user.profile_update']),
    );
    expect(text).not.toMatch(/passwordHash|password_hash|\$argon2/i);
    expect(text).not.toContain(pharmacist.password);
    expect(watched.list()).toEqual([]);
  });

  it('when the registration form is sent with an invalid NPI, then the error shows next to the field, what was typed is kept except the password, and each link of the error summary focuses its field', async () => {
    const visitor = await browser.newContext({ baseURL: server.baseUrl });
    try {
      const form = await visitor.newPage();
      await form.goto('/register');
      await fillRegistration(form, { npi: '1234567890', email: 'npi.typo@example.org' });
      expect(await submit(form, form.getByRole('button', { name: 'Create account' }))).toBe(422);

      // The message sits in the NPI's own field, and the input points at it.
      const message = 'This is not a valid 10-digit NPI (check digit failed)';
      const npiField = form.locator('.field', { has: form.locator('#npi') });
      expect(await seen(npiField.locator('.error-message'))).toBe(message);
      const npi = registerForm(form).npi;
      expect(await npi.getAttribute('aria-invalid')).toBe('true');
      expect(await npi.getAttribute('aria-describedby')).toContain('npi-error');
      expect(await seen(form.locator('#npi-error'))).toBe(message);
      expect(await form.locator('.field-error').count()).toBe(1);

      // What was typed is still there, except the password.
      const again = registerForm(form);
      expect(await again.fullName.inputValue()).toBe(pharmacist.fullName);
      expect(await again.email.inputValue()).toBe('npi.typo@example.org');
      expect(await again.profession.inputValue()).toBe('pharmacist');
      expect(await again.degree.inputValue()).toBe(pharmacist.degree);
      expect(await again.nabpEProfileId.inputValue()).toBe(pharmacist.nabpEProfileId);
      expect(await again.birthMonth.inputValue()).toBe(pharmacist.birthMonth);
      expect(await again.birthDay.inputValue()).toBe(pharmacist.birthDay);
      expect(await again.npi.inputValue()).toBe('1234567890');
      expect(await again.password.inputValue()).toBe('');
      await screenshot(form, 'register-errors');

      // The summary lists the error; following its link puts the keyboard focus in the field.
      const summary = form.getByRole('alert');
      expect(await seen(summary.locator('h2'))).toBe('Please correct the following');
      const links = summary.getByRole('link');
      expect((await links.allInnerTexts()).map(squash)).toEqual([message]);
      for (const link of await links.all()) {
        const href = await link.getAttribute('href');
        await form.locator('body').focus();
        await link.click();
        expect(await form.evaluate(() => document.activeElement?.id)).toBe(href?.slice(1));
        expect(new URL(form.url()).hash).toBe(href);
      }
      expect(await form.evaluate(() => document.activeElement?.id)).toBe('npi');

      // Nothing was created.
      expect(await server.testApp.db.prisma.user.count({ where: { email: 'npi.typo@example.org' } })).toBe(0);
    } finally {
      await visitor.close();
    }
  });

  // The admin signs in through the form in the audit context, once, for the pages that need a signed-in user.
  let adminSignedIn: Promise<void> | undefined;
  const signInAuditAsAdmin = () =>
    (adminSignedIn ??= (async () => {
      const admin = await factories(server.testApp).user({ role: 'admin', fullName: 'Avery Admin' });
      await auditPage.goto('/login');
      await auditPage.getByLabel('Email').fill(admin.email);
      await auditPage.getByLabel('Password').fill(strongPassword);
      const status = await submit(auditPage, auditPage.getByRole('button', { name: 'Sign in' }));
      if (status !== 302) throw new Error(`the admin's sign-in failed with ${status}`);
    })());

  const publicPages: { name: string; path: string; h1: string; status: number }[] = [
    { name: 'register with errors', path: '/register', h1: 'Create an account', status: 422 },
    { name: 'login', path: '/login', h1: 'Sign in', status: 200 },
    { name: 'forgot-password', path: '/forgot-password', h1: 'Reset your password', status: 200 },
  ];

  it.each(publicPages)(
    'when the $name page is audited with axe-core, then it has no serious or critical violations',
    async ({ name, path, h1, status }) => {
      const response = await auditPage.goto(path);
      expect(response?.status()).toBe(200);
      if (name === 'register with errors') {
        await fillRegistration(auditPage, { npi: '1234567890', email: 'axe.errors@example.org' });
        await registerForm(auditPage).birthDay.fill('31');
        await registerForm(auditPage).birthMonth.fill('2');
        expect(await submit(auditPage, auditPage.getByRole('button', { name: 'Create account' }))).toBe(
          status,
        );
        expect(await auditPage.locator('.error-message').count()).toBe(2);
      }
      expect(await seen(auditPage.locator('h1'))).toBe(h1);
      expect(await seriousAxeViolations(auditPage)).toEqual([]);
    },
  );

  const signedInPages: { name: string; path: string; h1: string }[] = [
    { name: 'profile', path: '/account', h1: 'Your profile' },
    { name: 'delete-account', path: '/account/delete', h1: 'Delete your account' },
    { name: 'admin users', path: '/admin/users', h1: 'Users' },
    { name: 'admin audit log', path: '/admin/audit', h1: 'Audit log' },
  ];

  it.each(signedInPages)(
    'when the $name page is audited with axe-core (admin signed in through the form), then it has no serious or critical violations',
    async ({ path, h1 }) => {
      await signInAuditAsAdmin();
      const response = await auditPage.goto(path);
      expect(response?.status()).toBe(200);
      expect(await seen(auditPage.locator('h1'))).toBe(h1);
      expect(await auditPage.locator('.site-header').getByRole('link', { name: 'Avery Admin' }).count()).toBe(
        1,
      );
      expect(await seriousAxeViolations(auditPage)).toEqual([]);
    },
  );
});
