// Sign-in throttling through HTTP: emails up to the longest valid ones are counted and locked like any other,
// on the sign-in form and on the account pages that ask for the password; the per-IP registration ceiling.
// The per-network rules are in throttle-networks.test.ts (every request here comes from 127.0.0.1).
import * as cheerio from 'cheerio';
import request from 'supertest';
import { defaultThrottleSettings } from '../../server/auth/throttle';
import { createTestApp, type TestApp } from '../support/app';
import { createUser, learnerFields, signIn, strongPassword, submitForm } from '../support/session';

/** A valid address of 250 characters (at most 254 are allowed): a 64-character local part, labels of 60. */
const longEmail = (tag: string) => {
  const email = `${tag}.${'a'.repeat(63 - tag.length)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(59)}.org`;
  expect(email).toHaveLength(250);
  return email;
};
const alert = (res: request.Response) => cheerio.load(res.text)('[role=alert]').text();
const threshold = defaultThrottleSettings.lockoutThreshold;

describe('emails of any valid length', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      throttle: { ...defaultThrottleSettings, loginPerIpPer15Min: 1000, registrationsPerIpPerHour: 1000 },
    });
  });
  afterAll(() => t.close());

  const login = (email: string, password: string) =>
    submitForm(request.agent(t.app), '/login', '/login', { email, password });

  it('when a learner with a 250-character email mistypes the password, then each try is a 401 and counted, and the lock holds', async () => {
    const fields = learnerFields({ email: longEmail('learner') });
    expect((await submitForm(request.agent(t.app), '/register', '/register', fields)).status).toBe(302);
    for (let i = 0; i < threshold; i++) {
      const res = await login(fields.email, 'a wrong password');
      expect(res.status).toBe(401);
      expect(alert(res)).toBe('The email or password is incorrect.');
    }
    const locked = await login(fields.email, strongPassword);
    expect(locked.status).toBe(401);
    expect(alert(locked)).toMatch(/^Too many failed sign-in attempts for this email address\./);
  });

  it('when a signed-in user with a 250-character email guesses the current password, then the guesses are counted and lock the sign-in too', async () => {
    const user = await createUser(t.db.prisma, { email: longEmail('account') });
    const agent = await signIn(t.app, user.email);
    const change = (currentPassword: string) =>
      submitForm(agent, '/account', '/account/password', {
        currentPassword,
        newPassword: 'a fresh long passphrase',
      });
    const error = (res: request.Response) => cheerio.load(res.text)('#currentPassword-error').text();
    for (let guess = 1; guess <= threshold; guess++) {
      const res = await change(`wrong guess number ${guess}`);
      expect(res.status).toBe(422);
      expect(error(res)).toBe('Your current password is not correct.');
    }
    const res = await change(strongPassword);
    expect(res.status).toBe(422);
    expect(error(res)).toMatch(/^Too many wrong passwords\. Try again in \d+ seconds\.$/);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(
      user.passwordHash,
    );
    expect(alert(await login(user.email, strongPassword))).toMatch(/^Too many failed sign-in attempts/);
  });

  it('when throttle rows are written, then every key has the same length whatever was typed, and no email in clear', async () => {
    await login(longEmail('keys'), 'a wrong password');
    await login('k@x.io', 'a wrong password');
    const { rows } = await t.pool.query<{ key: string }>('SELECT key FROM rate_limits');
    const prefixes = new Set(rows.map(({ key }) => key.split(':')[0]));
    expect([...prefixes]).toEqual(expect.arrayContaining(['ip_login', 'net_failures', 'email_failures']));
    for (const { key } of rows) expect(key).toMatch(/^[a-z_]+:[\w-]{43}$/);
    expect(rows.some(({ key }) => /@|127\.0\.0\.1/.test(key))).toBe(false);
  });
});

describe('registrations per IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ throttle: { ...defaultThrottleSettings, registrationsPerIpPerHour: 2 } });
  });
  afterAll(() => t.close());

  it('when one address registers more accounts than the setting allows in an hour, then the next is refused and not created', async () => {
    const register = (fields: Record<string, string>) =>
      submitForm(request.agent(t.app), '/register', '/register', fields);
    for (let i = 0; i < 2; i++) expect((await register(learnerFields())).status).toBe(302);
    const fields = learnerFields();
    const refused = await register(fields);
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/Too many attempts from your network/);
    expect(await t.db.prisma.user.count({ where: { email: fields.email } })).toBe(0);
  });
});
