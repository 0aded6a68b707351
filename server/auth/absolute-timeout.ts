// The absolute session limit: however active, a sign-in ends `absoluteMs` after it began (the idle limit is the
// session's expiry in the store). Mounted after Passport has read the user, which it signs out.
import type { RequestHandler } from 'express';

export function enforceAbsoluteTimeout(absoluteMs: number): RequestHandler {
  return (req, _res, next) => {
    const signedInAt = req.session?.signedInAt;
    if (req.user && signedInAt && Date.now() - signedInAt > absoluteMs) {
      req.logout({ keepSessionInfo: false }, next);
      return;
    }
    next();
  };
}
