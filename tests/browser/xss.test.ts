// Cross-site scripting through accounts, in real headless Chromium (issue 12, "Hostile input in a real browser").
// Learners type the XSS corpus (tests/browser/xss/corpus.ts) into every text field of their profile; the pages that
// show those fields (the profile form, the header of every page, the admin's user list and its search, the audit
// log) are opened by each role that sees them, with the app's Content-Security-Policy and without it (so that the
// escaping is proven on its own: an injected script would run and set window.__xss). Forms sent back with errors
// (registration, profile, sign-in, forgot password) show what was typed as text. Values the input layer refuses
// (bidi overrides and zero-width characters in names, control characters) are refused with a 4xx, never a 5xx.
import { describeBrowser, screenshot } from '../support/browser';
import { strongPassword } from '../support/factories';
import {
  accepted,
  byId,
  namePacks,
  pack,
  payloads,
  refusalOf,
  squash,
  tinyPayloads,
  type Packed,
  type Payload,
} from './xss/corpus';
import { sendForm, typeAndSubmit } from './xss/forms';
import {
  inspect,
  inspectCurrent,
  learnNav,
  openViewer,
  type Findings,
  type Shown,
  type Viewer,
} from './xss/probe';
import { actor, inspectBoth, openStage, type Actor, type Stage } from './xss/stage';

const texts = (at: string, list: Payload[]): Shown => ({ at, mode: 'text', payloads: list });
const value = (at: string, text: string): Shown => ({ at, mode: 'value', value: text });

/** The profile's free-text fields (server/account/validation.ts: plain text) and their maximum lengths. */
const fieldMax = { fullName: 200, degree: 60, licenseNumber: 30, certifyingBoard: 100, boardId: 40 } as const;
type TextField = keyof typeof fieldMax;
const fields = Object.keys(fieldMax) as TextField[];

// The victims' full names are the name packs 8–12, the admin's 13 (packs 0–7, 14 and 15 go through the records'
// pages; x54 and x32, long unbroken words, through the item bank's too); the shorter fields each take a turn of
// the payloads that fit them.
const plain = accepted([...payloads, ...tinyPayloads], 'plain');
const packs: Record<TextField, Packed[]> = {
  fullName: namePacks.slice(8, 13),
  degree: pack(plain.filter((p) => p.text.length <= fieldMax.degree).reverse(), fieldMax.degree),
  licenseNumber: pack(
    plain.filter((p) => p.text.length <= fieldMax.licenseNumber),
    fieldMax.licenseNumber,
  ),
  certifyingBoard: pack(
    plain.filter((p) => p.text.length <= fieldMax.certifyingBoard),
    fieldMax.certifyingBoard,
  ),
  boardId: pack(plain.filter((p) => p.text.length <= fieldMax.boardId).reverse(), fieldMax.boardId),
};
const VICTIMS = 5;
/** Victim n's values: full name pack n (and the packs after VICTIMS for the last), each other field its turn. */
const profileOf = (n: number): Record<TextField, Packed> =>
  Object.fromEntries(
    fields.map((field) => {
      if (field !== 'fullName') return [field, packs[field][n % packs[field].length]!];
      return [field, packs.fullName[n]!];
    }),
  ) as Record<TextField, Packed>;

describeBrowser('cross-site scripting through accounts and their forms, in a browser', () => {
  jest.setTimeout(120_000);
  let stage: Stage;
  let admin: Actor;
  let visitor: [Viewer, Viewer];
  const victims: { actor: Actor; profile: Record<TextField, Packed> }[] = [];

  beforeAll(async () => {
    stage = await openStage();
    admin = await actor(stage, 'admin', { name: namePacks[13] });
    for (let n = 0; n < VICTIMS; n++)
      victims.push({ actor: await actor(stage, 'learner'), profile: profileOf(n) });
    visitor = [
      await openViewer(stage.browser, stage.server.baseUrl, 'visitor', true),
      await openViewer(stage.browser, stage.server.baseUrl, 'visitor', false),
    ];
    await Promise.all(visitor.map((viewer) => learnNav(viewer)));
  });

  afterAll(async () => {
    await stage?.close();
  });

  it('when learners type the corpus into every text field of their profile, then their profile form and the header of every page show it as text and nothing runs', async () => {
    const findings: Findings = [];
    for (const { actor: victim, profile } of victims) {
      const page = victim.open.page;
      await page.goto('/account');
      const response = await typeAndSubmit(
        page,
        '/account',
        { ...Object.fromEntries(fields.map((field) => [field, profile[field].text])), licenseState: 'CA' },
        'Save profile',
      );
      expect(response.status()).toBe(302);
      const stored = await stage.server.testApp.db.prisma.user.findUniqueOrThrow({
        where: { id: victim.user.id },
      });
      expect(fields.map((field) => stored[field])).toEqual(fields.map((field) => profile[field].text));
      victim.header.push(texts('.site-header a[href="/account"]', profile.fullName.payloads));
      findings.push(
        ...(await inspectBoth(
          victim,
          '/account',
          fields.map((field) => value(`#${field}`, profile[field].text)),
        )),
        ...(victim === victims[0]!.actor ? await inspectBoth(victim, '/my-ce') : []),
      );
    }
    await victims[0]!.actor.open.page.goto('/account');
    await screenshot(victims[0]!.actor.open.page, 'xss-profile');
    expect(findings).toEqual([]);
  });

  it('when the admin opens the user list and searches it with payloads, then every name is shown as text and nothing runs', async () => {
    const findings: Findings = [];
    const everyName = victims.flatMap((v) => v.profile.fullName.payloads);
    findings.push(
      ...(await inspectBoth(admin, '/admin/users', [
        texts('tbody td:first-child', everyName),
        texts('tbody label', everyName),
      ])),
    );
    await screenshot(admin.open.page, 'xss-admin-users');
    const victim = victims[0]!;
    for (const viewer of admin.both) {
      for (const [query, found] of [
        [victim.profile.fullName.payloads[0]!.text.slice(0, 100), 1],
        [`${byId('t02').text}${byId('t07').text}${byId('t05').text}`, 0],
      ] as const) {
        await viewer.page.goto('/admin/users');
        await viewer.page.getByLabel('Search by name or email').fill(query);
        await Promise.all([
          viewer.page.waitForURL((url) => url.searchParams.get('q') === query),
          viewer.page.getByRole('button', { name: 'Search' }).click(),
        ]);
        findings.push(
          ...(await inspectCurrent(viewer, `user search ${query}`, [
            ...admin.header,
            value('#q', query),
            ...(found
              ? [
                  texts('tbody td:first-child', victim.profile.fullName.payloads),
                  value('tbody input[name=q]', query),
                ]
              : []),
          ])),
        );
        expect(squash((await viewer.page.locator('main section > p').textContent()) ?? '')).toBe(
          `${found} user${found === 1 ? '' : 's'} found.`,
        );
      }
    }
    // A search the input layer refuses (a control character) is a 400 page.
    findings.push(
      ...(await inspectBoth(
        admin,
        `/admin/users?q=${encodeURIComponent(`${byId('x03').text}\u0007`)}`,
        [],
        400,
      )),
    );
    expect(findings).toEqual([]);
  });

  it('when a page really lacks an escape, then the probe reports the payload that ran, its markup, the CSP violation and the broken layout', async () => {
    // The user list as the app serves it for a search, with the search box's escaping undone: what a missing escape
    // in a template would serve. Served under the app's own headers (its CSP) to both of the admin's browsers.
    const payload = `${byId('x14').text}<div style="min-width:5000px">wide</div>`;
    const url = `/admin/users?q=${encodeURIComponent(payload)}`;
    const real = await admin.open.context.request.get(url);
    const vulnerable = (await real.text()).replace(
      /(<input id="q" name="q" type="search" value=")[^"]*"/,
      `$1${payload}"`,
    );
    expect(vulnerable).toContain(payload);
    const reports: Record<string, string[]> = {};
    for (const viewer of admin.both) {
      await viewer.page.route(
        (target) => target.pathname === '/admin/users' && target.searchParams.get('q') === payload,
        (route) => route.fulfill({ status: 200, headers: real.headers(), body: vulnerable }),
      );
      reports[viewer.name] = await inspect(viewer, url);
      await viewer.page.unrouteAll();
    }
    const open = reports[admin.open.name]!.join('\n');
    expect(open).toContain(`a payload ran: window.__xss = "x14"`);
    expect(open).toMatch(/injected markup <img in /);
    expect(open).toMatch(/injected markup div.* \[style=/);
    expect(open).toMatch(/layout: the page is \d+px wide/);
    const csp = reports[admin.csp.name]!.join('\n');
    expect(csp).not.toContain('a payload ran');
    expect(csp).toMatch(/CSP violation .*script-src-attr/);
    expect(csp).toMatch(/injected markup <img in /);
  });

  it('when the admin reads the audit log, then the names of the users who changed their profile are shown as text', async () => {
    const findings: Findings = [];
    const pages = Math.ceil((await stage.server.testApp.db.prisma.auditEntry.count()) / 50);
    let logText = '';
    for (let n = 1; n <= pages; n++) {
      findings.push(...(await inspectBoth(admin, `/admin/audit?page=${n}`)));
      logText += ` ${(await admin.open.page.locator('tbody').textContent()) ?? ''}`;
    }
    const missing = victims
      .flatMap((v) => v.profile.fullName.payloads)
      .filter((p) => !squash(logText).includes(squash(p.text)));
    expect(missing.map((p) => p.id)).toEqual([]);
    expect(findings).toEqual([]);
  });

  it('when a profile or a registration holds characters the input layer refuses, then it answers 400 or 422 (never 5xx) and stores nothing', async () => {
    const victim = victims[1]!;
    const before = await stage.server.testApp.db.prisma.user.findUniqueOrThrow({
      where: { id: victim.actor.user.id },
    });
    const statuses: Record<string, number> = {};
    const wanted: Record<string, number> = {};
    for (const p of payloads.filter((candidate) => refusalOf(candidate.text, 'plain') !== null)) {
      for (const field of fields) {
        const text = p.text.slice(0, fieldMax[field]);
        if (refusalOf(text, 'plain') === null) continue;
        const answer = await sendForm(victim.actor.open.context, '/account', '/account', { [field]: text });
        statuses[`profile ${field} ${p.id}`] = answer.status;
        wanted[`profile ${field} ${p.id}`] = refusalOf(text, 'plain') === 'nul' ? 400 : 422;
      }
      const registration = {
        fullName: p.text,
        email: `refused.${p.id}@example.org`,
        profession: 'nurse',
        degree: 'RN',
        password: strongPassword,
      };
      statuses[`registration ${p.id}`] = (
        await sendForm(visitor[1].context, '/register', '/register', registration)
      ).status;
      wanted[`registration ${p.id}`] = refusalOf(p.text, 'plain') === 'nul' ? 400 : 422;
    }
    expect(statuses).toEqual(wanted);
    const after = await stage.server.testApp.db.prisma.user.findUniqueOrThrow({
      where: { id: victim.actor.user.id },
    });
    expect(after.updatedAt).toEqual(before.updatedAt);
    expect(
      await stage.server.testApp.db.prisma.user.count({ where: { email: { startsWith: 'refused.' } } }),
    ).toBe(0);
  });

  /** A form sent back with errors: every text field holds what was typed, and one control per field. */
  const sentBack = (values: Record<TextField, string>): Shown[] =>
    fields.map((field) => value(`#${field}`, values[field]));
  const mixed: Record<TextField, string> = {
    fullName: `${byId('x50').text.slice(0, 60)} ${byId('x14').text} ${byId('x19').text}`.slice(0, 200),
    degree: byId('t07').text,
    licenseNumber: byId('t01').text,
    certifyingBoard: byId('x39').text,
    boardId: byId('t04').text,
  };

  it('when the registration and profile forms are sent back with errors and payloads in every text field, then they show them as typed, as text', async () => {
    const findings: Findings = [];
    for (const viewer of visitor) {
      await viewer.page.goto('/register');
      const response = await typeAndSubmit(viewer.page, '/register', {
        ...mixed,
        email: `'x'+o'neil.${viewer.csp ? 1 : 2}@example.org`,
        profession: 'nurse',
        password: strongPassword,
      });
      findings.push(
        ...(await inspectCurrent(viewer, 'registration sent back', sentBack(mixed), response, 422)),
      );
    }
    await screenshot(visitor[1].page, 'xss-registration-sent-back');
    const victim = victims[2]!;
    for (const viewer of victim.actor.both) {
      await viewer.page.goto('/account');
      const response = await typeAndSubmit(
        viewer.page,
        '/account',
        { ...mixed, licenseState: 'CA' },
        'Save profile',
      );
      findings.push(
        ...(await inspectCurrent(
          viewer,
          'profile sent back',
          [...victim.actor.header, ...sentBack(mixed)],
          response,
          422,
        )),
      );
    }
    expect(await stage.server.testApp.db.prisma.user.count({ where: { email: { contains: 'neil' } } })).toBe(
      0,
    );
    expect(findings).toEqual([]);
  });

  it('when the sign-in and forgot-password forms echo payloads, and ?next= holds one, then they are shown as text and nothing runs', async () => {
    const findings: Findings = [];
    for (const viewer of visitor) {
      const next = `/account"><svg onload=window.__xss='next'>'><script>window.__xss='next'</script>`;
      await viewer.page.goto(`/login?next=${encodeURIComponent(next)}`);
      const email = byId('x14').text;
      const response = await typeAndSubmit(viewer.page, '/login', {
        email,
        password: 'not the password at all',
      });
      findings.push(
        ...(await inspectCurrent(viewer, 'sign-in sent back', [value('#email', email)], response, 401)),
      );
      const kept = await viewer.page.locator('input[name=next]').inputValue();
      expect(kept.startsWith('/account')).toBe(true);
      expect(kept).not.toMatch(/[<>"]/);

      const typed = byId('x16').text;
      await viewer.page.goto('/forgot-password');
      const forgot = await typeAndSubmit(viewer.page, '/forgot-password', { email: typed });
      findings.push(
        ...(await inspectCurrent(
          viewer,
          'forgot password sent back',
          [value('input[name=email]', typed)],
          forgot,
          422,
        )),
      );
    }
    expect(findings).toEqual([]);
  });
});
