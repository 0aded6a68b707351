// This app's own Passport instance (never the global one: tests run several apps): the local strategy for
// sign-in, the user id in the session, and the user of each request from `readUser`.
import type { Request } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Authenticate, ReadUser } from './types';

export function passportFor(authenticate: Authenticate, readUser: ReadUser): passport.Authenticator {
  const authenticator = new passport.Passport();
  authenticator.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', passReqToCallback: true },
      (req, email, password, done) => {
        authenticate(email, password, req.ip ?? 'unknown').then(
          (result) =>
            'rejected' in result ? done(null, false, { message: result.rejected }) : done(null, result),
          done,
        );
      },
    ),
  );
  authenticator.serializeUser((user, done) => done(null, String(user.id)));
  authenticator.deserializeUser(
    (req: Request, id: string, done: (error: unknown, user?: Express.User | false) => void) => {
      readUser(req, id).then((user) => done(null, user), done);
    },
  );
  return authenticator;
}
