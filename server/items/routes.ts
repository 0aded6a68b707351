// The item bank's pages (educators and admins): the banks, one bank with its filters, the item form, an item with
// its review actions, and its history. Handlers read input, call the service and render (page data: pages.ts).
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { allow } from '../http/access';
import { HttpError } from '../http/errors';
import { freeText, lineText, parseId, rawBody, readBody, readQuery } from '../http/input';
import { pathWithQuery } from '../http/safe-redirect';
import { BANK_PAGE_SIZE, draftContextOf, ITEM_STATUSES } from './bank';
import { COMMENT_MAX, editRefusal, ITEM_ACTIONS } from './lifecycle';
import * as pages from './pages';
import { DONE_NOTICES } from './pages';
import type { ItemService } from './service';
import { formValues, readItemForm, readLockVersion, valuesOfDraft } from './validation';
import { bankPath, itemPath } from './view-model';

const INT4_MAX = 2_147_483_647;
const positiveId = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number)
  .refine((n) => n <= INT4_MAX);
// A filter that cannot be read is dropped, not an error: the bank shows what it can.
const bankQuery = z.object({
  objective: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,20}$/)
    .optional()
    .catch(undefined),
  status: z.enum(ITEM_STATUSES).optional().catch(undefined),
  author: positiveId.optional().catch(undefined),
  text: lineText(200, 'The search')
    .transform((q) => q.trim() || undefined)
    .optional()
    .catch(undefined),
  after: positiveId.optional().catch(undefined),
});
const doneQuery = z.object({
  done: z
    .enum(Object.keys(DONE_NOTICES) as [string, ...string[]])
    .optional()
    .catch(undefined),
});
const actionSchema = z.object({ action: z.enum(ITEM_ACTIONS, { error: 'Choose an action.' }) });
const commentSchema = z.object({
  comment: freeText(COMMENT_MAX, 'The comment')
    .optional()
    .transform((c) => c || null),
});

/** `/items/:slug/:id…` routes only match numeric ids: `/items/:slug/import` and the like belong to other routers. */
const numericId = (req: Request, _res: Response, next: NextFunction) =>
  /^\d+$/.test(String(req.params.id)) ? next() : next('route');

export function itemBankRoutes(deps: { items: ItemService; catalogue: Catalogue }): Router {
  const router = Router();
  const staff = allow.roles('educator', 'admin');
  const { items } = deps;
  const activityOf = (req: Request) => activityOr404(deps.catalogue, req.params.slug);
  const itemId = (req: Request) => parseId(req.params.id, 'There is no such item in this bank.');
  const actor = (req: Request) => ({ id: req.user!.id, role: req.user!.role });
  const ipOf = (req: Request) => req.ip ?? 'unknown';

  router.get('/items', staff, async (_req, res) => {
    const [activities, countsOf] = await Promise.all([deps.catalogue.list(), items.countsByActivity()]);
    res.render('items/index', {
      title: 'Item bank',
      activities: activities.map((a) => ({ title: a.title, href: bankPath(a.slug), counts: countsOf(a.id) })),
    });
  });

  router.get('/items/:slug', staff, async (req, res) => {
    const activity = await activityOf(req);
    const { after, ...filters } = readQuery(req, bankQuery);
    const [page, counts, authors] = await Promise.all([
      items.page(activity.id, filters, after ?? 0),
      items.counts(activity.id),
      items.authors(activity.id),
    ]);
    const query = { ...filters, status: filters.status, after: undefined };
    res.render('items/bank', {
      title: `Item bank · ${activity.title}`,
      ...pages.bank(activity, page.items, counts, authors, filters),
      pageSize: BANK_PAGE_SIZE,
      firstHref: after ? pathWithQuery(bankPath(activity.slug), query) : null,
      nextHref: page.nextAfter
        ? pathWithQuery(bankPath(activity.slug), { ...query, after: page.nextAfter })
        : null,
    });
  });

  router.get('/items/:slug/new', staff, async (req, res) => {
    const activity = await activityOf(req);
    pages.renderForm(res, activity, { values: { ...formValues({}), type: 'single' } });
  });

  router.post('/items/:slug', staff, async (req, res) => {
    const activity = await activityOf(req);
    const form = readItemForm(rawBody(req), draftContextOf(activity));
    if (!form.ok) return pages.renderForm(res, activity, { values: form.values, errors: form.errors }, 422);
    const created = await items.create(activity.id, actor(req), form.draft, ipOf(req));
    if ('errors' in created)
      return pages.renderForm(res, activity, { values: form.values, errors: created.errors }, 422);
    res.redirect(303, `${itemPath(activity.slug, created.id)}?done=created`);
  });

  router.get('/items/:slug/:id', staff, numericId, async (req, res) => {
    const activity = await activityOf(req);
    const item = await items.item(activity.id, itemId(req));
    const { done } = readQuery(req, doneQuery);
    pages.renderItem(res, req.user!, activity, item, { notice: done ? DONE_NOTICES[done] : null });
  });

  router.get('/items/:slug/:id/edit', staff, numericId, async (req, res) => {
    const activity = await activityOf(req);
    const item = await items.item(activity.id, itemId(req));
    const refusal = editRefusal(item);
    if (refusal) throw new HttpError(409, refusal);
    pages.renderForm(res, activity, {
      item,
      values: valuesOfDraft(item.draft),
      lockVersion: item.lockVersion,
    });
  });

  router.post('/items/:slug/:id', staff, numericId, async (req, res) => {
    const activity = await activityOf(req);
    const item = await items.item(activity.id, itemId(req));
    const refusal = editRefusal(item);
    if (refusal) throw new HttpError(409, refusal);
    const raw = rawBody(req);
    const lockVersion = readLockVersion(raw);
    // The key never changes; the objective of an item that has been published neither (its live version counts
    // for that objective until it is retired).
    const fixed = {
      key: item.key,
      ...(item.publishedVersionId !== null ? { objectiveCode: item.objective.code } : {}),
    };
    const form = readItemForm(raw, draftContextOf(activity), fixed);
    const again = { item, lockVersion };
    if (!form.ok)
      return pages.renderForm(res, activity, { ...again, values: form.values, errors: form.errors }, 422);
    const outcome = await items.edit(activity.id, actor(req), item.id, form.draft, lockVersion, ipOf(req));
    if ('errors' in outcome)
      return pages.renderForm(res, activity, { ...again, values: form.values, errors: outcome.errors }, 422);
    if ('conflict' in outcome) {
      // Both texts: the editor's, kept in the form, and the one saved meanwhile. The form now carries the new lock
      // version, so saving again is a deliberate choice made with the other text in view.
      const { conflict } = outcome;
      return pages.renderForm(
        res,
        activity,
        { item, values: form.values, lockVersion: conflict.lockVersion, conflict },
        409,
      );
    }
    res.redirect(303, `${itemPath(activity.slug, item.id)}?done=${outcome.saved ? 'saved' : 'unchanged'}`);
  });

  router.post('/items/:slug/:id/transition', staff, numericId, async (req, res) => {
    const activity = await activityOf(req);
    const id = itemId(req);
    const { action } = readBody(req, actionSchema);
    const lockVersion = readLockVersion(rawBody(req));
    const parsed = commentSchema.safeParse(rawBody(req));
    const comment = parsed.success ? parsed.data.comment : null;
    const commentError = !parsed.success
      ? parsed.error.issues[0]!.message
      : action === 'send-back' && !comment
        ? 'Say what needs to change: a comment is required to send an item back.'
        : null;
    if (commentError) {
      const item = await items.item(activity.id, id);
      const typed = rawBody(req).comment;
      const commentValue = typeof typed === 'string' ? typed.slice(0, COMMENT_MAX * 2) : '';
      return pages.renderItem(res, req.user!, activity, item, { commentError, commentValue, status: 422 });
    }
    await items.transition({
      activityId: activity.id,
      id,
      actor: actor(req),
      action,
      comment,
      lockVersion,
      ip: ipOf(req),
    });
    res.redirect(303, `${itemPath(activity.slug, id)}?done=${action}`);
  });

  router.get('/items/:slug/:id/history', staff, numericId, async (req, res) => {
    const activity = await activityOf(req);
    const item = await items.history(activity.id, itemId(req));
    res.render('items/history', { title: `History · ${item.key}`, ...pages.history(activity, item) });
  });

  return router;
}
