import { Router } from 'express';
import type { Catalogue } from '../catalogue/service';
import type { createItemService } from './service';

export function itemTransferRoutes(deps: { items: ReturnType<typeof createItemService>; catalogue: Catalogue }): Router {
  void deps;
  return Router();
}
