// Sign in, sign out, register, forgot and reset password.
import { Router, type Request, type Response } from 'express';
import type passport from 'passport';
import { fieldErrors, passwordSchema, registrationSchema } from '../account/validation';
import { allow } from '../http/access';
import { HttpError } from '../http/errors';
import { safeNextPath } from '../http/safe-redirect';
import { professionOptions, profileFormValues, stateOptions } from '../account/form';
import type { AuthService } from './service';
import type { IpAction, Throttle } from './throttle';

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

  const renderLogin = (req: Request, res: Response, status = 200, error?: string) =>
    res.status(status).render('auth/login', {
      title: 'Sign in',
      error,
      email: typeof req.body?.email === 'string' ? req.body.email : '',
      next: safeNextPath(req.body?.next ?? req.query.next, ''),
    });

  router.get('/login', allow.public(), (req, res) => {
    if (req.user) return res.redirect(safeNextPath(req.query.next));
    renderLogin(req, res);
  });

  router.post('/login', allow.public(), async (req, res, next) => {
    await limit('login', req);
    deps.authenticator.authenticate(
      'local',
      (error: unknown, user: Express.User | false, info?: { message?: string }) => {
        if (error) return next(error);
        if (!user) return renderLogin(req, res, 401, info?.message);
        // req.login regenerates the session (no fixation) before storing the user in it.
        req.login(user, (loginError) => {
          if (loginError) return next(loginError);
          req.session.signedInAt = Date.now();
          res.redirect(safeNextPath(req.body?.next));
        });
      },
    )(req, res, next);
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
    const parsed = registrationSchema.safeParse(req.body ?? {});
    const rerender = (errors: Record<string, string>) =>
      res.status(422).render('auth/register', {
        title: 'Create an account',
        errors,
        values: profileFormValues(req.body ?? {}),
        professions: professionOptions(req.body?.profession),
        states: stateOptions(req.body?.licenseState),
      });
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
    const email = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    if (!email.includes('@')) {
      return res.status(422).render('auth/forgot', {
        title: 'Reset your password',
        error: 'Enter the email address of your account',
        email,
      });
    }
    await deps.auth.requestPasswordReset(email, ipOf(req));
    res.render('auth/forgot', { title: 'Reset your password', sent: true });
  });

  router.get('/reset-password/:token', allow.public(), async (req, res) => {
    const valid = Boolean(await deps.auth.findResetToken(String(req.params.token)));
    res
      .status(valid ? 200 : 410)
      .render('auth/reset', { title: 'Choose a new password', valid, token: String(req.params.token) });
  });

  router.post('/reset-password/:token', allow.public(), async (req, res) => {
    await limit('reset', req);
    if (!(await deps.auth.findResetToken(String(req.params.token)))) {
      return res.status(410).render('auth/reset', { title: 'Choose a new password', valid: false });
    }
    const parsed = passwordSchema.safeParse(req.body?.password ?? '');
    if (!parsed.success) {
      return res.status(422).render('auth/reset', {
        title: 'Choose a new password',
        valid: true,
        token: String(req.params.token),
        errors: { password: parsed.error.issues[0]!.message },
      });
    }
    const done = await deps.auth.resetPassword(String(req.params.token), parsed.data, ipOf(req));
    if (!done) return res.status(410).render('auth/reset', { title: 'Choose a new password', valid: false });
    res.render('auth/reset', { title: 'Password changed', changed: true });
  });

  return router;
}
