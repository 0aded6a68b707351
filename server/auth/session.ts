// Sessions in PostgreSQL (connect-pg-simple, table owned by the Prisma migrations) and Passport's local strategy.
// The user is re-read from the database on every request, so a role change or a deactivation applies at once.
import type { Express, RequestHandler } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Pool } from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import type { Role } from '../generated/prisma/enums';

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

export type Authenticate = (
  email: string,
  password: string,
  ip: string,
) => Promise<Express.User | { rejected: string }>;

/** Sets up sessions and returns this app's own Passport instance (never the global one: tests run several apps). */
export function setupSessions(
  app: Express,
  deps: { prisma: PrismaClient; pool: Pool; settings: SessionSettings; authenticate: Authenticate },
): passport.Authenticator {
  const authenticator = new passport.Passport();
  const PgStore = connectPgSimple(session);
  const idleMs = deps.settings.idleMinutes * 60 * 1000;
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: deps.settings.secret,
      store: new PgStore({
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
    deps.prisma.user
      .findUnique({ where: { id: Number(id) }, select: sessionUserSelect })
      // A deactivated or deleted user is simply no longer signed in.
      .then((user) => done(null, user?.active ? user : false), done);
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
    res.locals.currentUser = req.user ?? null;
    next();
  });
  return authenticator;
}
