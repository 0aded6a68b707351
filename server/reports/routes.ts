import { Router } from 'express';
import type { Catalogue } from '../catalogue/service';
import type { createReportService } from './service';

export function reportRoutes(deps: { reports: ReturnType<typeof createReportService>; catalogue: Catalogue }): Router {
  void deps;
  return Router();
}
