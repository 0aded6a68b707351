import { Router } from 'express';
import type { Catalogue } from '../catalogue/service';
import type { createExportService } from './service';

export function exportRoutes(deps: { exports: ReturnType<typeof createExportService>; catalogue: Catalogue }): Router {
  void deps;
  return Router();
}
