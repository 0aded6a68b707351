// Regressions of the hostile-user review (issue "Hardening"): each reproduction it listed, answered with a
// clear 4xx and nothing written. The outage items are in tests/main/outage.test.ts.
import * as cheerio from 'cheerio';
import request from 'supertest';
import { safeNextPath } from '../../server/http/safe-redirect';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import type { ErrorBody } from '../support/client';
import {
  activityPath,
  answersFor,
  evaluationFields,
  readAllLessons,
  startAttempt,
  submitAttempt,
} from '../support/journey';
import { createUser, csrfTokenFrom, learnerFields, signIn, submitForm, type Agent } from '../support/session';

let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
let adminAgent: Agent;
let adminCsrf: string;
beforeAll(async () => {
  t = await createTestApp({ throttle: relaxedThrottle });
  admin = await createUser(t.db.prisma, { role: 'admin' });
  adminAgent = await signIn(t.app, admin.email);
  adminCsrf = await csrfTokenFrom(adminAgent, '/account');
});
afterAll(() => t.close());

/** A JSON request as a script would send it: the CSRF token in its header, JSON asked back. */
const json = (agent: Agent, path: string, csrf: string, body: unknown) =>
  agent
    .post(path)
    .set('X-CSRF-Token', csrf)
    .set('Accept', 'application/json')
    .send(body as object);

async function anonymousWithToken() {
  const agent = request.agent(t.app);
  return { agent, csrf: await csrfTokenFrom(agent, '/login') };
}

async function signedInLearner() {
  const user = await createUser(t.db.prisma);
  const agent = await signIn(t.app, user.email);
  return { user, agent, csrf: await csrfTokenFrom(agent, '/account') };
}

describe('1. open redirect', () => {
  const attacks = ['/.//evil.example/x', '/a/..//evil.example', '/%2E//evil.example', '/\t/evil.example'];

  it.each(attacks)(
    'when a signed-in user opens /login?next=%s, then they stay on this site',
    async (next) => {
      const { agent } = await signedInLearner();
      const res = await agent.get('/login').query({ next }).expect(302);
      expect(res.headers.location).toBe('/');
    },
  );

  it.each(attacks)(
    'when the sign-in form carries next=%s, then the sign-in lands on this site',
    async (next) => {
      const user = await createUser(t.db.prisma);
      const res = await submitForm(request.agent(t.app), '/login', '/login', {
        email: user.email,
        password: 'correct horse battery staple',
        next,
      });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/');
    },
  );

  it('when next is a path of this site, then it is followed, normalised', () => {
    expect(safeNextPath('/activities/x/../renal?a=1#b')).toBe('/activities/renal?a=1#b');
    expect(safeNextPath('//evil.example')).toBe('/');
    expect(safeNextPath('https://evil.example/')).toBe('/');
    expect(safeNextPath(`/${'a'.repeat(3000)}`)).toBe('/');
  });

  it('when an admin action copies the search back, then an overlong search is dropped, not copied', async () => {
    const user = await createUser(t.db.prisma);
    const res = await json(adminAgent, `/admin/users/${user.id}/role`, adminCsrf, {
      role: 'educator',
      q: 'x'.repeat(5000),
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/users');
  });
});

describe('3. NUL bytes and broken Unicode', () => {
  const paths = [
    '/activities/%00',
    `${activityPath}/lessons/%00`,
    '/activities/%00/references',
    '/activities/%00/post-test',
    '/activities/%00/evaluation',
    '/activities/%00/claim',
    '/admin/users?q=%00',
    '/admin/users?q=%E0%A4%A',
    '/verify?code=%ED%A0%80',
    '/login?next=%',
  ];

  it.each(paths)('when a signed-in admin opens %s, then the answer is 400', async (path) => {
    const res = await adminAgent.get(path);
    expect(res.status).toBe(400);
    expect(res.text).toContain('not allowed');
  });

  it('when a heartbeat is sent to a path with NUL, then the answer is 400', async () => {
    const { agent, csrf } = await signedInLearner();
    const res = await json(agent, '/activities/%00/lessons/1/heartbeat', csrf, {});
    expect(res.status).toBe(400);
  });

  it.each([
    ['/login', { email: 'a\u0000@x.org', password: 'whatever password' }],
    ['/forgot-password', { email: 'a\u0000@x.org' }],
    ['/register', learnerFields({ fullName: 'Dana\u0000Learner' })],
    ['/login', { email: 'a\ud800@x.org', password: 'whatever password' }],
    ['/register', learnerFields({ degree: '\udc00' })],
  ])(
    'when %s receives NUL or a lone surrogate in JSON, then 400 and no user is created',
    async (path, body) => {
      const agent = request.agent(t.app);
      const csrf = await csrfTokenFrom(agent, '/login');
      const users = await t.db.prisma.user.count();
      const res = await json(agent, path, csrf, body);
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).error.message).toMatch(/not allowed/);
      expect(await t.db.prisma.user.count()).toBe(users);
    },
  );

  it('when a form carries a percent-encoded NUL, then 400', async () => {
    const agent = request.agent(t.app);
    const csrf = await csrfTokenFrom(agent, '/login');
    const res = await agent
      .post('/login')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&email=a%00%40x.org&password=x`);
    expect(res.status).toBe(400);
  });

  it('when the profile, the evaluation or a revocation reason carries NUL, then 400 and nothing changes', async () => {
    const { user, agent, csrf } = await signedInLearner();
    const before = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect((await json(agent, '/account', csrf, { ...learnerFields(), fullName: 'A\u0000' })).status).toBe(
      400,
    );
    expect(
      (
        await json(agent, `${activityPath}/evaluation`, csrf, {
          ...evaluationFields,
          intendedChange: '\u0000',
        })
      ).status,
    ).toBe(400);
    const revoke = await json(adminAgent, `/admin/certificates/${'0'.repeat(32)}/revoke`, adminCsrf, {
      reason: 'bad\u0000reason',
    });
    expect(revoke.status).toBe(400);
    expect(await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toEqual(before);
  });
});

describe('4. types', () => {
  it.each([
    { email: 123, password: 'x' },
    { email: true, password: 'x' },
    { email: 'a@b.org', password: 5 },
  ])('when /login receives %j, then 422 asks for the email and password', async (body) => {
    const agent = request.agent(t.app);
    const res = await json(agent, '/login', await csrfTokenFrom(agent, '/login'), body);
    expect(res.status).toBe(422);
  });

  it.each(['/login', '/forgot-password', '/register', '/account'])(
    'when %s receives a JSON array instead of a form, then 422, never a 500',
    async (path) => {
      const { agent, csrf } = path === '/account' ? await signedInLearner() : await anonymousWithToken();
      const res = await json(agent, path, csrf, [{ email: 'a@example.org', password: 'whatever password' }]);
      expect(res.status).toBe(422);
    },
  );

  it('when /register receives a number as password or an object as a field, then 422 with field messages', async () => {
    const agent = request.agent(t.app);
    const csrf = await csrfTokenFrom(agent, '/register');
    const numeric = await json(agent, '/register', csrf, { ...learnerFields(), password: 12345 });
    expect(numeric.status).toBe(422);
    const object = await agent
      .post('/register')
      .set('X-CSRF-Token', csrf)
      .send({ ...learnerFields(), fullName: { toString: 1 } });
    expect(object.status).toBe(422);
    expect(cheerio.load(object.text)('#fullName-error').text()).toBe('Your name must be text');
  });

  it.each(['/account', `${activityPath}/evaluation`, `${activityPath}/claim`])(
    'when %s receives {"toString":1} as field values, then 422',
    async (path) => {
      const { agent, csrf } = await signedInLearner();
      const fields = ['fullName', 'email', 'objective_O1', 'relevance', 'intendedChange', 'amount', 'attest'];
      const body = Object.fromEntries(fields.map((field) => [field, { toString: 1 }]));
      const res = await agent.post(path).set('X-CSRF-Token', csrf).send(body);
      expect(res.status).toBe(422);
    },
  );

  it('when the admin role or active route gets an object, then 400 and nothing is committed or audited', async () => {
    const user = await createUser(t.db.prisma);
    const audits = await t.db.prisma.auditEntry.count();
    for (const [route, body] of [
      ['role', { role: 'educator', q: { toString: 1 } }],
      ['role', { role: { toString: 1 } }],
      ['active', { active: 'false', q: ['a', 'b'] }],
      ['active', { active: { toString: 1 } }],
    ] as const) {
      const res = await json(adminAgent, `/admin/users/${user.id}/${route}`, adminCsrf, body);
      // A search to come back to that is not text is dropped (the change is valid); a bad value is refused.
      if ('q' in body) expect(res.status).toBe(302);
      else expect(res.status).toBe(400);
    }
    const row = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect({ role: row.role, active: row.active }).toEqual({ role: 'educator', active: false });
    expect(await t.db.prisma.auditEntry.count()).toBe(audits + 2);
  });
});

describe('5. integer ids out of range', () => {
  it.each([
    `${activityPath}/post-test/attempts/2147483648`,
    `${activityPath}/post-test/attempts/99999999999/result`,
    `${activityPath}/post-test/attempts/0`,
    `${activityPath}/post-test/attempts/1e3`,
  ])('when a learner opens %s, then 404', async (path) => {
    const { agent } = await signedInLearner();
    expect((await agent.get(path)).status).toBe(404);
  });

  it('when an admin posts to /admin/users/2147483648/role, then 404 and nothing is audited', async () => {
    const audits = await t.db.prisma.auditEntry.count();
    const res = await json(adminAgent, '/admin/users/2147483648/role', adminCsrf, { role: 'admin' });
    expect(res.status).toBe(404);
    expect(await t.db.prisma.auditEntry.count()).toBe(audits);
  });
});

describe('8. bidi controls', () => {
  const reversed = 'Mallory \u202Egnp.exe';

  it('when a name or degree carries a right-to-left override, then the form refuses it at the field', async () => {
    const agent = request.agent(t.app);
    const res = await submitForm(agent, '/register', '/register', learnerFields({ fullName: reversed }));
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)('#fullName-error').text()).toMatch(/invisible formatting characters/);
    const degree = await submitForm(agent, '/register', '/register', learnerFields({ degree: 'MD\u200F' }));
    expect(cheerio.load(degree.text)('#degree-error').text()).toMatch(/invisible formatting characters/);
  });

  it('when a name stored before the rule is certified, then verification, My CE and the CSV show it without the control', async () => {
    const user = await createUser(t.db.prisma, { fullName: reversed });
    const agent = await signIn(t.app, user.email);
    await readAllLessons(agent);
    const attemptId = await startAttempt(agent);
    await submitAttempt(agent, attemptId, await answersFor(t, attemptId));
    const csrf = await csrfTokenFrom(agent, '/account');
    await agent
      .post(`${activityPath}/evaluation`)
      .type('form')
      .send({ ...evaluationFields, _csrf: csrf });
    await agent.post(`${activityPath}/claim`).type('form').send({ attest: 'on', amount: '0.5', _csrf: csrf });
    const { code } = await t.db.prisma.certificate.findFirstOrThrow({
      where: { claim: { userId: user.id } },
    });

    const verify = await request(t.app).get(`/verify/${code}`).expect(200);
    expect(verify.text).not.toContain('\u202E');
    expect(verify.text).toContain('Mallory gnp.exe');
    const csv = await agent.get('/my-ce.csv').expect(200);
    expect(csv.text).not.toContain('\u202E');
    expect(csv.text).toContain('Mallory gnp.exe');
    expect((await agent.get('/my-ce').expect(200)).text).not.toContain('\u202E');
  });
});
