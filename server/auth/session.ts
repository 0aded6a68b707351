// Sessions in PostgreSQL and the signed-in user of each request. server/app.ts mounts the steps in the order
// they depend on each other, each from its own module:
//   1. sessionMiddleware (here): the cookie and the session, read with its user in one statement (session-store.ts)
//   2. Passport's session: req.user from that row, else from one query (authenticator.ts, session-user.ts)
//   3. enforceAbsoluteTimeout: signs out a sign-in older than the absolute limit (absolute-timeout.ts)
//   4. exposeCurrentUser: the user for the views (current-user.ts)
import type { RequestHandler } from 'express';
import session, { type Store } from 'express-session';

export const SESSION_COOKIE = 'cme.sid';

export interface SessionSettings {
  secret: string;
  idleMinutes: number;
  absoluteHours: number;
}

const idleMsOf = (settings: SessionSettings) => settings.idleMinutes * 60 * 1000;

/** The session cookie and req.session, from `store`. The idle timeout rolls with every request. */
export function sessionMiddleware(settings: SessionSettings, store: Store): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    secret: settings.secret,
    store,
    resave: false,
    saveUninitialized: false,
    // Each request pushes the idle expiry forward; the absolute limit is enforced after Passport.
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: idleMsOf(settings) },
  });
}
