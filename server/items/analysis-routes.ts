// Item analysis page: educators and admins read how each item version performed in scored attempts.
import { Router } from 'express';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { allow } from '../http/access';
import type { ItemAnalysisService } from './analysis';
import { analysisPage } from './analysis-view';
import { loadCharts } from '../charts/chart';

export function itemAnalysisRoutes(deps: {
  itemAnalysis: ItemAnalysisService;
  catalogue: Catalogue;
}): Router {
  const router = Router();
  const staff = allow.roles('educator', 'admin');

  router.get('/items/:slug/analysis', staff, async (req, res) => {
    const activity = await activityOr404(deps.catalogue, req.params.slug);
    const report = await deps.itemAnalysis.analyse(activity);
    res.render('items/analysis', analysisPage(await loadCharts(), activity, report));
  });

  return router;
}
