// Import and export of items (educators and admins). Import: upload a GIFT or Moodle XML file, see a preview of
// every question (what will be created, what cannot be and why, objectives to choose), confirm to create them
// all as drafts in one transaction. Export: the bank, or the part its filters select, as Moodle XML, GIFT or a
// QTI 3.0 content package.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ActivityView } from '../catalogue/view-model';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { allow } from '../http/access';
import { verifyMultipartCsrf } from '../http/csrf';
import { HttpError } from '../http/errors';
import { lineText, readBody, readQuery } from '../http/input';
import { draftContextOf, ITEM_STATUSES } from './bank';
import { parseGift } from './formats/gift-parse';
import { writeGift } from './formats/gift-write';
import { parseMoodleXml } from './formats/moodle-xml-parse';
import { writeMoodleXml } from './formats/moodle-xml-write';
import { writeQtiPackage } from './formats/qti-write';
import {
  forgetPreview,
  IMPORT_LIMITS,
  openPreview,
  previewImport,
  sealPreview,
  withChosenObjectives,
  type SealedPreview,
} from './import';
import { importPath, previewPage, uploadPage } from './import-view';
import type { ItemService } from './service';
import { confirmationFields, formatOfUpload, textOfUpload, uploadFile } from './upload';

const uploadSchema = z.object({ format: z.enum(['auto', 'gift', 'moodle-xml']).default('auto') });
const uploadPageQuery = z.object({
  imported: z.coerce.number().int().min(0).max(IMPORT_LIMITS.questions).optional().catch(undefined),
});
// The drafts travel as JSON in `payload`; the other fields are the objectives chosen (objective-<n>), read
// against the activity's objectives, and the token.
const confirmSchema = z.looseObject({
  payload: lineText(16 * IMPORT_LIMITS.bytes, 'The preview', 'The preview is missing'),
});
const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);
const exportQuery = z.object({
  objective: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/)
      .optional(),
  ),
  status: z.preprocess(blankToUndefined, z.enum(ITEM_STATUSES).optional()),
});

export function itemTransferRoutes(deps: { items: ItemService; catalogue: Catalogue }): Router {
  const router = Router();
  const staff = allow.roles('educator', 'admin');
  const { items } = deps;
  const activityOf = (req: Request) => activityOr404(deps.catalogue, req.params.slug);

  router.get('/items/:slug/import', staff, async (req, res) => {
    const activity = await activityOf(req);
    res.render('items/import', uploadPage(activity, readQuery(req, uploadPageQuery)));
  });

  router.post('/items/:slug/import', staff, uploadFile, verifyMultipartCsrf, async (req, res) => {
    const activity = await activityOf(req);
    const { format } = readBody(req, uploadSchema);
    const refuse = (status: number, error: string) =>
      res.status(status).render('items/import', uploadPage(activity, { error, format }));
    if (!req.file) return refuse(422, 'Choose a GIFT or Moodle XML file to import.');
    let parsed;
    try {
      const kind = formatOfUpload(req.file, format);
      const text = textOfUpload(req.file.buffer);
      parsed = kind === 'gift' ? parseGift(text) : parseMoodleXml(text);
    } catch (error) {
      if (error instanceof HttpError) return refuse(error.status, error.message);
      throw error;
    }
    if ('problem' in parsed) return refuse(422, parsed.problem);
    if (parsed.questions.length === 0) return refuse(422, 'The file holds no questions.');
    if (parsed.questions.length > IMPORT_LIMITS.questions)
      return refuse(
        413,
        `The file holds ${parsed.questions.length} questions; import at most ${IMPORT_LIMITS.questions} at a time.`,
      );
    const inBank = new Set((await items.listForExport(activity.id)).map((draft) => draft.key));
    const preview: SealedPreview = {
      activityId: activity.id,
      fileName: req.file.originalname,
      ...previewImport(parsed.questions, draftContextOf(activity), inBank),
    };
    res.render('items/import-preview', previewPage(activity, preview, sealPreview(req.session, preview)));
  });

  router.post(
    '/items/:slug/import/confirm',
    staff,
    confirmationFields,
    verifyMultipartCsrf,
    async (req, res) => {
      const activity = await activityOf(req);
      const fields = readBody(req, confirmSchema);
      const preview = openPreview(req.session, activity.id, fields.payload);
      if (!preview)
        throw new HttpError(
          409,
          'This preview has expired or was already imported: nothing was created. Upload the file again.',
        );
      const again = (status: number, state: Parameters<typeof previewPage>[3]) =>
        res
          .status(status)
          .render('items/import-preview', previewPage(activity, preview, fields.payload, state));
      const chosen = withChosenObjectives(preview.ready, fields, draftContextOf(activity));
      if ('errors' in chosen) return again(422, { values: fields, errors: chosen.errors });
      let created: number[];
      try {
        created = await items.createDrafts(activity.id, { id: req.user!.id }, chosen.drafts, 'import');
      } catch (error) {
        // The service refused the batch (a name taken meanwhile…): nothing was created.
        if (error instanceof HttpError && error.status < 500)
          return again(error.status, { values: fields, message: error.message });
        throw error;
      }
      forgetPreview(req.session, fields.payload);
      res.redirect(303, `${importPath(activity.slug)}?imported=${created.length}`);
    },
  );

  /** The drafts the export's filters select, and the file name that says which. */
  async function exported(req: Request, activity: ActivityView) {
    const filters = readQuery(req, exportQuery);
    if (filters.objective && !activity.objectives.some((o) => o.code === filters.objective))
      throw new HttpError(400, `${filters.objective} is not an objective of this activity.`);
    const drafts = await items.listForExport(activity.id, filters);
    const name = [activity.slug, 'items', filters.objective, filters.status].filter(Boolean).join('-');
    return { drafts, name };
  }
  const send = (res: Response, fileName: string, type: string, body: string | Buffer) =>
    res.attachment(fileName).type(type).send(body);

  router.get('/items/:slug/export.xml', staff, async (req, res) => {
    const activity = await activityOf(req);
    const { drafts, name } = await exported(req, activity);
    send(res, `${name}.xml`, 'application/xml; charset=utf-8', writeMoodleXml(drafts, activity.slug));
  });

  router.get('/items/:slug/export.gift', staff, async (req, res) => {
    const activity = await activityOf(req);
    const { drafts, name } = await exported(req, activity);
    send(res, `${name}.gift`, 'text/plain; charset=utf-8', writeGift(drafts, activity.slug));
  });

  router.get('/items/:slug/export.qti.zip', staff, async (req, res) => {
    const activity = await activityOf(req);
    const { drafts, name } = await exported(req, activity);
    send(res, `${name}-qti3.zip`, 'application/zip', writeQtiPackage(drafts, name, new Date()));
  });

  return router;
}
