// Admins' completion records: the filtered, sorted, keyset-paged list; one record in full; revoking its certificate;
// correcting its claim. Handlers read input through zod schemas, call the service, and render or redirect.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Catalogue } from '../catalogue/service';
import { formatCredits } from '../catalogue/view-model';
import { validateRevokeReason } from '../certificates/service';
import { allow } from '../http/access';
import { fieldErrors, formValues, parseId, rawBody, readQuery } from '../http/input';
import { correctionSchema, REASON_MAX } from './correction';
import { RECORD_FILTER_FIELDS, recordFiltersSchema, type RecordFilters } from './filters';
import { recordListView, sortFields } from './list-view';
import { recordView } from './record-view';
import type { RecordService } from './service';
import { pagingSchema, sortOf } from './sorting';

const doneQuery = z.object({ done: z.enum(['revoked', 'corrected']).optional().catch(undefined) });
const DONE_MESSAGES = {
  revoked: 'The certificate was revoked. Its verification page now says so, with the date and the reason.',
  corrected:
    'The claim was corrected and a new certificate issued; the previous code now verifies as superseded.',
};

export function recordRoutes(deps: { records: RecordService; catalogue: Catalogue }): Router {
  const router = Router();
  const admin = allow.roles('admin');
  const { records } = deps;

  router.get('/admin/records', admin, async (req, res) => {
    const paging = readQuery(req, pagingSchema);
    const sort = sortOf(paging);
    const parsed = recordFiltersSchema.safeParse(req.query);
    const options = await records.filterOptions();
    const values = formValues(req.query, RECORD_FILTER_FIELDS, 100);
    const common = { title: 'Completion records', options, values, sortFields: sortFields(sort) };
    res.set('Cache-Control', 'private, no-store');
    if (!parsed.success)
      return res
        .status(422)
        .render('records/list', { ...common, errors: fieldErrors(parsed.error), invalid: true });
    const filters: RecordFilters = parsed.data;
    const page = await records.list(filters, sort, { after: paging.after, before: paging.before });
    const paged = paging.after !== undefined || paging.before !== undefined;
    res.render('records/list', { ...common, ...recordListView(filters, sort, page, paged) });
  });

  const claimId = (req: Request) => parseId(req.params.claimId, 'There is no such completion record.');

  /** The record page, with a form's errors and typed values when a submission was refused. */
  async function renderRecord(res: Response, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const record = await records.record(id);
    const activity = await deps.catalogue.find(record.claim.activity.slug);
    const view = recordView(record, activity);
    res.set('Cache-Control', 'private, no-store');
    res.status(status).render('records/record', {
      title: `Record: ${view.learnerName}, ${view.activity.title}`,
      record: view,
      reasonMax: REASON_MAX,
      correction: { amount: view.claim.amount, creditCode: view.claim.creditCode, reason: '' },
      ...extra,
    });
  }

  router.get('/admin/records/:claimId', admin, async (req, res) => {
    const id = claimId(req);
    const { done } = readQuery(req, doneQuery);
    await renderRecord(res, id, { done: done ? DONE_MESSAGES[done] : null });
  });

  router.post('/admin/records/:claimId/revoke', admin, async (req, res) => {
    const id = claimId(req);
    const body = rawBody(req);
    const checked = validateRevokeReason(body.reason);
    if ('error' in checked) {
      const reason = formValues(body, ['reason'], REASON_MAX + 100).reason;
      return renderRecord(res, id, { revokeErrors: { reason: checked.error }, revokeReason: reason }, 422);
    }
    await records.revoke(req.user!, id, checked.reason, req.ip ?? 'unknown');
    res.redirect(303, `/admin/records/${id}?done=revoked`);
  });

  router.post('/admin/records/:claimId/correct', admin, async (req, res) => {
    const id = claimId(req);
    const record = await records.record(id);
    const activity = await records.activityOf(record.claim.activity.slug);
    const current = { amount: Number(record.claim.amount), creditCode: record.claim.creditCode, reason: '' };
    const schema = correctionSchema(
      Number(record.claim.maxAmount),
      activity.creditTypes.map((type) => type.code),
      current,
    );
    const body = rawBody(req);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const values = formValues(body, ['amount', 'creditCode', 'reason'], REASON_MAX + 100);
      const correction = { ...values, amount: values.amount || formatCredits(current.amount) };
      return renderRecord(res, id, { correctErrors: fieldErrors(parsed.error), correction }, 422);
    }
    await records.correct(req.user!, id, record.claim.activity.slug, parsed.data, req.ip ?? 'unknown');
    res.redirect(303, `/admin/records/${id}?done=corrected`);
  });

  return router;
}
