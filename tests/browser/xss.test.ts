// Cross-site scripting, in real headless Chromium: script payloads typed into every text field of a profile
// (and into the forms that echo what was typed) must come back as text on every page that shows them: the
// profile form, the header, the admin's user list and search, the audit log. Each page is checked twice: with
// the app's Content-Security-Policy, as users get it, and with the CSP bypassed, so that the escaping is proven
// on its own (without the CSP an injected script or handler would really run and open a dialog).
import { relaxedThrottle } from '../support/app';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, startApp, type RunningApp } from '../support/browser';
import { factories, strongPassword } from '../support/factories';

const throttle = relaxedThrottle;

/** The profile's free-text fields, their maximum lengths (server/account/validation.ts) and form labels. */
const textFields = {
  fullName: { max: 200, label: 'Full name, as it should appear on your certificates' },
  degree: { max: 60, label: 'Degree or credentials' },
  licenseNumber: { max: 30, label: 'Licence number' },
  certifyingBoard: { max: 100, label: 'Certifying board' },
  boardId: { max: 40, label: 'Board ID' },
} as const;
type TextField = keyof typeof textFields;
const fieldNames = Object.keys(textFields) as TextField[];

/** Each payload, with a shorter variant of the same attack for the fields it does not fit in. */
const payloads: { label: string; payload: string; short: string }[] = [
  { label: 'a script element', payload: '<script>alert(1)</script>', short: '<script>alert(1)</script>' },
  {
    label: 'an attribute break-out to an img onerror',
    payload: '"><img src=x onerror=alert(1)>',
    short: '"><img src=x onerror=alert(1)>',
  },
  {
    label: 'a single-quote break-out to an svg onload',
    payload: "'><svg onload=alert(1)>",
    short: "'><svg onload=alert(1)>",
  },
  {
    label: 'a template injection',
    payload: "{{constructor.constructor('alert(1)')()}}",
    short: '{{constructor.constructor}}',
  },
  { label: 'a javascript: URL', payload: 'javascript:alert(1)', short: 'javascript:alert(1)' },
  {
    label: 'an entity-encoded attribute break-out',
    payload: '&quot;><img src=x onerror=alert(1)>',
    short: '&#34;><svg onload=alert(1)>',
  },
];

const fit = (field: TextField, p: { payload: string; short: string }) => {
  const value = p.payload.length <= textFields[field].max ? p.payload : p.short;
  if (value.length > textFields[field].max) throw new Error(`${value} does not fit in ${field}`);
  return value;
};

/**
 * The email cannot hold a payload: zod's email check (server/account/validation.ts) allows only letters,
 * digits and _ ' + - . before the @, so `"><svg/onload=alert(1)>"@example.org` is refused. The oddest address
 * it accepts, with single quotes, is used instead.
 */
const oddEmail = (round: number) => `'x'+o'neil.${round}@example.org`;

/** Tags and attributes that only an injection could have put into these pages (the app uses none of them). */
async function injectedMarkup(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll('*'))) {
      const tag = element.tagName.toLowerCase();
      if (['script', 'img', 'svg', 'iframe', 'object', 'embed', 'math', 'style', 'base'].includes(tag)) {
        found.push(`<${tag}> in ${element.parentElement?.tagName.toLowerCase()}`);
      }
      for (const attribute of Array.from(element.attributes)) {
        if (attribute.name.toLowerCase().startsWith('on')) found.push(`${tag}[${attribute.name}]`);
        if (/^\s*javascript:/i.test(attribute.value) && attribute.name !== 'value') {
          found.push(`${tag}[${attribute.name}=${attribute.value}]`);
        }
      }
    }
    return found;
  });
}

const text = (page: Page, selector: string) =>
  page.locator(selector).evaluate((element) => element.textContent ?? '');

describeBrowser('cross-site scripting in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Every dialog, page error and console error on any page of the file; each test ends by expecting none. */
  let incidents: string[] = [];

  interface Viewer {
    name: string;
    victim: Page;
    admin: Page;
  }
  let viewers: Viewer[];
  let victimId: number;

  const watch = (page: Page, who: string) => {
    page.on('dialog', (dialog) => {
      incidents.push(`${who}: a ${dialog.type()} dialog opened ("${dialog.message()}") on ${page.url()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('pageerror', (error) => incidents.push(`${who}: pageerror ${error.message} on ${page.url()}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // The 401 and 422 of a form sent back with errors are expected (their statuses are checked); Chromium logs them.
      const expected = /^Failed to load resource: the server responded with a status of 4(01|22) /;
      if (expected.test(message.text()) && message.location().url === page.url()) return;
      incidents.push(`${who}: console ${message.text()} on ${page.url()}`);
    });
    return page;
  };

  const newPage = async (options: { bypassCSP: boolean }, who: string) => {
    const context = await browser.newContext({ baseURL: server.baseUrl, ...options });
    contexts.push(context);
    return watch(await context.newPage(), who);
  };

  /** Signs in through the login form. */
  const signIn = async (page: Page, email: string) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(strongPassword);
    await Promise.all([
      page.waitForURL(`${server.baseUrl}/`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
  };

  beforeAll(async () => {
    [server, browser] = await Promise.all([startApp({ throttle }), launchBrowser()]);
    const make = factories(server.testApp);
    const [admin, victim] = await Promise.all([
      make.user({ role: 'admin', fullName: 'Avery Admin' }),
      make.user({ fullName: 'Victor Victim', email: 'victor.victim@example.org' }),
    ]);
    victimId = victim.id;
    viewers = [];
    for (const bypassCSP of [false, true]) {
      const name = bypassCSP ? 'without CSP' : 'with the CSP';
      const viewer = {
        name,
        victim: await newPage({ bypassCSP }, `victim ${name}`),
        admin: await newPage({ bypassCSP }, `admin ${name}`),
      };
      await Promise.all([signIn(viewer.victim, victim.email), signIn(viewer.admin, admin.email)]);
      viewers.push(viewer);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    incidents = [];
  });

  afterEach(() => {
    // Any dialog (an alert that ran), page error or CSP violation fails the test that caused it.
    expect(incidents).toEqual([]);
  });

  /** The profile form's inputs hold the values exactly, and the header's account link shows the full name. */
  async function expectProfileAndHeader(page: Page, values: Record<TextField, string>, email: string) {
    const response = await page.goto('/account');
    expect(response?.status()).toBe(200);
    for (const field of fieldNames) {
      expect(await page.getByLabel(textFields[field].label, { exact: false }).inputValue()).toBe(
        values[field],
      );
      // One input per field: a break-out of the value attribute would have left its tail as markup.
      expect(await page.locator(`[name=${field}]`).count()).toBe(1);
    }
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    expect(await page.getByLabel('Licence state').inputValue()).toBe('CA');
    expect(await text(page, '.site-header a[href="/account"]')).toBe(values.fullName);
    expect(await injectedMarkup(page)).toEqual([]);
  }

  /** The victim's row of the admin's user list shows the name and email as text, in every place it uses them. */
  async function expectUserRow(page: Page, values: Record<TextField, string>, email: string) {
    const row = page.locator('tbody tr').filter({ has: page.locator(`select#role-${victimId}`) });
    expect(await row.count()).toBe(1);
    const cells = await row
      .locator(':scope > td')
      .evaluateAll((tds) => tds.map((td) => td.textContent ?? ''));
    expect(cells[0]).toBe(values.fullName);
    expect(cells[1]).toBe(email);
    expect(await text(page, `label[for=role-${victimId}]`)).toBe(`Role of ${values.fullName}`);
    const deactivate = row.getByRole('button', { name: /Deactivate/ });
    expect(await deactivate.locator('.visually-hidden').evaluate((span) => span.textContent)).toBe(
      values.fullName,
    );
    expect(await row.locator('td').count()).toBe(5);
    expect(await injectedMarkup(page)).toEqual([]);
  }

  it.each(payloads.map((p, index) => ({ ...p, round: index + 1 })))(
    'when every profile text field holds $label, then the profile, the header, the admin user list and search and the audit log show it as text and nothing runs',
    async (p) => {
      const values = Object.fromEntries(fieldNames.map((field) => [field, fit(field, p)])) as Record<
        TextField,
        string
      >;
      const email = oddEmail(p.round);

      // The victim types the payloads into the profile form, with the app's CSP, as any user would.
      const form = viewers[0]!.victim;
      await form.goto('/account');
      for (const field of fieldNames) await form.getByLabel(textFields[field].label).fill(values[field]);
      await form.getByLabel('Email').fill(email);
      await form.getByLabel('Your password, to confirm a new sign-in address').fill(strongPassword);
      await form.getByLabel('Licence state').selectOption('CA');
      await Promise.all([
        form.waitForURL('**/account?saved=profile'),
        form.getByRole('button', { name: 'Save profile' }).click(),
      ]);
      expect(await text(form, '[role=status]')).toBe('Your profile has been saved.');
      const stored = await server.testApp.db.prisma.user.findUniqueOrThrow({ where: { id: victimId } });
      expect({ ...values, email }).toEqual({
        fullName: stored.fullName,
        degree: stored.degree,
        licenseNumber: stored.licenseNumber,
        certifyingBoard: stored.certifyingBoard,
        boardId: stored.boardId,
        email: stored.email,
      });

      for (const viewer of viewers) {
        // The victim's own pages: the profile form and the header.
        await expectProfileAndHeader(viewer.victim, values, email);

        // The admin's user list.
        const admin = viewer.admin;
        expect((await admin.goto('/admin/users'))?.status()).toBe(200);
        await expectUserRow(admin, values, email);

        // The admin searches for the payload: the search box and the rows' hidden fields hold it as a value.
        await admin.getByLabel('Search by name or email').fill(values.fullName);
        await Promise.all([
          admin.waitForURL((url) => url.searchParams.get('q') === values.fullName),
          admin.getByRole('button', { name: 'Search' }).click(),
        ]);
        expect(await admin.getByLabel('Search by name or email').inputValue()).toBe(values.fullName);
        expect(await text(admin, 'main section > p')).toBe('1 user found.');
        await expectUserRow(admin, values, email);
        const hiddenQ = await admin
          .locator('tbody input[type=hidden][name=q]')
          .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
        expect(hiddenQ).toEqual([values.fullName, values.fullName]);

        // The audit log names the victim as the actor of the profile update.
        expect((await admin.goto('/admin/audit'))?.status()).toBe(200);
        const actors = await admin
          .locator('tbody tr')
          .evaluateAll((rows) =>
            rows
              .filter((row) => row.children[2]?.textContent === 'user.profile_update')
              .map((row) => row.children[1]?.textContent ?? ''),
          );
        expect(actors.length).toBeGreaterThanOrEqual(1);
        expect(new Set(actors)).toEqual(new Set([`${values.fullName} <${email}>`]));
        expect(await injectedMarkup(admin)).toEqual([]);
      }
    },
  );

  const mixed: Record<TextField, string> = {
    fullName: '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
    degree: "'><svg onload=alert(1)>",
    licenseNumber: 'javascript:alert(1)',
    certifyingBoard: "{{constructor.constructor('alert(1)')()}}",
    boardId: '</td></tr><script>alert(1)</script>',
  };

  it('when the registration form is sent back with errors and payloads in every text field, then it shows them as typed, as text', async () => {
    for (const bypassCSP of [false, true]) {
      const page = await newPage({ bypassCSP }, `visitor ${bypassCSP ? 'without CSP' : 'with the CSP'}`);
      await page.goto('/register');
      for (const field of fieldNames) await page.getByLabel(textFields[field].label).fill(mixed[field]);
      await page.getByLabel('Email').fill("'x'+o'neil.register@example.org");
      await page.getByLabel('Profession').selectOption({ label: 'Nurse' });
      await page.getByLabel('National Provider Identifier (NPI)').fill('1234567890');
      await page.getByLabel('Password').fill(strongPassword);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Create account' }).click(),
      ]);
      await page.waitForLoadState('load');
      expect(response.status()).toBe(422);
      expect(await text(page, '#npi-error')).toBe('This is not a valid 10-digit NPI (check digit failed)');
      for (const field of fieldNames) {
        expect(await page.getByLabel(textFields[field].label).inputValue()).toBe(mixed[field]);
        expect(await page.locator(`[name=${field}]`).count()).toBe(1);
      }
      expect(await page.getByLabel('Email').inputValue()).toBe("'x'+o'neil.register@example.org");
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      expect(await injectedMarkup(page)).toEqual([]);
    }
    expect(await server.testApp.db.prisma.user.count({ where: { email: { contains: 'register' } } })).toBe(0);
  });

  it('when the profile form is sent back with errors and payloads in every text field, then it shows them as typed, as text, and saves nothing', async () => {
    const before = await server.testApp.db.prisma.user.findUniqueOrThrow({ where: { id: victimId } });
    for (const viewer of viewers) {
      const page = viewer.victim;
      await page.goto('/account');
      for (const field of fieldNames) await page.getByLabel(textFields[field].label).fill(mixed[field]);
      await page.getByLabel('Licence state').selectOption('CA');
      await page.getByLabel('National Provider Identifier (NPI)').fill('1234567890');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Save profile' }).click(),
      ]);
      await page.waitForLoadState('load');
      expect(response.status()).toBe(422);
      for (const field of fieldNames) {
        expect(await page.getByLabel(textFields[field].label).inputValue()).toBe(mixed[field]);
        expect(await page.locator(`[name=${field}]`).count()).toBe(1);
      }
      // The header still shows the saved name, not the one sent back.
      expect(await text(page, '.site-header a[href="/account"]')).toBe(before.fullName);
      expect(await injectedMarkup(page)).toEqual([]);
    }
    const after = await server.testApp.db.prisma.user.findUniqueOrThrow({ where: { id: victimId } });
    expect(after.fullName).toBe(before.fullName);
  });

  it('when the sign-in, forgot-password and user-search forms echo a payload, then it is shown as text', async () => {
    for (const bypassCSP of [false, true]) {
      const page = await newPage({ bypassCSP }, `visitor ${bypassCSP ? 'without CSP' : 'with the CSP'}`);

      // Sign-in: a wrong password sends the form back with the email as typed, and ?next= in a hidden field.
      const next = `/account"><svg onload=alert(1)>'><script>alert(1)</script>`;
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      const loginPayload = '"><img src=x onerror=alert(1)>';
      await page.getByLabel('Email').fill(loginPayload);
      await page.getByLabel('Password').fill('not the password at all');
      const [login] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await page.waitForLoadState('load');
      expect(login.status()).toBe(401);
      expect(await page.getByLabel('Email').inputValue()).toBe(loginPayload);
      const nextValue = await page.locator('input[name=next]').inputValue();
      expect(nextValue.startsWith('/account')).toBe(true);
      expect(nextValue).not.toMatch(/[<>"]/);
      expect(await page.locator('form input').count()).toBe(4);
      expect(await injectedMarkup(page)).toEqual([]);

      // Forgot password: an address without @ is sent back as typed.
      const forgotPayload = "'><svg onload=alert(1)>";
      await page.goto('/forgot-password');
      await page.getByLabel('Email of your account').fill(forgotPayload);
      const [forgot] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send me a reset link' }).click(),
      ]);
      await page.waitForLoadState('load');
      expect(forgot.status()).toBe(422);
      expect(await page.getByLabel('Email of your account').inputValue()).toBe(forgotPayload);
      expect(await injectedMarkup(page)).toEqual([]);
    }

    // The admin's search for a payload that matches nobody.
    for (const viewer of viewers) {
      const admin = viewer.admin;
      const q = '"><script>alert(1)</script><img src=x onerror=alert(1)>';
      await admin.goto(`/admin/users?q=${encodeURIComponent(q)}`);
      expect(await admin.getByLabel('Search by name or email').inputValue()).toBe(q);
      expect(await text(admin, 'main section > p')).toBe('0 users found.');
      expect(await admin.locator('tbody tr').count()).toBe(0);
      expect(await injectedMarkup(admin)).toEqual([]);
    }
  });
});
