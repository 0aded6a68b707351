import { Router } from 'express';
import type { Catalogue } from '../catalogue/service';
import type { createRecordService } from './service';

export function recordRoutes(deps: { records: ReturnType<typeof createRecordService>; catalogue: Catalogue }): Router {
  void deps;
  return Router();
}
