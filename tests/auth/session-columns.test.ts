// The hand-written statements that read a session and its user (session-store.ts, session-user.ts) against the
// Prisma schema: every table and column they name is the schema's, and the user they return is exactly what Prisma
// returns for sessionUserSelect. Then the one-statement read itself: one query per signed-in request, the user row
// kept for that request only, and a role change, a deactivation or an expiry seen by the very next read.
// The schema's tables and columns come from tests/support/prisma-schema.ts.
import type { Request } from 'express';
import type { SessionData } from 'express-session';
import type { Pool } from 'pg';
import {
  createSessionStore,
  SESSION_WITH_USER_SQL,
  type SessionStore,
} from '../../server/auth/session-store';
import {
  sessionUserColumns,
  sessionUserReader,
  sessionUserSelect,
  USER_BY_ID_SQL,
} from '../../server/auth/session-user';
import { createTestApp, type TestApp } from '../support/app';
import { projectSchemaModels } from '../support/prisma-schema';
import { createUser, signIn } from '../support/session';

const models = projectSchemaModels();
const userModel = models.get('User')!;
const sessionModel = models.get('Session')!;

/** The columns a statement names through a table alias (`u.full_name` → full_name). */
const columnsVia = (sql: string, alias: string) =>
  [...sql.matchAll(new RegExp(`\\b${alias}\\.(\\w+)`, 'g'))].map(([, column]) => column!);

describe('the session statements name the schema’s tables and columns', () => {
  it('the schema has the models these tests read (a parse that found nothing would prove nothing)', () => {
    expect(userModel.table).toBe('users');
    expect(userModel.columns.get('passwordHash')).toBe('password_hash');
    expect(userModel.columns.has('resetTokens')).toBe(false);
    expect(sessionModel.table).toBe('session');
    expect([...sessionModel.columns.keys()]).toEqual(['sid', 'sess', 'expire']);
  });

  it('the user columns are exactly sessionUserSelect’s fields, each the column the schema maps it to', () => {
    expect(Object.keys(sessionUserColumns)).toEqual(Object.keys(sessionUserSelect));
    for (const [field, column] of Object.entries(sessionUserColumns)) {
      expect({ field, column }).toEqual({ field, column: userModel.columns.get(field) });
    }
    expect(Object.keys(sessionUserSelect)).not.toContain('passwordHash');
  });

  it('each statement reads the tables the schema maps, through columns the schema has', () => {
    expect(USER_BY_ID_SQL).toMatch(new RegExp(`\\bFROM ${userModel.table} u\\b`));
    expect(SESSION_WITH_USER_SQL).toMatch(new RegExp(`\\bFROM "${sessionModel.table}" s\\b`));
    expect(SESSION_WITH_USER_SQL).toMatch(new RegExp(`\\bJOIN ${userModel.table} u\\b`));
    const userColumns = [...userModel.columns.values()];
    for (const sql of [USER_BY_ID_SQL, SESSION_WITH_USER_SQL]) {
      expect(columnsVia(sql, 'u').filter((c) => !userColumns.includes(c))).toEqual([]);
    }
    const sessionColumns = [...sessionModel.columns.values()];
    expect(columnsVia(SESSION_WITH_USER_SQL, 's').filter((c) => !sessionColumns.includes(c))).toEqual([]);
  });
});

describe('reading the session and its user in one statement', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** The app's pool, recording the name (or text) of every statement sent through it. */
  function countingPool(): { pool: Pool; sent: string[] } {
    const sent: string[] = [];
    const pool = {
      query: (config: string | { name?: string; text: string }, ...rest: unknown[]) => {
        sent.push(typeof config === 'string' ? config : (config.name ?? config.text));
        return (t.pool.query as (...args: unknown[]) => unknown)(config, ...rest);
      },
    } as unknown as Pool;
    return { pool, sent };
  }

  function getSession(store: SessionStore, sid: string): Promise<SessionData | null | undefined> {
    return new Promise((resolve, reject) =>
      store.get(sid, (error, sess) =>
        error
          ? reject(error instanceof Error ? error : new Error('the session store failed', { cause: error }))
          : resolve(sess),
      ),
    );
  }

  /** What express-session does with a session read for a request: the request's req.session. */
  async function readForRequest(store: SessionStore, sid: string): Promise<Request> {
    const req = { sessionID: sid } as unknown as Request;
    const sess = await getSession(store, sid);
    if (!sess) throw new Error(`session ${sid} not found`);
    store.createSession(req, sess);
    return req;
  }

  async function signedInSession(role: 'learner' | 'admin' = 'learner') {
    const user = await createUser(t.db.prisma, { role });
    await signIn(t.app, user.email);
    const { rows } = await t.pool.query<{ sid: string }>(
      `SELECT sid FROM "session" WHERE sess -> 'passport' ->> 'user' = $1`,
      [String(user.id)],
    );
    expect(rows).toHaveLength(1);
    return { user, sid: rows[0]!.sid };
  }

  const prismaUser = (id: number) =>
    t.db.prisma.user.findUniqueOrThrow({ where: { id }, select: sessionUserSelect });

  it('when a signed-in session is read, then one statement returns it with the user Prisma would return, and Passport needs no second query', async () => {
    const { user, sid } = await signedInSession();
    const { pool, sent } = countingPool();
    const store = createSessionStore(pool, 30 * 60_000);

    const req = await readForRequest(store, sid);
    expect(req.session).toMatchObject({ passport: { user: String(user.id) } });
    expect(store.userReadWith(req, String(user.id))).toEqual(await prismaUser(user.id));
    expect(await sessionUserReader(pool, store)(req, String(user.id))).toEqual(await prismaUser(user.id));
    expect(sent).toEqual(['session-with-user']);
  });

  it('when a signed-in learner opens a page, then the app reads the session and the user in one statement', async () => {
    const user = await createUser(t.db.prisma);
    const agent = await signIn(t.app, user.email);
    const sent: string[] = [];
    const query = t.pool.query.bind(t.pool) as (...args: unknown[]) => unknown;
    const spy = jest.spyOn(t.pool, 'query').mockImplementation((...args: unknown[]) => {
      const [config] = args as [string | { name?: string; text: string }];
      sent.push(typeof config === 'string' ? config : (config.name ?? config.text));
      return query(...args);
    });
    try {
      const res = await agent.get('/account').expect(200);
      expect(res.text).toContain(user.email);
    } finally {
      spy.mockRestore();
    }
    expect(sent.filter((name) => name.startsWith('session'))).toEqual(['session-with-user']);
  });

  it('when the role changes or the user is deactivated, then the very next read of the same session sees it', async () => {
    const { user, sid } = await signedInSession();
    const { pool } = countingPool();
    const store = createSessionStore(pool, 30 * 60_000);
    const readUser = sessionUserReader(pool, store);

    await t.db.prisma.user.update({ where: { id: user.id }, data: { role: 'educator' } });
    const promoted = await readUser(await readForRequest(store, sid), String(user.id));
    expect(promoted).toMatchObject({ id: user.id, role: 'educator' });

    await t.db.prisma.user.update({ where: { id: user.id }, data: { active: false } });
    expect(await readUser(await readForRequest(store, sid), String(user.id))).toBe(false);
  });

  it('when the session has expired, then it is not read, however recent its cookie', async () => {
    const { sid } = await signedInSession();
    const store = createSessionStore(t.pool, 30 * 60_000);
    await t.pool.query(`UPDATE "session" SET expire = now() - interval '1 second' WHERE sid = $1`, [sid]);
    expect(await getSession(store, sid)).toBeFalsy();
  });

  it('when a request has no row read with its session, or one of another user, then the user is read by id', async () => {
    const { user, sid } = await signedInSession();
    const other = await createUser(t.db.prisma);
    const { pool, sent } = countingPool();
    const store = createSessionStore(pool, 30 * 60_000);
    const readUser = sessionUserReader(pool, store);

    const notRead = { sessionID: sid } as unknown as Request;
    expect(store.userReadWith(notRead, String(user.id))).toBeUndefined();
    expect(await readUser(notRead, String(user.id))).toEqual(await prismaUser(user.id));
    expect(sent).toEqual(['session-user']);

    const req = await readForRequest(store, sid);
    expect(store.userReadWith(req, String(other.id))).toBeUndefined();
    expect(await readUser(req, String(other.id))).toEqual(await prismaUser(other.id));
    expect(sent).toEqual(['session-user', 'session-with-user', 'session-user']);
  });

  it('when the session names a user whose row is gone, then it is read without one and nobody is signed in', async () => {
    const sid = `gone-${Date.now()}`;
    const sess = {
      cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000), httpOnly: true, path: '/' },
      passport: { user: '2000000000' },
    };
    await t.pool.query(
      `INSERT INTO "session" (sid, sess, expire) VALUES ($1, $2, now() + interval '1 minute')`,
      [sid, JSON.stringify(sess)],
    );
    const { pool } = countingPool();
    const store = createSessionStore(pool, 30 * 60_000);
    const req = await readForRequest(store, sid);
    expect(store.userReadWith(req, '2000000000')).toBeUndefined();
    expect(await sessionUserReader(pool, store)(req, '2000000000')).toBe(false);
  });
});
