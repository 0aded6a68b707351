// The authorization matrix: every route of the router × every kind of visitor, generated from the access
// rule each route declares (server/http/access.ts). A new route is covered without editing this file, and a
// route without a rule fails the first test.
import express from 'express';
import request from 'supertest';
import { allow, type AccessRule } from '../../server/http/access';
import { createTestApp, type TestApp } from '../support/app';
import { createUser, csrfTokenFrom, signIn, strongPassword, type Agent } from '../support/session';
import { applicationRoutes, fillPath, listRoutes, routeName, type RouteInfo } from './routes';

// Jest generates tests before beforeAll runs: the table comes from the app built without a database, and the
// first tests check that it is the table of the running app.
const routes = applicationRoutes();

const personas = ['anonymous', 'learner', 'educator', 'admin', 'deactivated'] as const;
type Persona = (typeof personas)[number];

const PASSES = 'passes the guard';
const SIGN_IN = 'is sent to sign in';
const FORBIDDEN = 'is forbidden';

function expectedOutcome(access: AccessRule, persona: Persona): string {
  if (access.kind === 'public') return PASSES;
  if (persona === 'anonymous' || persona === 'deactivated') return SIGN_IN;
  if (access.kind === 'signedIn') return PASSES;
  return (access.roles as readonly string[]).includes(persona) ? PASSES : FORBIDDEN;
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD' || method === 'ALL';

/**
 * What the guard did, in the words of the expectations; anything unexpected is spelled out. "Passes the
 * guard": neither 401, 403 nor a redirect to /login (404, 400, 410 or 422 come from the made-up parameters).
 */
function outcomeOf(res: request.Response, method: string, url: string): string {
  const location = typeof res.headers.location === 'string' ? res.headers.location : '';
  if (res.status === 403 && res.text.includes('This form has expired'))
    return 'is refused by the CSRF check (a test setup problem)';
  if (res.status === 403) return FORBIDDEN;
  if (res.status === 401) return isRead(method) ? 'gets 401 instead of a redirect to sign in' : SIGN_IN;
  if (res.status >= 300 && res.status < 400 && location.startsWith('/login')) {
    const expected = `/login?next=${encodeURIComponent(url)}`;
    return isRead(method) && location === expected ? SIGN_IN : `is redirected to ${location}`;
  }
  // As the brief defines it, a 5xx counts as passing: it is not a refusal (a handler failing on made-up
  // parameters is another test's business). Where a refusal is expected, a 5xx still fails the case.
  return PASSES;
}

let t: TestApp;
/** The user whose id fills `:id`: never one of the personas, so no admin acts on itself. */
let target: { id: number };
/** The account whose credentials POST /login sends (a public route must not answer 401 for a good login). */
let loginTarget: { email: string };
/** One session per persona for the read-only routes. */
const shared = new Map<Persona, Agent>();

interface Session {
  agent: Agent;
  /** A token of this session, fetched while it was still signed in. */
  csrf: string;
}

async function openSession(persona: Persona): Promise<Session> {
  if (persona === 'anonymous') {
    const agent = request.agent(t.app);
    return { agent, csrf: await csrfTokenFrom(agent, '/login') };
  }
  const user = await createUser(t.db.prisma, { role: persona === 'deactivated' ? 'learner' : persona });
  const agent = await signIn(t.app, user.email);
  const csrf = await csrfTokenFrom(agent, '/account');
  if (persona === 'deactivated')
    await t.db.prisma.user.update({ where: { id: user.id }, data: { active: false } });
  return { agent, csrf };
}

/** Bodies that let the handler do its ordinary work, so that its answer is not mistaken for the guard's. */
const bodies: Record<string, () => Record<string, string>> = {
  'POST /login': () => ({ email: loginTarget.email, password: strongPassword }),
  // The target is an active learner: these are accepted and change nothing.
  'POST /admin/users/:id/role': () => ({ role: 'learner' }),
  'POST /admin/users/:id/active': () => ({ active: 'true' }),
};

async function call(route: RouteInfo, persona: Persona) {
  const url = fillPath(route.path, { id: target.id });
  if (isRead(route.method)) return { url, res: await shared.get(persona)!.get(url) };
  // State-changing routes get a fresh user and session each, so a sign-out or a deletion touches nobody else.
  const session = await openSession(persona);
  const method = route.method.toLowerCase() as 'post' | 'put' | 'patch' | 'delete';
  const res = await session.agent[method](url)
    .type('form')
    .send({ ...(bodies[routeName(route)]?.() ?? {}), _csrf: session.csrf });
  return { url, res };
}

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
  target = await createUser(t.db.prisma, { role: 'learner', fullName: 'Target of admin actions' });
  loginTarget = await createUser(t.db.prisma, { role: 'learner', fullName: 'Signs in through the matrix' });
  for (const persona of personas) {
    if (persona === 'anonymous') shared.set(persona, request.agent(t.app));
    else shared.set(persona, (await openSession(persona)).agent);
  }
});
afterAll(() => t?.close());

describe('the route table', () => {
  it('every route declares who may use it (allow.public, allow.signedIn or allow.roles)', () => {
    const missing = listRoutes(t.app)
      .filter((route) => route.access === undefined)
      .map(routeName);
    expect(missing).toEqual([]);
  });

  it('the matrix below was generated from exactly the routes of the running app', () => {
    expect(listRoutes(t.app)).toEqual(routes);
  });

  it('the walk finds routes of the app and of nested routers, and lists a route without a guard', () => {
    const app = express();
    app.get('/bare', (_req, res) => res.end());
    const atRoot = express.Router();
    atRoot.get('/guarded/:id', allow.roles('admin'), (_req, res) => res.end());
    atRoot
      .route('/both')
      .get(allow.public(), (_req, res) => res.end())
      .post((_req, res) => res.end());
    const underPath = express.Router();
    underPath.post('/inner', allow.signedIn(), (_req, res) => res.end());
    app.use(atRoot);
    app.use('/mounted', underPath);
    expect(listRoutes(app)).toEqual([
      { method: 'GET', path: '/bare', access: undefined },
      { method: 'GET', path: '/guarded/:id', access: { kind: 'roles', roles: ['admin'] } },
      { method: 'GET', path: '/both', access: { kind: 'public' } },
      { method: 'POST', path: '/both', access: undefined },
      { method: 'POST', path: '/mounted/inner', access: { kind: 'signedIn' } },
    ]);
  });
});

for (const route of routes) {
  describe(routeName(route), () => {
    const access = route.access;
    if (!access) {
      it('declares who may use it', () => {
        throw new Error(`${routeName(route)} has no allow.public(), allow.signedIn() or allow.roles(...)`);
      });
      return;
    }
    const cases = personas.map((persona) => [persona, expectedOutcome(access, persona)] as const);
    it.each(cases)('%s %s', async (persona, expected) => {
      const { url, res } = await call(route, persona);
      expect(outcomeOf(res, route.method, url)).toBe(expected);
    });
  });
}
