// Reports: the list of activities whose reports the reader may see, and one activity's report with its charts,
// tables and searchable free-text answers. Educators and admins; which activities, the service decides.
import { Router } from 'express';
import { z } from 'zod';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { allow } from '../http/access';
import { lineText, readQuery } from '../http/input';
import type { ReportService } from './service';
import { reportPage, reportPath } from './view';
import { loadCharts } from '../charts/chart';

const SEARCH_MAX = 200;
const INT4_MAX = 2_147_483_647;
const reportQuery = z.object({
  q: lineText(SEARCH_MAX, 'The search')
    .transform((q) => q.trim())
    .default(''),
  // Where the previous page of answers ended (keyset paging); a cursor that is not an id starts from the newest.
  before: z.coerce.number().int().min(1).max(INT4_MAX).optional().catch(undefined),
});

export function reportRoutes(deps: { reports: ReportService; catalogue: Catalogue }): Router {
  const router = Router();
  const staff = allow.roles('educator', 'admin');

  router.get('/reports', staff, async (req, res) => {
    const reader = req.user!;
    const activities = await deps.reports.reportableActivities(reader);
    const withPath = (list: typeof activities.real) => list.map((a) => ({ ...a, href: reportPath(a.slug) }));
    res.render('reports/index', {
      title: 'Reports',
      isAdmin: reader.role === 'admin',
      real: withPath(activities.real),
      synthetic: withPath(activities.synthetic),
      none: activities.real.length + activities.synthetic.length === 0,
    });
  });

  router.get('/reports/:slug', staff, async (req, res) => {
    const activity = await activityOr404(deps.catalogue, req.params.slug);
    const { q, before } = readQuery(req, reportQuery);
    await deps.reports.requireReader(req.user!, activity);
    const [report, page] = await Promise.all([
      deps.reports.activityReport(activity),
      deps.reports.freeTextAnswers(activity, q, before ?? null),
    ]);
    res.render(
      'reports/activity',
      reportPage(await loadCharts(), activity, report, { search: q, before: before ?? null, page }),
    );
  });

  return router;
}
