// The signed-in user's own account: profile, password, data download and deletion.
import * as cheerio from 'cheerio';
import request from 'supertest';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { createUser, signIn, strongPassword, submitForm, type Agent } from '../support/session';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    throttle: relaxedThrottle,
  });
});
afterAll(() => t.close());

/** A user with every optional identifier filled in. */
async function fullUser() {
  const user = await createUser(t.db.prisma, { fullName: 'Robin Prescott' });
  return t.db.prisma.user.update({
    where: { id: user.id },
    data: {
      profession: 'pharmacist',
      degree: 'PharmD',
      nabpEProfileId: '1234567',
      birthMonth: 2,
      birthDay: 29,
      npi: '1234567893',
      licenseState: 'CA',
      licenseNumber: 'RPH 55123',
      certifyingBoard: 'BPS',
      boardId: 'B-9981',
      consentToShare: true,
    },
  });
}

/** The fields a browser would submit for this form, as currently filled in. */
function formFields($: cheerio.CheerioAPI, formSelector: string): Record<string, string> {
  const fields: Record<string, string> = {};
  $(formSelector)
    .find('input[name], select[name]')
    .each((_, element) => {
      const field = $(element);
      const name = field.attr('name')!;
      if (name === '_csrf') return;
      if (element.tagName === 'select') {
        fields[name] = field.find('option[selected]').attr('value') ?? '';
      } else if (field.attr('type') === 'checkbox') {
        if (field.attr('checked') !== undefined) fields[name] = 'on';
      } else {
        fields[name] = field.attr('value') ?? '';
      }
    });
  return fields;
}

/** Opens the profile page and submits its form with some fields changed, as a browser would. */
async function editProfile(agent: Agent, changes: Record<string, string>) {
  const page = await agent.get('/account').expect(200);
  const $ = cheerio.load(page.text);
  const fields = { ...formFields($, 'form[action="/account"]'), ...changes };
  const _csrf = $('form[action="/account"] input[name=_csrf]').attr('value')!;
  return agent
    .post('/account')
    .type('form')
    .send({ ...fields, _csrf });
}

const userRow = (id: number) => t.db.prisma.user.findUniqueOrThrow({ where: { id } });

const sessionsOf = async (userId: number) => {
  const [row] = await t.db.prisma.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) FROM "session" WHERE sess -> 'passport' ->> 'user' = ${String(userId)}`;
  return Number(row!.count);
};

const signInStatus = async (email: string, password: string) =>
  (await submitForm(request.agent(t.app), '/login', '/login', { email, password })).status;

const expectSignedOut = async (agent: Agent, page = '/account') => {
  const res = await agent.get(page);
  expect(res.status).toBe(302);
  expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(page)}`);
};

describe('profile', () => {
  it('when a user opens the profile page, then the form shows their current values', async () => {
    const user = await fullUser();
    const agent = await signIn(t.app, user.email);
    const $ = cheerio.load((await agent.get('/account').expect(200)).text);
    expect($('#fullName').attr('value')).toBe('Robin Prescott');
    expect($('#email').attr('value')).toBe(user.email);
    expect($('#profession option[selected]').attr('value')).toBe('pharmacist');
    expect($('#degree').attr('value')).toBe('PharmD');
    expect($('#nabpEProfileId').attr('value')).toBe('1234567');
    expect($('#birthMonth').attr('value')).toBe('2');
    expect($('#birthDay').attr('value')).toBe('29');
    expect($('#npi').attr('value')).toBe('1234567893');
    expect($('#licenseState option[selected]').attr('value')).toBe('CA');
    expect($('#licenseNumber').attr('value')).toBe('RPH 55123');
    expect($('#certifyingBoard').attr('value')).toBe('BPS');
    expect($('#boardId').attr('value')).toBe('B-9981');
    expect($('#consentToShare').attr('checked')).toBeDefined();
  });

  it('when the user changes the degree and adds a licence, then it is saved and the page shows it', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const res = await editProfile(agent, { degree: 'DO', licenseState: 'ny', licenseNumber: '0271234' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/account?saved=profile');

    const $ = cheerio.load((await agent.get('/account?saved=profile').expect(200)).text);
    expect($('[role=status]').text()).toBe('Your profile has been saved.');
    expect($('#degree').attr('value')).toBe('DO');
    expect($('#licenseState option[selected]').attr('value')).toBe('NY');
    expect($('#licenseNumber').attr('value')).toBe('0271234');
    expect(await userRow(user.id)).toMatchObject({
      degree: 'DO',
      licenseState: 'NY',
      licenseNumber: '0271234',
      email: user.email,
      fullName: user.fullName,
      role: 'learner',
    });
    expect(
      await t.db.prisma.auditEntry.count({ where: { action: 'user.profile_update', actorId: user.id } }),
    ).toBe(1);
  });

  it('when the edit is invalid (licence state without number, NPI with a wrong check digit), then 422 with the messages and nothing changes', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await editProfile(agent, {
      degree: 'DO',
      licenseState: 'TX',
      licenseNumber: '',
      npi: '1234567890',
    });
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('#licenseNumber-error').text()).toBe('Give both the licence state and number, or neither');
    expect($('#npi-error').text()).toBe('This is not a valid 10-digit NPI (check digit failed)');
    expect($('[role=alert] li')).toHaveLength(2);
    // The typed values come back so that the user can correct them.
    expect($('#degree').attr('value')).toBe('DO');
    expect($('#npi').attr('value')).toBe('1234567890');
    expect($('#licenseState option[selected]').attr('value')).toBe('TX');
    expect(await userRow(user.id)).toEqual(before);
  });

  it("when the user changes their email to another user's, then 422 with a message and nothing changes", async () => {
    const other = await createUser(t.db.prisma);
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await editProfile(agent, {
      email: other.email.toUpperCase(),
      degree: 'DO',
      emailPassword: strongPassword,
    });
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('#email-error').text()).toBe('Another account already uses this email address.');
    expect($('#email').attr('value')).toBe(other.email.toUpperCase());
    expect(await userRow(user.id)).toEqual(before);
    expect((await userRow(other.id)).email).toBe(other.email);
  });

  it('when the user changes their email to a free address with their password, then they sign in with the new one and old reset links are void', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const link = await t.db.prisma.passwordResetToken.create({
      data: { userId: user.id, tokenHash: 'a'.repeat(64), expiresAt: new Date(Date.now() + 3_600_000) },
    });
    const email = `Renamed.${user.id}@Example.org`;
    expect((await editProfile(agent, { email, emailPassword: strongPassword })).status).toBe(302);
    expect((await userRow(user.id)).email).toBe(email.toLowerCase());
    expect(await signInStatus(email.toLowerCase(), strongPassword)).toBe(302);
    expect(await signInStatus(user.email, strongPassword)).toBe(401);
    expect(
      (await t.db.prisma.passwordResetToken.findUniqueOrThrow({ where: { id: link.id } })).usedAt,
    ).not.toBeNull();
    const audit = await t.db.prisma.auditEntry.findFirstOrThrow({
      where: { action: 'user.profile_update', actorId: user.id },
    });
    expect(audit.details).toEqual({ emailChanged: true });
  });

  it.each([
    ['without the password', '', 'Enter your password to change your email address.'],
    ['with a wrong password', 'not the password at all', 'Your password is not correct.'],
  ])(
    'when the user changes their email %s, then 422 with a message at the password and nothing changes',
    async (_, emailPassword, message) => {
      const user = await createUser(t.db.prisma);
      const agent = await signIn(t.app, user.email);
      const before = await userRow(user.id);
      const res = await editProfile(agent, {
        email: `taken.over.${user.id}@example.org`,
        degree: 'DO',
        emailPassword,
      });
      expect(res.status).toBe(422);
      const $ = cheerio.load(res.text);
      expect($('#emailPassword-error').text()).toBe(message);
      expect($('#emailPassword').attr('aria-invalid')).toBe('true');
      // What was typed comes back, except the password.
      expect($('#email').attr('value')).toBe(`taken.over.${user.id}@example.org`);
      expect($('#emailPassword').attr('value')).toBe('');
      expect(await userRow(user.id)).toEqual(before);
    },
  );
});

describe('password change', () => {
  it('when the current password is wrong, then 422 with a message and nothing changes', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const other = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await submitForm(agent, '/account', '/account/password', {
      currentPassword: 'not my password at all',
      newPassword: 'a fresh long passphrase',
    });
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)('#currentPassword-error').text()).toBe(
      'Your current password is not correct.',
    );
    expect(await userRow(user.id)).toEqual(before);
    expect(await sessionsOf(user.id)).toBe(2);
    await other.get('/account').expect(200);
  });

  it('when the current password is guessed wrong as often as sign-in allows, then even the right one is refused for a while, as at sign-in', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const change = (currentPassword: string) =>
      submitForm(agent, '/account', '/account/password', {
        currentPassword,
        newPassword: 'a fresh long passphrase',
      });
    for (let guess = 1; guess <= relaxedThrottle.lockoutThreshold; guess++)
      expect((await change(`wrong guess number ${guess}`)).status).toBe(422);

    const res = await change(strongPassword);
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)('#currentPassword-error').text()).toMatch(
      /^Too many wrong passwords\. Try again in \d+ seconds\.$/,
    );
    expect(await userRow(user.id)).toEqual(before);
    // The same lock as sign-in: the guesses made through the open session lock the sign-in form too.
    expect(await signInStatus(user.email, strongPassword)).not.toBe(302);
  });

  it('when the new password is too common, then 422 with the reason and nothing changes', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await submitForm(agent, '/account', '/account/password', {
      currentPassword: strongPassword,
      newPassword: 'password1234',
    });
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)('#newPassword-error').text()).toBe(
      'This password is too common; choose another',
    );
    expect(await userRow(user.id)).toEqual(before);
  });

  it('when the current password is right, then the password changes, other sessions end and this one stays signed in', async () => {
    const user = await createUser(t.db.prisma);
    const other = await signIn(t.app, user.email);
    const agent = await signIn(t.app, user.email);
    await other.get('/account').expect(200);
    expect(await sessionsOf(user.id)).toBe(2);

    const res = await submitForm(agent, '/account', '/account/password', {
      currentPassword: strongPassword,
      newPassword: 'a fresh long passphrase',
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/account?saved=password');

    const page = await agent.get('/account?saved=password').expect(200);
    expect(cheerio.load(page.text)('[role=status]').text()).toMatch(/Your password has been changed/);
    await expectSignedOut(other);
    expect(await sessionsOf(user.id)).toBe(1);
    expect(await signInStatus(user.email, strongPassword)).toBe(401);
    expect(await signInStatus(user.email, 'a fresh long passphrase')).toBe(302);
    const row = await userRow(user.id);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordChangedAt).not.toBeNull();
  });
});

describe('download my data', () => {
  it('when the user downloads their data, then they get a JSON attachment with their profile and no password hash', async () => {
    const user = await fullUser();
    const agent = await signIn(t.app, user.email);
    const res = await agent.get('/account/data').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?my-cme-data-\d{4}-\d{2}-\d{2}\.json"?$/,
    );
    const data = JSON.parse(res.text) as {
      profile: Record<string, unknown>;
      accountHistory: { action: string }[];
    };
    expect(data.profile).toMatchObject({
      id: user.id,
      email: user.email,
      fullName: 'Robin Prescott',
      profession: 'pharmacist',
      degree: 'PharmD',
      nabpEProfileId: '1234567',
      npi: '1234567893',
      licenseState: 'CA',
      licenseNumber: 'RPH 55123',
      consentToShare: true,
    });
    expect(Array.isArray(data.accountHistory)).toBe(true);
    expect(res.text).not.toMatch(/passwordHash|password_hash|\$argon2/i);
    expect(res.text).not.toContain(user.passwordHash!);
  });

  it('when a signed-out visitor asks for the data, then they are sent to sign in', async () => {
    await expectSignedOut(request.agent(t.app), '/account/data');
  });
});

describe('account deletion', () => {
  it('when the user opens the delete page, then it says what is kept and why (six years)', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const $ = cheerio.load((await agent.get('/account/delete').expect(200)).text);
    expect($('h1').text()).toBe('Delete your account');
    const kept = $('li')
      .filter((_, li) => $(li).find('strong').text() === 'what is kept:')
      .text();
    expect(kept).toMatch(/record of each credit you have claimed/);
    expect(kept).toMatch(/at least six years/);
    expect(kept).toMatch(/Accreditors/);
    expect($('form[action="/account/delete"] input#password').attr('type')).toBe('password');
  });

  it('when the password is wrong, then 422 with a message and nothing changes', async () => {
    const user = await fullUser();
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await submitForm(agent, '/account/delete', '/account/delete', {
      password: 'wrong password here',
    });
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)('#password-error').text()).toBe('Your password is not correct.');
    expect(await userRow(user.id)).toEqual(before);
    await agent.get('/account').expect(200);
    expect(
      await t.db.prisma.auditEntry.count({ where: { action: 'user.delete_account', actorId: user.id } }),
    ).toBe(0);
  });

  it('when the password is right, then the user is signed out everywhere, cannot sign in, and the row stays anonymised and audited', async () => {
    const user = await fullUser();
    const other = await signIn(t.app, user.email);
    const agent = await signIn(t.app, user.email);
    expect(await sessionsOf(user.id)).toBe(2);

    const res = await submitForm(agent, '/account/delete', '/account/delete', { password: strongPassword });
    expect(res.status).toBe(200);
    const $ = cheerio.load(res.text);
    expect($('h1').text()).toBe('Your account has been deleted');

    await expectSignedOut(agent);
    await expectSignedOut(other);
    expect(await sessionsOf(user.id)).toBe(0);
    expect(await signInStatus(user.email, strongPassword)).toBe(401);

    const row = await userRow(user.id);
    expect(row).toMatchObject({
      email: `deleted-user-${user.id}@deleted.invalid`,
      fullName: 'Deleted user',
      passwordHash: null,
      degree: '',
      nabpEProfileId: null,
      birthMonth: null,
      birthDay: null,
      npi: null,
      licenseState: null,
      licenseNumber: null,
      certifyingBoard: null,
      boardId: null,
      consentToShare: false,
      active: false,
    });
    expect(row.deletedAt).toBeInstanceOf(Date);
    const audit = await t.db.prisma.auditEntry.findMany({ where: { action: 'user.delete_account' } });
    expect(audit).toEqual([
      expect.objectContaining({ actorId: user.id, targetType: 'user', targetId: String(user.id) }),
    ]);
    expect(audit[0]!.ip).toMatch(/127\.0\.0\.1/);
  });
});

// Defects found in review, now fixed: these keep them fixed.
describe('defects found in review', () => {
  it("when the account has been deleted, then the confirmation page no longer shows the user's name and a sign-out button", async () => {
    const user = await createUser(t.db.prisma, { fullName: 'Gone Tomorrow' });
    const agent = await signIn(t.app, user.email);
    const res = await submitForm(agent, '/account/delete', '/account/delete', { password: strongPassword });
    expect(res.status).toBe(200);
    const header = cheerio.load(res.text)('header');
    expect(header.text()).not.toContain('Gone Tomorrow');
    expect(header.find('form[action="/logout"]')).toHaveLength(0);
    expect(header.find('a[href="/login"]')).toHaveLength(1);
  });
});
