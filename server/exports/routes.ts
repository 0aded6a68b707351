// Admins' exports: the exports page (filters, what each accreditor's file would hold and what it cannot, with the
// reasons) and the downloads it links to. Every download streams; the service records it in the audit log.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { allow } from '../http/access';
import { readQuery } from '../http/input';
import { recordFiltersSchema, type RecordFilters } from '../records/filters';
import type { CpeFormat, Download, ExportService, ParsFormat, Requester } from './service';
import { exportsPage, filterErrors } from './page';

const csvOptionsSchema = z.object({
  /** 1: a byte-order mark first, so that Excel opens the file as UTF-8. */
  bom: z.enum(['0', '1']).optional(),
  /** include: rows made by `npm run seed:scale` too (the benchmark's export); excluded otherwise. */
  synthetic: z.enum(['exclude', 'include']).optional(),
});

/** The response as a download: no cache anywhere, a file name, and its type. */
const downloadTo = (res: Response): Download => ({
  open(file) {
    res.attachment(file.name);
    res.set('Cache-Control', 'private, no-store');
    res.type(file.type);
    return res;
  },
});

const requester = (req: Request): Requester => ({ id: req.user!.id, ip: req.ip ?? 'unknown' });

export function exportRoutes(deps: { exports: ExportService; catalogue: Catalogue }): Router {
  const router = Router();
  const admin = allow.roles('admin');
  const filtersOf = (req: Request): RecordFilters => readQuery(req, recordFiltersSchema);

  router.get('/admin/exports', admin, async (req, res) => {
    const parsed = recordFiltersSchema.safeParse(req.query);
    const activities = await deps.catalogue.list();
    if (!parsed.success) {
      res.status(422);
      return res.render(
        'exports/index',
        exportsPage({ activities, query: req.query, errors: filterErrors(parsed.error) }),
      );
    }
    const summary = await deps.exports.overview(parsed.data);
    res.set('Cache-Control', 'private, no-store');
    res.render('exports/index', exportsPage({ activities, query: req.query, filters: parsed.data, summary }));
  });

  router.get('/admin/exports/records.csv', admin, async (req, res) => {
    const filters = filtersOf(req);
    const options = readQuery(req, csvOptionsSchema);
    await deps.exports.recordsCsv(
      requester(req),
      filters,
      { bom: options.bom === '1', synthetic: options.synthetic === 'include' },
      downloadTo(res),
    );
  });

  router.get('/admin/activities/:slug/records.csv', admin, async (req, res) => {
    const activity = await activityOr404(deps.catalogue, req.params.slug);
    const options = readQuery(req, csvOptionsSchema);
    await deps.exports.recordsCsv(
      requester(req),
      { activity: activity.slug },
      { bom: options.bom === '1', synthetic: options.synthetic === 'include', activity: activity.slug },
      downloadTo(res),
    );
  });

  const pars = (format: ParsFormat) => async (req: Request, res: Response) => {
    await deps.exports.parsFile(requester(req), filtersOf(req), format, downloadTo(res));
  };
  router.get('/admin/exports/pars.xlsx', admin, pars('xlsx'));
  router.get('/admin/exports/pars.txt', admin, pars('txt'));

  const cpe = (format: CpeFormat) => async (req: Request, res: Response) => {
    await deps.exports.cpeMonitorFile(requester(req), filtersOf(req), format, downloadTo(res));
  };
  router.get('/admin/exports/cpe-monitor.csv', admin, cpe('csv'));
  router.get('/admin/exports/cpe-monitor.txt', admin, cpe('txt'));

  return router;
}
