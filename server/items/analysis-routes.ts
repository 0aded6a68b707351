import { Router } from 'express';
import type { Catalogue } from '../catalogue/service';
import type { createItemAnalysis } from './analysis';

export function itemAnalysisRoutes(deps: { itemAnalysis: ReturnType<typeof createItemAnalysis>; catalogue: Catalogue }): Router {
  void deps;
  return Router();
}
