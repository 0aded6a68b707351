// CSRF protection (synchroniser token in the session) for every state-changing request.
// The token is made only when a page actually renders a form, so read-only pages create no session.
//
// Multipart forms (file uploads) carry their `_csrf` field inside the multipart body, which only the route's
// parser (multer) reads. The global check therefore lets a multipart request through unchecked ONLY when its
// path is one of MULTIPART_FORMS, whose routes parse the body and then run verifyMultipartCsrf before anything
// else; every other multipart request is checked here as usual (its body is unparsed, so only an X-CSRF-Token
// header can satisfy it) and refused without one.
import type { Request, RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';

/** Paths of the routes that parse a multipart body and then verify its token (server/items/transfer-routes.ts). */
const MULTIPART_FORMS: readonly RegExp[] = [/^\/items\/[a-z0-9-]+\/import(?:\/confirm)?$/];

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) =>
    (req.body as { _csrf?: string } | undefined)?._csrf ?? req.get('x-csrf-token'),
  errorConfig: {
    statusCode: 403,
    message: 'This form has expired or was not sent by this site. Reload the page and try again.',
  },
});

/** Requests whose check waits for their route's multipart parser. */
const deferred = new WeakSet<Request>();

const isMultipart = (req: Request) => (req.get('content-type') ?? '').toLowerCase().startsWith('multipart/');

export function csrfProtection(): RequestHandler[] {
  const exposeToken: RequestHandler = (req, res, next) => {
    // A function, not a value: Handlebars calls it only where a template prints it (Express copies res.locals,
    // which would run a getter for every page).
    res.locals.csrfToken = () => generateToken(req);
    next();
  };
  const protect: RequestHandler = (req, res, next) => {
    if (
      req.method === 'POST' &&
      isMultipart(req) &&
      !req.get('x-csrf-token') &&
      MULTIPART_FORMS.some((path) => path.test(req.path))
    ) {
      deferred.add(req);
      return next();
    }
    csrfSynchronisedProtection(req, res, next);
  };
  return [exposeToken, protect];
}

/** After a multipart parser: the check the global step deferred, now that `_csrf` has been read. */
export const verifyMultipartCsrf: RequestHandler = (req, res, next) => {
  if (!deferred.has(req)) return next();
  deferred.delete(req);
  csrfSynchronisedProtection(req, res, next);
};
