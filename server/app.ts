// The Express application, read top to bottom as the order a request meets things: each middleware and router
// is listed once, here. The services come from server/compose.ts; nothing here connects or listens.
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import { accountRoutes } from './account/routes';
import { adminRoutes } from './admin/routes';
import { enforceAbsoluteTimeout } from './auth/absolute-timeout';
import { exposeCurrentUser } from './auth/current-user';
import { authRoutes } from './auth/routes';
import { SESSION_COOKIE, sessionMiddleware } from './auth/session';
import { catalogueRoutes } from './catalogue/routes';
import { certificateRoutes } from './certificates/routes';
import { verificationRoutes } from './certificates/verification-routes';
import type { Platform, Services } from './compose';
import { creditRoutes } from './credit/routes';
import { requireDatabase } from './db/availability';
import { exportRoutes } from './exports/routes';
import { healthRoutes } from './health/routes';
import { csrfProtection } from './http/csrf';
import { errorHandler, notFoundHandler, ServiceUnavailableError } from './http/errors';
import { requestLogger } from './http/logging';
import { securityHeaders } from './http/security-headers';
import { requireWellFormedBody, requireWellFormedUrl, verifyBodyEncoding } from './http/well-formed';
import { itemAnalysisRoutes } from './items/analysis-routes';
import { itemBankRoutes } from './items/routes';
import { itemTransferRoutes } from './items/transfer-routes';
import { postTestRoutes } from './posttest/routes';
import { progressRoutes } from './progress/routes';
import { recordRoutes } from './records/routes';
import { reportRoutes } from './reports/routes';
import { setupViews } from './views/engine';

/**
 * A visitor without a session cookie reading a public page (the catalogue, lessons, certificate verification)
 * needs no session and no database round trip for one: those requests skip the session layer, and the
 * database gate, so that lessons already read keep being served from memory during an outage. GET/HEAD only,
 * so nothing skips CSRF protection.
 */
const PUBLIC_READ = /^\/(?:$|activities\/|verify(?:\/|$|\?))/;
const isAnonymousPublicRead = (req: express.Request) =>
  (req.method === 'GET' || req.method === 'HEAD') &&
  PUBLIC_READ.test(req.path) &&
  !req.headers.cookie?.includes(`${SESSION_COOKIE}=`);

const unlessAnonymousPublicRead =
  (handlers: RequestHandler[]): RequestHandler =>
  (req, res, next) => {
    if (isAnonymousPublicRead(req)) return next();
    const run = (index: number): void => {
      const handler = handlers[index];
      if (!handler) return next();
      handler(req, res, (error?: unknown) => (error ? next(error) : run(index + 1)));
    };
    run(0);
  };

/** Everything a request passes before the routes, in order. The benchmark's floor app reuses it as it is. */
export function requestPipeline(platform: Platform, services: Services): RequestHandler[] {
  const { logger, settings } = platform;
  const session = settings.session;
  return [
    requestLogger(logger),
    securityHeaders(),
    // Health checks first: no session, no body, answered during an outage too.
    healthRoutes({ prisma: platform.prisma, migrations: settings.migrations, logger }),
    requireWellFormedUrl,
    unlessAnonymousPublicRead([requireDatabase(services.database, () => new ServiceUnavailableError())]),
    express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200, verify: verifyBodyEncoding }),
    express.json({ limit: '100kb', verify: verifyBodyEncoding }),
    requireWellFormedBody,
    unlessAnonymousPublicRead([
      sessionMiddleware(session, services.sessionStore),
      services.authenticator.session() as RequestHandler,
      enforceAbsoluteTimeout(session.absoluteHours * 60 * 60 * 1000),
    ]),
    exposeCurrentUser,
    ...csrfProtection(),
  ];
}

export function createApp(platform: Platform, services: Services): express.Express {
  const { prisma, pool, settings, provider } = platform;
  const { catalogue, progress, throttle, now } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', settings.trustProxy);
  setupViews(app, path.join(settings.projectRoot, 'views'), settings.production);
  app.locals.site = {
    providerName: provider.name,
    contact: provider.contact,
    privacyPolicy: provider.privacyPolicy,
  };

  app.use(requestPipeline(platform, services));

  app.use(catalogueRoutes({ catalogue, progress, now }));
  app.use(verificationRoutes({ prisma, pool, throttle }));
  app.use(progressRoutes({ catalogue, progress }));
  app.use(postTestRoutes({ catalogue, postTest: services.postTest }));
  app.use(creditRoutes({ catalogue, credit: services.credit }));
  app.use(authRoutes({ auth: services.auth, throttle, authenticator: services.authenticator }));
  app.use(accountRoutes({ account: services.account }));
  app.use(adminRoutes({ admin: services.admin, prisma }));
  app.use(certificateRoutes({ prisma, appUrl: settings.appUrl }));
  // Educators: the item bank, import and export of items, item analysis.
  app.use(itemBankRoutes({ items: services.items, catalogue }));
  app.use(itemTransferRoutes({ items: services.items, catalogue }));
  app.use(itemAnalysisRoutes({ itemAnalysis: services.itemAnalysis, catalogue }));
  // Admins: completion records, exports, reports.
  app.use(recordRoutes({ records: services.records, catalogue }));
  app.use(exportRoutes({ exports: services.exports, catalogue }));
  app.use(reportRoutes({ reports: services.reports, catalogue }));

  app.use(notFoundHandler);
  app.use(
    errorHandler({
      production: settings.production,
      logger: platform.logger,
      onUnexpected: (error) => services.database.report(error),
    }),
  );
  return app;
}
