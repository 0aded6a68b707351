// Changing one's password: the current one is asked for, guesses count as at sign-in, other sessions end.
import * as cheerio from 'cheerio';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { expectSignedOut, signIn, signInStatus, submitForm } from '../support/client';
import { factories, strongPassword, type Factories } from '../support/factories';
import * as records from '../support/records';

let t: TestApp;
let make: Factories;
beforeAll(async () => {
  t = await createTestApp({
    throttle: relaxedThrottle,
  });
  make = factories(t);
});
afterAll(() => t.close());

const userRow = (id: number) => records.userRow(t, id);
const sessionsOf = (userId: number) => records.sessionsOf(t, userId);

describe('password change', () => {
  it('when the current password is wrong, then 422 with a message and nothing changes', async () => {
    const user = await make.user();
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
    const user = await make.user();
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
    expect(await signInStatus(t.app, user.email, strongPassword)).not.toBe(302);
  });

  it('when the new password is too common, then 422 with the reason and nothing changes', async () => {
    const user = await make.user();
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
    const user = await make.user();
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
    expect(await signInStatus(t.app, user.email, strongPassword)).toBe(401);
    expect(await signInStatus(t.app, user.email, 'a fresh long passphrase')).toBe(302);
    const row = await userRow(user.id);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordChangedAt).not.toBeNull();
  });
});
