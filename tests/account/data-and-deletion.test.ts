// The signed-in user's data download and account deletion: what is given, what is erased and what is kept.
import * as cheerio from 'cheerio';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { expectSignedOut, signIn, signInStatus, submitForm, visitor } from '../support/client';
import { factories, strongPassword, type Factories } from '../support/factories';
import * as records from '../support/records';
import { fullProfile } from './full-profile';

let t: TestApp;
let make: Factories;
beforeAll(async () => {
  t = await createTestApp({
    throttle: relaxedThrottle,
  });
  make = factories(t);
});
afterAll(() => t.close());

const fullUser = () => make.user(fullProfile);
const userRow = (id: number) => records.userRow(t, id);
const sessionsOf = (userId: number) => records.sessionsOf(t, userId);

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
    await expectSignedOut(visitor(t.app), '/account/data');
  });
});

describe('account deletion', () => {
  it('when the user opens the delete page, then it says what is kept and why (six years)', async () => {
    const user = await make.user();
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
    expect(await signInStatus(t.app, user.email, strongPassword)).toBe(401);

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
    const user = await make.user({ fullName: 'Gone Tomorrow' });
    const agent = await signIn(t.app, user.email);
    const res = await submitForm(agent, '/account/delete', '/account/delete', { password: strongPassword });
    expect(res.status).toBe(200);
    const header = cheerio.load(res.text)('header');
    expect(header.text()).not.toContain('Gone Tomorrow');
    expect(header.find('form[action="/logout"]')).toHaveLength(0);
    expect(header.find('a[href="/login"]')).toHaveLength(1);
  });
});
