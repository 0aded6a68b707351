// Builds the Express application from its dependencies. It neither connects nor listens:
// server/main.ts does that, and tests pass in their own database and clock.
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Catalogue } from './catalogue/service';
import { catalogueRoutes } from './catalogue/routes';
import type { Provider } from './content/schema';
import type { PrismaClient } from './generated/prisma/client';
import { healthRoutes } from './health/routes';
import { errorHandler, notFoundHandler } from './http/errors';
import { requestLogger } from './http/logging';
import { setupViews } from './views/engine';

export interface AppDependencies {
  prisma: PrismaClient;
  catalogue: Catalogue;
  provider: Provider;
  logger: Logger;
  projectRoot: string;
  production: boolean;
  migrations: readonly string[];
  now?: () => Date;
}

export function createApp(deps: AppDependencies): express.Express {
  const app = express();
  const now = deps.now ?? (() => new Date());
  app.disable('x-powered-by');
  app.use(requestLogger(deps.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
    }),
  );
  setupViews(app, path.join(deps.projectRoot, 'views'), deps.production);
  app.locals.site = {
    providerName: deps.provider.name,
    contact: deps.provider.contact,
    privacyPolicy: deps.provider.privacyPolicy,
  };

  app.use(healthRoutes({ prisma: deps.prisma, migrations: deps.migrations }));
  app.use(catalogueRoutes({ catalogue: deps.catalogue, now }));

  app.use(notFoundHandler);
  app.use(errorHandler({ production: deps.production }));
  return app;
}
