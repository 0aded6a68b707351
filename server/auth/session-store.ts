// The session store: connect-pg-simple on the "session" table (owned by the Prisma migrations), changed where it
// runs on every signed-in request:
//  - get() reads the session and its user in one prepared statement, and keeps the user row for the request
//    that asked (userReadWith), so that Passport needs no second query;
//  - touch() writes the new expiry at most once per interval.
// Also here: ending a user's sessions server-side, which relies on the same place of the user id in the session.
import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type { Pool } from 'pg';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { selectSessionUser, type SessionUserRow, type UsersReadWithSessions } from './session-user';

/**
 * How often one session's expiry is pushed forward in the database: a tenth of the idle timeout, at most a
 * minute. The cookie still rolls on every response; only the UPDATE is spared, so the server-side idle timeout
 * is exact to within this interval.
 */
export const touchIntervalMs = (idleMs: number) => Math.min(60_000, idleMs / 10);

// Passport keeps the user id at sess.passport.user, as text. The guard keeps anything else (never written by this
// app) from failing the cast: such a session simply has no user row.
const PASSPORT_USER = `s.sess -> 'passport' ->> 'user'`;

/**
 * The session if it has not expired (the same test as connect-pg-simple's), with its user's columns, all null
 * when the session holds no user or the user row is gone.
 */
export const SESSION_WITH_USER_SQL = `
  SELECT s.sess, ${selectSessionUser('u')}
  FROM "session" s
  LEFT JOIN users u ON u.id = CASE WHEN ${PASSPORT_USER} ~ '^[0-9]{1,18}$' THEN (${PASSPORT_USER})::bigint END
  WHERE s.sid = $1 AND s.expire >= to_timestamp($2)`;

type SessionWithUserRow = { sess: SessionData | string } & {
  [Field in keyof SessionUserRow]: SessionUserRow[Field] | null;
};

const PgStore = connectPgSimple(session);

export class SessionStore extends PgStore implements UsersReadWithSessions {
  /** The user row each get() found, by the session object it returned, until createSession takes it. */
  private readonly foundWith = new WeakMap<SessionData, SessionUserRow>();
  /** The user row read with each request's session, for Passport's deserializeUser later in that request. */
  private readonly readFor = new WeakMap<Request, SessionUserRow>();
  private touched = new Map<string, number>();
  private sweptAt = Date.now();

  constructor(
    private readonly pool: Pool,
    private readonly touchEveryMs: number,
  ) {
    super({ pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: 15 * 60 });
  }

  // The callback runs the rest of the request: it is called on the next tick, outside the promise, so that an
  // exception there is never taken for a failed read. connect-pg-simple's get() also starts its prune timer;
  // set(), touch() and destroy() start it too, and a session's first touch in a process always reaches the
  // database, so pruning still starts.
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.pool
      .query<SessionWithUserRow>({
        name: 'session-with-user',
        text: SESSION_WITH_USER_SQL,
        values: [sid, Math.ceil(Date.now() / 1000)],
      })
      .then(
        ({ rows: [row] }) => {
          if (!row) return process.nextTick(callback, null, null);
          const { sess: stored, ...user } = row;
          let sess: SessionData;
          try {
            sess = typeof stored === 'string' ? (JSON.parse(stored) as SessionData) : stored;
          } catch {
            // As connect-pg-simple does: a session that cannot be read is removed, and a new one begins.
            return this.destroy(sid, callback);
          }
          if (user.id !== null) this.foundWith.set(sess, user as SessionUserRow);
          process.nextTick(callback, null, sess);
        },
        (error: unknown) => process.nextTick(callback, error),
      );
  }

  /** express-session builds req.session from what get() returned: the user row goes with that request. */
  override createSession(req: Request, sess: SessionData) {
    const user = this.foundWith.get(sess);
    this.foundWith.delete(sess);
    if (user) this.readFor.set(req, user);
    else this.readFor.delete(req);
    return super.createSession(req, sess);
  }

  userReadWith(req: Request, id: string): SessionUserRow | undefined {
    const user = this.readFor.get(req);
    return user && String(user.id) === id ? user : undefined;
  }

  /**
   * connect-pg-simple writes the new expiry on every request (express-session's rolling touch). This writes it
   * at most once per interval per session; `touched` forgets everything each interval, so it holds only the
   * sessions seen in the last one.
   */
  override touch(sid: string, sess: SessionData, callback?: () => void): void {
    const now = Date.now();
    if (now - this.sweptAt >= this.touchEveryMs) {
      this.touched.clear();
      this.sweptAt = now;
    }
    if (this.touched.has(sid)) {
      callback?.();
      return;
    }
    this.touched.set(sid, now);
    super.touch(sid, sess, callback);
  }
}

export function createSessionStore(pool: Pool, idleMs: number): SessionStore {
  return new SessionStore(pool, touchIntervalMs(idleMs));
}

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Ends a user's sessions server-side (password change, reset, deactivation, account deletion): deletes every
 * session of the user except `keepSid`.
 */
export function endSessionsOf(db: Db, userId: number, keepSid: string | null = null) {
  return db.$executeRaw`
    DELETE FROM "session"
    WHERE sess -> 'passport' ->> 'user' = ${String(userId)} AND sid IS DISTINCT FROM ${keepSid}`;
}
