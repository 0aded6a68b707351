// A database outage as users meet it: PostgreSQL cut off behind a TCP proxy (connections refused, open ones
// reset), then given back. During the outage every request that needs the database answers 503 with
// Retry-After, nothing hands out a session it cannot store, and the app recovers on its own afterwards.
// The embedded server killed for real, under load, is tests/main/outage.test.ts.
import { Pool } from 'pg';
import request from 'supertest';
import { isDatabaseUnavailable } from '../../server/db/availability';
import { createPrisma } from '../../server/db/prisma';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import type { ErrorBody } from '../support/client';
import { activityPath } from '../support/journey';
import { createUser, signIn, type Agent } from '../support/session';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy';

let proxy: TcpProxy;
let t: TestApp;
let learner: Agent;

beforeAll(async () => {
  const admin = new URL(process.env.TEST_PG_ADMIN_URL!);
  proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
  t = await createTestApp({ throttle: relaxedThrottle, connectVia: (url) => viaProxy(url, proxy) });
  const user = await createUser(t.db.prisma);
  learner = await signIn(t.app, user.email);
  // An anonymous lesson read once, so that it is cached in memory.
  await request(t.app).get(`${activityPath}/lessons/1-introduction`).expect(200);
});
afterAll(async () => {
  await proxy.restore().catch(() => undefined);
  await t.close();
  await proxy.close();
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe('when the database is cut off', () => {
  beforeAll(() => proxy.cut());

  it('then a signed-in page answers 503 with Retry-After, as HTML and as JSON', async () => {
    const page = await learner.get('/account');
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBe('5');
    expect(page.text).toContain('Temporarily unavailable');
    expect(page.text).toContain('Please try again in a few seconds');
    const api = await learner.get('/my-ce').set('Accept', 'application/json');
    expect(api.status).toBe(503);
    expect((api.body as ErrorBody).error).toMatchObject({ status: 503, title: 'Temporarily unavailable' });
  });

  it('then the sign-in page hands out no session and no form token', async () => {
    const res = await request(t.app).get('/login');
    expect(res.status).toBe(503);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).not.toContain('name="_csrf"');
  });

  it('then /healthz (the process) stays 200 and /readyz (the database) answers 503', async () => {
    await request(t.app).get('/healthz').expect(200);
    const ready = await request(t.app).get('/readyz').expect(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', reason: 'database unreachable' });
  });

  it('then a lesson already read anonymously is still served from memory', async () => {
    await request(t.app).get(`${activityPath}/lessons/1-introduction`).expect(200);
  });

  it('then a post-test start is refused with 503 and writes nothing', async () => {
    const res = await learner.post(`${activityPath}/post-test/attempts`).set('Accept', 'application/json');
    expect(res.status).toBe(503);
  });
});

describe('when the database comes back', () => {
  beforeAll(() => proxy.restore());

  it('then the app is ready again by itself and the session survived', async () => {
    const tookMs = await waitFor(async () => (await request(t.app).get('/readyz')).status === 200, 15_000);
    await waitFor(async () => (await learner.get('/account')).status === 200, 5_000);
    expect(tookMs).toBeLessThan(15_000);
  });
});

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection from node-postgres and from Prisma, and not an ordinary query error', async () => {
    const dead = `postgresql://nobody@127.0.0.1:${proxy.port + 1}/none`;
    const pool = new Pool({ connectionString: dead });
    const prisma = createPrisma(dead, 1);
    try {
      const pgError = await pool.query('SELECT 1').catch((error: unknown) => error);
      const prismaError = await prisma.user.count().catch((error: unknown) => error);
      expect(isDatabaseUnavailable(pgError)).toBe(true);
      expect(isDatabaseUnavailable(prismaError)).toBe(true);
      const syntax = await t.pool.query('SELEC 1').catch((error: unknown) => error);
      expect(isDatabaseUnavailable(syntax)).toBe(false);
    } finally {
      await pool.end();
      await prisma.$disconnect();
    }
  });
});
