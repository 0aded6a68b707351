// CSRF protection (synchroniser token in the session) for every state-changing request.
// The token is made only when a page actually renders a form, so read-only pages create no session.
import type { RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';

export function csrfProtection(): RequestHandler[] {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) =>
      (req.body as { _csrf?: string } | undefined)?._csrf ?? req.get('x-csrf-token'),
    errorConfig: {
      statusCode: 403,
      message: 'This form has expired or was not sent by this site. Reload the page and try again.',
    },
  });
  const exposeToken: RequestHandler = (req, res, next) => {
    // A function, not a value: Handlebars calls it only where a template prints it (Express copies res.locals,
    // which would run a getter for every page).
    res.locals.csrfToken = () => generateToken(req);
    next();
  };
  return [exposeToken, csrfSynchronisedProtection];
}
