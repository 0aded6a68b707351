// Sign in, sign out, register, forgot and reset password.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type passport from 'passport';
import { z } from 'zod';
import { currentPasswordSchema, passwordSchema, registrationSchema } from '../account/validation';
import { allow } from '../http/access';
import { HttpError } from '../http/errors';
import { fieldErrors, lineText, rawBody, readQuery } from '../http/input';
import { MAX_REDIRECT_LENGTH, safeNextPath } from '../http/safe-redirect';
import { professionOptions, profileFormValues, stateOptions } from '../account/form';
import type { AuthService } from './service';
import type { IpAction, Throttle } from './throttle';

// A `next` that is not a string or too long is simply not followed.
const nextField = z.string().max(MAX_REDIRECT_LENGTH).optional().catch(undefined);
const nextQuery = z.object({ next: nextField });
const loginSchema = z.object({
  email: lineText(254, 'Email').pipe(z.string().trim().min(1, 'Enter your email address')),
  password: currentPasswordSchema('Enter your password'),
  next: nextField,
});
const forgotSchema = z.object({
  email: lineText(254, 'Email').pipe(z.string().trim().min(3).includes('@')),
});
const resetSchema = z.object({ password: passwordSchema });
/** Reset tokens are 32 random bytes in base64url; anything else is an unknown link. */
const RESET_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const tooMany = (seconds: number) =>
  new HttpError(429, `Too many attempts from your network. Try again in ${Math.ceil(seconds / 60)} minutes.`);

export function authRoutes(deps: {
  auth: AuthService;
  throttle: Throttle;
  authenticator: passport.Authenticator;
}): Router {
  const router = Router();
  const ipOf = (req: Request) => req.ip ?? 'unknown';
  const limit = async (action: IpAction, req: Request) => {
    const wait = await deps.throttle.hitIp(action, ipOf(req));
    if (wait > 0) throw tooMany(wait);
  };

  const renderLogin = (
    res: Response,
    form: { email?: string; next?: string },
    status = 200,
    error?: string,
  ) =>
    res.status(status).render('auth/login', {
      title: 'Sign in',
      error,
      email: form.email ?? '',
      next: safeNextPath(form.next, ''),
    });

  router.get('/login', allow.public(), (req, res) => {
    const { next } = readQuery(req, nextQuery);
    if (req.user) return res.redirect(safeNextPath(next));
    renderLogin(res, { next });
  });

  router.post('/login', allow.public(), async (req, res, next) => {
    await limit('login', req);
    const parsed = loginSchema.safeParse(rawBody(req));
    if (!parsed.success) {
      const typed = z.object({ email: z.string().max(254).catch(''), next: nextField }).parse(rawBody(req));
      return renderLogin(res, typed, 422, 'Enter your email address and password.');
    }
    // Passport's local strategy reads the body: from here on it holds only the validated fields.
    req.body = parsed.data;
    const authenticate = deps.authenticator.authenticate(
      'local',
      (error: unknown, user: Express.User | false, info?: { message?: string }) => {
        if (error) return next(error);
        if (!user) return renderLogin(res, parsed.data, 401, info?.message);
        // req.login regenerates the session (no fixation) before storing the user in it.
        req.login(user, (loginError) => {
          if (loginError) return next(loginError);
          req.session.signedInAt = Date.now();
          res.redirect(safeNextPath(parsed.data.next));
        });
      },
    ) as RequestHandler;
    void authenticate(req, res, next);
  });

  router.post('/logout', allow.public(), (req, res, next) => {
    // Passport regenerates the session on logout; the old one is destroyed in the store.
    req.logout((error) => {
      if (error) return next(error);
      res.redirect('/');
    });
  });

  router.get('/register', allow.public(), (req, res) => {
    if (req.user) return res.redirect('/account');
    res.render('auth/register', {
      title: 'Create an account',
      values: profileFormValues({}),
      professions: professionOptions(),
      states: stateOptions(),
    });
  });

  router.post('/register', allow.public(), async (req, res, next) => {
    await limit('register', req);
    const parsed = registrationSchema.safeParse(rawBody(req));
    const rerender = (errors: Record<string, string>) => {
      // The form as typed, through the same field list (never the password, never a non-text value).
      const values = profileFormValues(rawBody(req));
      return res.status(422).render('auth/register', {
        title: 'Create an account',
        errors,
        values,
        professions: professionOptions(values.profession),
        states: stateOptions(values.licenseState),
      });
    };
    if (!parsed.success) return rerender(fieldErrors(parsed.error));
    const result = await deps.auth.register(parsed.data, ipOf(req));
    if ('fieldErrors' in result) return rerender(result.fieldErrors);
    req.login(result.user, (error) => {
      if (error) return next(error);
      req.session.signedInAt = Date.now();
      res.redirect('/account?welcome=1');
    });
  });

  router.get('/forgot-password', allow.public(), (_req, res) => {
    res.render('auth/forgot', { title: 'Reset your password' });
  });

  router.post('/forgot-password', allow.public(), async (req, res) => {
    await limit('reset', req);
    const parsed = forgotSchema.safeParse(rawBody(req));
    if (!parsed.success) {
      return res.status(422).render('auth/forgot', {
        title: 'Reset your password',
        error: 'Enter the email address of your account',
        email: z.object({ email: z.string().max(254).catch('') }).parse(rawBody(req)).email,
      });
    }
    await deps.auth.requestPasswordReset(parsed.data.email, ipOf(req));
    res.render('auth/forgot', { title: 'Reset your password', sent: true });
  });

  /** The token of a reset link, or null when it cannot be one (answered like an expired link). */
  const tokenOf = (req: Request) => {
    const token = String(req.params.token);
    return RESET_TOKEN.test(token) ? token : null;
  };

  router.get('/reset-password/:token', allow.public(), async (req, res) => {
    const token = tokenOf(req);
    const valid = token !== null && Boolean(await deps.auth.findResetToken(token));
    res.status(valid ? 200 : 410).render('auth/reset', { title: 'Choose a new password', valid, token });
  });

  router.post('/reset-password/:token', allow.public(), async (req, res) => {
    await limit('reset', req);
    const token = tokenOf(req);
    if (token === null || !(await deps.auth.findResetToken(token))) {
      return res.status(410).render('auth/reset', { title: 'Choose a new password', valid: false });
    }
    const parsed = resetSchema.safeParse(rawBody(req));
    if (!parsed.success) {
      return res.status(422).render('auth/reset', {
        title: 'Choose a new password',
        valid: true,
        token,
        errors: fieldErrors(parsed.error),
      });
    }
    const done = await deps.auth.resetPassword(token, parsed.data.password, ipOf(req));
    if (!done) return res.status(410).render('auth/reset', { title: 'Choose a new password', valid: false });
    res.render('auth/reset', { title: 'Password changed', changed: true });
  });

  return router;
}
