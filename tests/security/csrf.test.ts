// CSRF: every state-changing route, generated from the router, refuses a request whose token is missing or
// wrong, even from a signed-in admin whom the access guard would let through, and the refusal changes nothing.
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app';
import {
  createUser,
  csrfTokenFrom,
  learnerFields,
  signIn,
  strongPassword,
  type Agent,
} from '../support/session';
import { applicationRoutes, fillPath, routeName, stateChanging, type RouteInfo } from './routes';

const routes = applicationRoutes().filter(stateChanging);

const CSRF_MESSAGE = 'This form has expired or was not sent by this site';
const newPassword = 'a brand new passphrase for the forger';

interface Context {
  admin: { id: number; email: string };
  /** Another user: the `:id` of the admin routes and the account of the forged sign-in. */
  target: { id: number; email: string };
}

/** Bodies that would do real harm if the token check were missing. */
const bodies: Record<string, (c: Context) => Record<string, string>> = {
  'POST /login': (c) => ({ email: c.target.email, password: strongPassword }),
  'POST /register': () => learnerFields(),
  'POST /forgot-password': (c) => ({ email: c.target.email }),
  'POST /reset-password/:token': () => ({ password: newPassword }),
  'POST /account': (c) => ({
    fullName: 'Changed By A Forged Form',
    email: c.admin.email,
    profession: 'physician',
    degree: 'MD',
  }),
  'POST /account/password': () => ({ currentPassword: strongPassword, newPassword }),
  'POST /account/delete': () => ({ password: strongPassword }),
  'POST /admin/users/:id/role': () => ({ role: 'admin' }),
  'POST /admin/users/:id/active': () => ({ active: 'false' }),
  'POST /admin/certificates/:code/revoke': () => ({ reason: 'Revoked by a forged form' }),
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    throttle: {
      loginPerIpPer15Min: 100_000,
      registrationsPerIpPerHour: 100_000,
      resetsPerIpPerHour: 100_000,
      lockoutThreshold: 1000,
      lockoutBaseSeconds: 1,
      lockoutMaxSeconds: 1,
    },
  });
});
afterAll(() => t?.close());

/** Everything a forged request could change, apart from the session rows (touched by every request). */
async function databaseState() {
  const prisma = t.db.prisma;
  const [users, auditLog, resetTokens] = await Promise.all([
    prisma.user.findMany({
      orderBy: { id: 'asc' },
      select: {
        id: true,
        email: true,
        role: true,
        active: true,
        fullName: true,
        passwordHash: true,
        updatedAt: true,
        deletedAt: true,
      },
    }),
    prisma.auditEntry.count(),
    prisma.passwordResetToken.count(),
  ]);
  return { userCount: users.length, auditLog, resetTokens, users };
}

type Send = (agent: Agent, url: string, body: Record<string, string>, method: string) => request.Test;

const form = (agent: Agent, url: string, method: string) =>
  agent[method.toLowerCase() as 'post' | 'put' | 'patch' | 'delete'](url).type('form');

/** Ways to send the request without the session's own token; each must be refused. */
const forgeries = (otherSessionsToken: () => string): [string, Send][] => [
  ['without a token', (agent, url, body, method) => form(agent, url, method).send(body)],
  [
    'as JSON without a token',
    (agent, url, body, method) =>
      agent[method.toLowerCase() as 'post'](url).set('Content-Type', 'application/json').send(body),
  ],
  [
    'with a made-up token in the body',
    (agent, url, body, method) =>
      form(agent, url, method).send({ ...body, _csrf: 'forged-token-0123456789abcdef' }),
  ],
  [
    'with a made-up token in the X-CSRF-Token header',
    (agent, url, body, method) =>
      form(agent, url, method).set('X-CSRF-Token', 'forged-token-0123456789abcdef').send(body),
  ],
  [
    "with a real token of another visitor's session",
    (agent, url, body, method) => form(agent, url, method).send({ ...body, _csrf: otherSessionsToken() }),
  ],
];

describe('state-changing routes refuse a missing or wrong CSRF token', () => {
  it('the router has state-changing routes to check', () => {
    expect(routes.length).toBeGreaterThan(0);
  });

  let otherToken = '';
  beforeAll(async () => {
    otherToken = await csrfTokenFrom(request.agent(t.app), '/login');
  });

  describe.each(routes.map((route) => [routeName(route), route] as const))(
    '%s',
    (_name, route: RouteInfo) => {
      // One admin per route: a refused request changes nothing, so the forgeries can share the session; the
      // control at the end, which does change things, comes last.
      let agent: Agent;
      let ownToken: string;
      let url: string;
      let body: Record<string, string>;
      beforeAll(async () => {
        const admin = await createUser(t.db.prisma, { role: 'admin' });
        const target = await createUser(t.db.prisma, { role: 'learner' });
        agent = await signIn(t.app, admin.email);
        // The session holds a token of its own, so a wrong one is compared against a real one.
        ownToken = await csrfTokenFrom(agent, '/account');
        url = fillPath(route.path, { id: target.id });
        body = bodies[routeName(route)]?.({ admin, target }) ?? {};
      });

      it.each(forgeries(() => otherToken))(
        '%s, from a signed-in admin: 403 and nothing changes',
        async (_how, send) => {
          const before = await databaseState();
          const res = await send(agent, url, body, route.method);
          expect(res.status).toBe(403);
          expect(res.text).toContain(CSRF_MESSAGE);
          expect(await databaseState()).toEqual(before);
          // The admin is still signed in as the admin (no forged sign-out, nor sign-in as someone else).
          await agent.get('/admin/users').expect(200);
        },
      );

      it("with the session's own token, the same request gets past the CSRF check (control)", async () => {
        const accepted = await form(agent, url, route.method).send({ ...body, _csrf: ownToken });
        expect(accepted.text).not.toContain(CSRF_MESSAGE);
        expect(accepted.status).not.toBe(403);
      });
    },
  );
});

describe('an anonymous sign-in', () => {
  it('without a token is refused with 403 and signs nobody in', async () => {
    const user = await createUser(t.db.prisma);
    const agent = request.agent(t.app);
    await agent.get('/login').expect(200); // a session with a token exists, but the form does not send it
    const before = await databaseState();
    const res = await agent.post('/login').type('form').send({ email: user.email, password: strongPassword });
    expect(res.status).toBe(403);
    expect(res.text).toContain(CSRF_MESSAGE);
    expect(await databaseState()).toEqual(before);
    await agent.get('/account').expect(302).expect('Location', '/login?next=%2Faccount');
  });

  it('without any session (no cookie, no token) is refused with 403', async () => {
    const user = await createUser(t.db.prisma);
    const res = await request(t.app)
      .post('/login')
      .type('form')
      .send({ email: user.email, password: strongPassword });
    expect(res.status).toBe(403);
    expect(res.headers.location).toBeUndefined();
  });
});
