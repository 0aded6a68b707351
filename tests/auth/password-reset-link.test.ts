// Following a password reset link: the form, the new password, every session ended; links used, expired or
// unknown are refused.
import crypto from 'node:crypto';
import * as cheerio from 'cheerio';
import type { TestApp } from '../support/app';
import { csrfTokenFrom, postForm, signIn, signInStatus, visitor } from '../support/client';
import { factories, strongPassword, type Factories } from '../support/factories';
import * as records from '../support/records';
import { alertOf, invalidLink, pathOf, useResetMail } from './reset-mail';

const mail = useResetMail();
const { resetLinkFor, openResetForm, chooseNewPassword } = mail;
let t: TestApp;
let make: Factories;
beforeAll(() => {
  t = mail.app();
  make = factories(t);
});

const sessionsOf = (userId: number) => records.sessionsOf(t, userId);

describe('following the link', () => {
  it('when the link is followed, then the page asks for a new password', async () => {
    const user = await make.user();
    const link = await resetLinkFor(user.email);
    const res = await visitor(t.app).get(pathOf(link)).expect(200);
    const $ = cheerio.load(res.text);
    expect($('h1').text()).toBe('Choose a new password');
    expect($('form').attr('action')).toBe(pathOf(link));
    expect($('form input#password').attr('type')).toBe('password');
    expect($('form input#password').attr('autocomplete')).toBe('new-password');
  });

  it('when a new password is chosen, then it replaces the old one and every session of the user ends', async () => {
    const user = await make.user();
    const signedIn = await signIn(t.app, user.email);
    await signedIn.get('/account').expect(200);
    expect(await sessionsOf(user.id)).toBe(1);
    const link = await resetLinkFor(user.email);

    const res = await chooseNewPassword(link, 'my new reset passphrase');
    expect(res.status).toBe(200);
    const $ = cheerio.load(res.text);
    expect($('h1').text()).toBe('Password changed');
    expect($('[role=status]').text()).toMatch(/every session of your account has been signed out/);

    expect(await sessionsOf(user.id)).toBe(0);
    const after = await signedIn.get('/account');
    expect(after.status).toBe(302);
    expect(after.headers.location).toBe('/login?next=%2Faccount');
    expect(await signInStatus(t.app, user.email, strongPassword)).toBe(401);
    expect(await signInStatus(t.app, user.email, 'my new reset passphrase')).toBe(302);
    const row = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordChangedAt).not.toBeNull();
    expect(
      await t.db.prisma.auditEntry.count({
        where: { action: 'user.password_reset', targetId: String(user.id) },
      }),
    ).toBe(1);
  });

  it('when the same link is used a second time, then it is refused with 410 and the page says so', async () => {
    const user = await make.user();
    const link = await resetLinkFor(user.email);
    const firstTab = await openResetForm(link);
    const secondTab = await openResetForm(link);
    expect((await firstTab('first reset passphrase')).status).toBe(200);

    const again = await visitor(t.app).get(pathOf(link));
    expect(again.status).toBe(410);
    expect(alertOf(again)).toMatch(invalidLink);
    expect(cheerio.load(again.text)('input#password')).toHaveLength(0);
    const repost = await secondTab('second reset passphrase');
    expect(repost.status).toBe(410);
    expect(alertOf(repost)).toMatch(invalidLink);
    expect(await signInStatus(t.app, user.email, 'first reset passphrase')).toBe(302);
  });

  it('when the link has expired, then it is refused with 410 and the password stays', async () => {
    const user = await make.user();
    const link = await resetLinkFor(user.email);
    const submit = await openResetForm(link);
    await t.db.prisma.passwordResetToken.updateMany({
      where: { userId: user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });

    const page = await visitor(t.app).get(pathOf(link));
    expect(page.status).toBe(410);
    expect(alertOf(page)).toMatch(invalidLink);
    const post = await submit('too late passphrase');
    expect(post.status).toBe(410);
    expect(await signInStatus(t.app, user.email, strongPassword)).toBe(302);
  });

  it('when the link is unknown, then it is refused with 410', async () => {
    const res = await visitor(t.app).get(`/reset-password/${crypto.randomBytes(32).toString('base64url')}`);
    expect(res.status).toBe(410);
    expect(alertOf(res)).toMatch(invalidLink);
  });

  it('when the new password is too short or too common, then 422 with the reason, and the link still works', async () => {
    const user = await make.user();
    const link = await resetLinkFor(user.email);

    const short = await chooseNewPassword(link, 'short');
    expect(short.status).toBe(422);
    expect(cheerio.load(short.text)('#password-error').text()).toBe('Use at least 12 characters');
    const common = await chooseNewPassword(link, 'password1234');
    expect(common.status).toBe(422);
    expect(cheerio.load(common.text)('#password-error').text()).toBe(
      'This password is too common; choose another',
    );
    expect(await signInStatus(t.app, user.email, strongPassword)).toBe(302);

    await visitor(t.app).get(pathOf(link)).expect(200);
    expect((await chooseNewPassword(link, 'a good long passphrase')).status).toBe(200);
    expect(await signInStatus(t.app, user.email, 'a good long passphrase')).toBe(302);
  });
});

// Defects found in review, now fixed: these keep them fixed.
describe('defects found in review', () => {
  it('when a bad password is posted to an unknown link, then 410 says the link is invalid (not a form asking for a better password)', async () => {
    const agent = visitor(t.app);
    const csrf = await csrfTokenFrom(agent, '/forgot-password');
    const res = await postForm(
      agent,
      `/reset-password/${crypto.randomBytes(32).toString('base64url')}`,
      { password: 'short' },
      csrf,
    );
    expect(res.status).toBe(410);
    expect(alertOf(res)).toMatch(invalidLink);
  });
});
