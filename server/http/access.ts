// Who may use a route, declared on the route itself. Each guard carries its rule as data, so the
// authorization-matrix test can read every route's rule from the router and fail on a route without one.
import type { RequestHandler } from 'express';
import type { Role } from '../generated/prisma/enums';
import { HttpError } from './errors';
import { signInPath } from './safe-redirect';

export type AccessRule =
  { kind: 'public' } | { kind: 'signedIn' } | { kind: 'roles'; roles: readonly Role[] };
export type Guard = RequestHandler & { access: AccessRule };

function guard(access: AccessRule, check: RequestHandler): Guard {
  return Object.assign(check, { access });
}

function requireSignIn(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]): boolean {
  if (req.user) return true;
  if (req.accepts(['html', 'json']) === 'json' || req.method !== 'GET') {
    throw new HttpError(401, 'Sign in to continue.');
  }
  res.redirect(signInPath(req.originalUrl));
  return false;
}

export const allow = {
  public: (): Guard => guard({ kind: 'public' }, (_req, _res, next) => next()),
  signedIn: (): Guard =>
    guard({ kind: 'signedIn' }, (req, res, next) => {
      if (requireSignIn(req, res)) next();
    }),
  roles: (...roles: Role[]): Guard =>
    guard({ kind: 'roles', roles }, (req, res, next) => {
      if (!requireSignIn(req, res)) return;
      if (!roles.includes(req.user!.role))
        throw new HttpError(403, 'Your account does not have access to this page.');
      next();
    }),
};
