// Liveness (the process answers) and readiness (the database answers and has every migration).
import { Router } from 'express';
import type { Logger } from 'pino';
import type { PrismaClient } from '../generated/prisma/client';
import { pendingMigrations } from '../db/migrations';
import { allow } from '../http/access';
import { requestContext } from '../http/logging';

export function healthRoutes(deps: {
  prisma: PrismaClient;
  migrations: readonly string[];
  logger: Logger;
}): Router {
  const router = Router();
  router.get('/healthz', allow.public(), (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', allow.public(), async (req, res) => {
    try {
      const pending = await pendingMigrations(deps.prisma, deps.migrations);
      if (pending.length > 0) {
        res.status(503).json({ status: 'unavailable', reason: 'migrations pending', pending });
        return;
      }
      res.json({ status: 'ready', migrations: deps.migrations.length });
    } catch (error) {
      deps.logger.warn({ ...requestContext(req), err: error }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  return router;
}
