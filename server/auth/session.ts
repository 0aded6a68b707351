// Sessions in PostgreSQL (connect-pg-simple, table owned by the Prisma migrations) and Passport's local strategy.
// The user is re-read from the database on every request, so a role change or a deactivation applies at once.
// Both per-request reads go through node-postgres, not Prisma: they run on every signed-in request, and a Prisma
// query costs about 180 µs of CPU against 30 µs for a prepared pg query (measured; see README, Benchmarks).
import type { Express, RequestHandler } from 'express';
import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Pool } from 'pg';
import type { Role } from '../generated/prisma/enums';
import { withoutInvisibleFormat } from '../http/input';

export const SESSION_COOKIE = 'cme.sid';

/** What a request knows about its signed-in user: never the password hash. */
export const sessionUserSelect = {
  id: true,
  email: true,
  role: true,
  fullName: true,
  profession: true,
  degree: true,
  active: true,
} as const;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      id: number;
      email: string;
      role: Role;
      fullName: string;
      profession: string;
      degree: string;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    signedInAt?: number;
  }
}

export interface SessionSettings {
  secret: string;
  idleMinutes: number;
  absoluteHours: number;
}

/** The row deserializeUser reads; the same columns as sessionUserSelect. */
const SESSION_USER_SQL = `
  SELECT id, email, role, full_name AS "fullName", profession, degree, active FROM users WHERE id = $1`;

/**
 * How often one session's expiry is pushed forward in the database: a tenth of the idle timeout, at most a
 * minute. The cookie still rolls on every response; only the UPDATE is spared, so the server-side idle timeout
 * is exact to within this interval.
 */
export const touchIntervalMs = (idleMs: number) => Math.min(60_000, idleMs / 10);

export type Authenticate = (
  email: string,
  password: string,
  ip: string,
) => Promise<Express.User | { rejected: string }>;

/** Sets up sessions and returns this app's own Passport instance (never the global one: tests run several apps). */
export function setupSessions(
  app: Express,
  deps: { pool: Pool; settings: SessionSettings; authenticate: Authenticate },
): passport.Authenticator {
  const authenticator = new passport.Passport();
  const idleMs = deps.settings.idleMinutes * 60 * 1000;
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: deps.settings.secret,
      store: new ThrottledTouchStore(touchIntervalMs(idleMs), {
        pool: deps.pool,
        tableName: 'session',
        createTableIfMissing: false,
        pruneSessionInterval: 15 * 60,
      }),
      resave: false,
      saveUninitialized: false,
      // Each request pushes the idle expiry forward; the absolute limit is enforced below.
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: idleMs },
    }),
  );

  authenticator.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', passReqToCallback: true },
      (req, email, password, done) => {
        deps
          .authenticate(email, password, req.ip ?? 'unknown')
          .then(
            (result) =>
              'rejected' in result ? done(null, false, { message: result.rejected }) : done(null, result),
            done,
          );
      },
    ),
  );
  authenticator.serializeUser((user, done) => done(null, String(user.id)));
  authenticator.deserializeUser((id: string, done) => {
    deps.pool
      .query<Express.User & { active: boolean }>({
        name: 'session-user',
        text: SESSION_USER_SQL,
        values: [id],
      })
      // A deactivated or deleted user is simply no longer signed in.
      .then(({ rows: [user] }) => done(null, user?.active ? user : false), done);
  });
  app.use(authenticator.session());

  const absoluteMs = deps.settings.absoluteHours * 60 * 60 * 1000;
  const enforceAbsoluteTimeout: RequestHandler = (req, _res, next) => {
    const signedInAt = req.session?.signedInAt;
    if (req.user && signedInAt && Date.now() - signedInAt > absoluteMs) {
      req.logout({ keepSessionInfo: false }, next);
      return;
    }
    next();
  };
  app.use(enforceAbsoluteTimeout);
  app.use((req, res, next) => {
    // The header shows the name: one stored before invisible format characters were refused shows without them.
    res.locals.currentUser = req.user
      ? { ...req.user, fullName: withoutInvisibleFormat(req.user.fullName) }
      : null;
    next();
  });
  return authenticator;
}

const PgStore = connectPgSimple(session);

/**
 * connect-pg-simple writes the new expiry on every request (express-session's rolling touch). This store
 * writes it at most once per interval per session; `touched` forgets everything each interval, so it holds
 * only the sessions seen in the last one.
 */
class ThrottledTouchStore extends PgStore {
  private touched = new Map<string, number>();
  private sweptAt = Date.now();

  constructor(
    private readonly intervalMs: number,
    options: ConstructorParameters<typeof PgStore>[0],
  ) {
    super(options);
  }

  override touch(sid: string, sess: SessionData, callback?: () => void): void {
    const now = Date.now();
    if (now - this.sweptAt >= this.intervalMs) {
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
