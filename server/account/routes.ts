// The signed-in user's account pages.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { allow } from '../http/access';
import { fieldErrors, rawBody, readQuery } from '../http/input';
import { currentPasswordSchema, passwordChangeSchema, profileSchema } from './validation';
import { professionOptions, profileFormValues, stateOptions } from './form';
import type { AccountService } from './service';

const profileQuery = z.object({
  welcome: z.literal('1').optional().catch(undefined),
  saved: z.enum(['profile', 'password']).optional().catch(undefined),
});
// The current password is asked only when the email changes; the service decides, the form may omit it.
const emailPasswordSchema = z.object({
  emailPassword: z.string().max(256).optional().catch(undefined),
});
const deleteSchema = z.object({ password: currentPasswordSchema('Enter your password to confirm') });

export function accountRoutes(deps: { account: AccountService }): Router {
  const router = Router();
  const ipOf = (req: Request) => req.ip ?? 'unknown';

  const renderProfile = async (
    req: Request,
    res: Response,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const profile = await deps.account.getProfile(req.user!.id);
    const values = profileFormValues((extra.values as Record<string, unknown>) ?? profile);
    const { welcome, saved } = readQuery(req, profileQuery);
    res.status(status).render('account/profile', {
      title: 'Your profile',
      ...extra,
      values,
      professions: professionOptions(values.profession),
      states: stateOptions(values.licenseState),
      welcome: welcome === '1',
      saved,
    });
  };

  router.get('/account', allow.signedIn(), (req, res) => renderProfile(req, res));

  router.post('/account', allow.signedIn(), async (req, res) => {
    const parsed = profileSchema.safeParse(rawBody(req));
    if (!parsed.success)
      return renderProfile(req, res, { errors: fieldErrors(parsed.error), values: req.body }, 422);
    const password = emailPasswordSchema.parse(rawBody(req)).emailPassword ?? '';
    const result = await deps.account.updateProfile(req.user!.id, parsed.data, password, ipOf(req));
    if ('fieldErrors' in result)
      return renderProfile(req, res, { errors: result.fieldErrors, values: req.body }, 422);
    res.redirect('/account?saved=profile');
  });

  router.post('/account/password', allow.signedIn(), async (req, res) => {
    const parsed = passwordChangeSchema.safeParse(rawBody(req));
    if (!parsed.success) return renderProfile(req, res, { passwordErrors: fieldErrors(parsed.error) }, 422);
    const { currentPassword, newPassword } = parsed.data;
    const result = await deps.account.changePassword(
      req.user!.id,
      currentPassword,
      newPassword,
      req.sessionID,
      ipOf(req),
    );
    if ('fieldErrors' in result) return renderProfile(req, res, { passwordErrors: result.fieldErrors }, 422);
    res.redirect('/account?saved=password');
  });

  router.get('/account/data', allow.signedIn(), async (req, res) => {
    const data = await deps.account.exportData(req.user!.id);
    res.attachment(`my-cme-data-${new Date().toISOString().slice(0, 10)}.json`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  router.get('/account/delete', allow.signedIn(), (_req, res) => {
    res.render('account/delete', { title: 'Delete your account' });
  });

  router.post('/account/delete', allow.signedIn(), async (req, res, next) => {
    const parsed = deleteSchema.safeParse(rawBody(req));
    const result = parsed.success
      ? await deps.account.deleteAccount(req.user!.id, parsed.data.password, ipOf(req))
      : { fieldErrors: fieldErrors(parsed.error) };
    if ('fieldErrors' in result) {
      return res
        .status(422)
        .render('account/delete', { title: 'Delete your account', errors: result.fieldErrors });
    }
    req.logout((error) => {
      if (error) return next(error);
      res.locals.currentUser = null;
      res.render('account/deleted', { title: 'Account deleted' });
    });
  });

  return router;
}
