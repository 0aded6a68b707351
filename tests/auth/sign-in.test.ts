// Registration, sign-in and sign-out as a clinician experiences them, and the protections around them.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, submitForm, visitor, type Response } from '../support/client';
import { factories, learnerFields, strongPassword, type Factories } from '../support/factories';

let t: TestApp;
let make: Factories;
beforeAll(async () => {
  t = await createTestApp({
    throttle: {
      loginPerIpPer15Min: 1000,
      registrationsPerIpPerHour: 1000,
      resetsPerIpPerHour: 1000,
      lockoutThreshold: 3,
      lockoutBaseSeconds: 1,
      lockoutMaxSeconds: 4,
    },
  });
  make = factories(t);
});
afterAll(() => t.close());

const sessionCookie = (res: Response) =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('cme.sid='));

describe('registration', () => {
  it('when a nurse registers with valid details, then the account exists, she is signed in and no password is stored in clear', async () => {
    const agent = visitor(t.app);
    const fields = learnerFields();
    const res = await submitForm(agent, '/register', '/register', fields);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/account?welcome=1');
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email: fields.email } });
    expect(user).toMatchObject({ role: 'learner', profession: 'nurse', degree: 'RN', consentToShare: false });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const account = await agent.get('/account').expect(200);
    expect(cheerio.load(account.text)('#fullName').attr('value')).toBe('Dana Learner');
  });

  it('when the form has errors, then each wrong field has its message and the typed values come back, except the password', async () => {
    const agent = visitor(t.app);
    const res = await submitForm(agent, '/register', '/register', {
      ...learnerFields({ profession: 'pharmacist', degree: 'PharmD', fullName: 'Pat Pharmacist' }),
      email: 'not-an-email',
      npi: '1234567890',
      password: 'password1234',
    });
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('#email-error').text()).toBe('Enter a valid email address');
    expect($('#nabpEProfileId-error').text()).toMatch(/NABP e-Profile ID/);
    expect($('#birthMonth-error').text()).toMatch(/birth month and day/);
    expect($('#npi-error').text()).toMatch(/not a valid 10-digit NPI/);
    expect($('#password-error').text()).toBe('This password is too common; choose another');
    expect($('#fullName').attr('value')).toBe('Pat Pharmacist');
    expect($('#email').attr('value')).toBe('not-an-email');
    expect($('#password').attr('value')).toBe('');
    expect($('#profession option[selected]').attr('value')).toBe('pharmacist');
    expect(await t.db.prisma.user.count({ where: { fullName: 'Pat Pharmacist' } })).toBe(0);
  });

  it('when a pharmacist gives a valid e-Profile ID, birth date and NPI, then they are stored', async () => {
    const agent = visitor(t.app);
    const fields = learnerFields({
      profession: 'pharmacist',
      degree: 'PharmD',
      nabpEProfileId: '1234567',
      birthMonth: '2',
      birthDay: '29',
      npi: '1234567893',
      consentToShare: 'on',
    });
    await submitForm(agent, '/register', '/register', fields).then((res) => expect(res.status).toBe(302));
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email: fields.email } });
    expect(user).toMatchObject({
      nabpEProfileId: '1234567',
      birthMonth: 2,
      birthDay: 29,
      npi: '1234567893',
      consentToShare: true,
    });
  });

  it('when unknown fields are posted, then they are ignored (no mass assignment)', async () => {
    const agent = visitor(t.app);
    const fields = learnerFields();
    await submitForm(agent, '/register', '/register', { ...fields, role: 'admin', active: 'false', id: '1' });
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email: fields.email } });
    expect(user.role).toBe('learner');
    expect(user.active).toBe(true);
  });
});

describe('sign-in', () => {
  it('when signing in, then the session id changes (no fixation) and the user is signed in', async () => {
    const user = await make.user();
    const agent = visitor(t.app);
    const before = sessionCookie(await agent.get('/login'));
    expect(before).toBeDefined();
    const res = await submitForm(agent, '/login', '/login', { email: user.email, password: strongPassword });
    expect(res.status).toBe(302);
    const after = sessionCookie(res);
    expect(after).toBeDefined();
    expect(after!.split(';')[0]).not.toBe(before!.split(';')[0]);
    expect(after).toMatch(/HttpOnly/);
    expect(after).toMatch(/SameSite=Lax/);
    await agent.get('/account').expect(200);
  });

  it('when the email is unknown or the password wrong, then the answer is the same', async () => {
    const user = await make.user();
    const unknown = await submitForm(visitor(t.app), '/login', '/login', {
      email: 'nobody@example.org',
      password: strongPassword,
    });
    const wrong = await submitForm(visitor(t.app), '/login', '/login', {
      email: user.email,
      password: 'wrong password here',
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const message = (res: Response) => cheerio.load(res.text)('[role=alert]').text();
    expect(message(unknown)).toBe('The email or password is incorrect.');
    expect(message(wrong)).toBe(message(unknown));
  });

  it('when an email fails repeatedly, then it is locked with a growing delay and released when the delay has passed', async () => {
    const user = await make.user();
    const attempt = (password: string) =>
      submitForm(visitor(t.app), '/login', '/login', { email: user.email, password });
    for (let i = 0; i < 3; i += 1) expect((await attempt('wrong password here')).status).toBe(401);
    const locked = await attempt(strongPassword);
    expect(locked.status).toBe(401);
    expect(cheerio.load(locked.text)('[role=alert]').text()).toMatch(/Too many failed sign-in attempts/);
    // The same message for an email without an account: a lock reveals nothing.
    for (let i = 0; i < 3; i += 1)
      await submitForm(visitor(t.app), '/login', '/login', {
        email: 'ghost@example.org',
        password: 'x',
      });
    const ghost = await submitForm(visitor(t.app), '/login', '/login', {
      email: 'ghost@example.org',
      password: 'x',
    });
    expect(cheerio.load(ghost.text)('[role=alert]').text()).toMatch(/Too many failed sign-in attempts/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await attempt(strongPassword)).status).toBe(302);
  });

  it('when next= points to this site, then sign-in returns there; when it points elsewhere, then to the home page', async () => {
    const user = await make.user();
    const go = async (next: string) => {
      const res = await submitForm(visitor(t.app), `/login?next=${encodeURIComponent(next)}`, '/login', {
        email: user.email,
        password: strongPassword,
        next,
      });
      return res.headers.location;
    };
    expect(await go('/account')).toBe('/account');
    expect(await go('https://evil.example/phish')).toBe('/');
    expect(await go('//evil.example/phish')).toBe('/');
    expect(await go('/\\evil.example')).toBe('/');
  });

  it('when a signed-out visitor opens a page for members, then sign-in is asked with a way back', async () => {
    const res = await visitor(t.app).get('/account').expect(302);
    expect(res.headers.location).toBe('/login?next=%2Faccount');
  });

  it('when signing out, then the old session no longer works even if its cookie is replayed', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const cookie = sessionCookie(await agent.get('/account'))!.split(';')[0]!;
    const logout = await submitForm(agent, '/account', '/logout', {});
    expect(logout.status).toBe(302);
    await visitor(t.app).get('/account').set('Cookie', cookie).expect(302);
  });

  it('when an admin deactivates a user, then that user is signed out at the next request', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    // Deactivated in the database directly: the admin page's deactivation also ends the user's sessions (see
    // tests/admin), and here only the re-reading of the user on each request may sign this session out.
    await t.db.prisma.user.update({ where: { id: user.id }, data: { active: false } });
    await agent.get('/account').expect(302);
    const res = await submitForm(visitor(t.app), '/login', '/login', {
      email: user.email,
      password: strongPassword,
    });
    expect(cheerio.load(res.text)('[role=alert]').text()).toMatch(/deactivated/);
  });
});
