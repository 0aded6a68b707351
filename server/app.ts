// Builds the Express application from its dependencies. It neither connects nor listens:
// server/main.ts does that, and tests pass in their own database, pool and clock.
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { accountRoutes } from './account/routes';
import { createAccountService } from './account/service';
import { adminRoutes } from './admin/routes';
import { createAdminService } from './admin/service';
import { authRoutes } from './auth/routes';
import { createAuthService } from './auth/service';
import { SESSION_COOKIE, setupSessions, type SessionSettings } from './auth/session';
import { createThrottle, type ThrottleSettings } from './auth/throttle';
import { catalogueRoutes } from './catalogue/routes';
import { certificateRoutes } from './certificates/routes';
import { verificationRoutes } from './certificates/verification-routes';
import type { Catalogue } from './catalogue/service';
import type { Provider } from './content/schema';
import type { PrismaClient } from './generated/prisma/client';
import { healthRoutes } from './health/routes';
import { creditRoutes } from './credit/routes';
import { createCreditService } from './credit/service';
import { csrfProtection } from './http/csrf';
import { requireDatabase, watchDatabase } from './db/availability';
import { errorHandler, notFoundHandler, ServiceUnavailableError } from './http/errors';
import { requireWellFormedBody, requireWellFormedUrl, verifyBodyEncoding } from './http/well-formed';
import { requestLogger } from './http/logging';
import type { SendMail } from './mail/mailer';
import { postTestRoutes } from './posttest/routes';
import type { Random } from './posttest/scoring';
import { createPostTestService } from './posttest/service';
import { progressRoutes } from './progress/routes';
import { createProgressService } from './progress/service';
import { setupViews } from './views/engine';

export interface AppDependencies {
  prisma: PrismaClient;
  /** node-postgres pool: the session store, the throttles, and the few per-request statements too hot for Prisma. */
  pool: Pool;
  catalogue: Catalogue;
  provider: Provider;
  logger: Logger;
  sendMail: SendMail;
  projectRoot: string;
  production: boolean;
  appUrl: string;
  trustProxy: number;
  session: SessionSettings;
  throttle?: ThrottleSettings;
  migrations: readonly string[];
  now?: () => Date;
  /** Randomness of post-test forms; tests pass a seeded one. */
  random?: Random;
}

export function createApp(deps: AppDependencies): express.Express {
  const app = express();
  const now = deps.now ?? (() => new Date());
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
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
          'font-src': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
      // HSTS only means something over HTTPS; helmet sends it, browsers ignore it on plain HTTP.
      strictTransportSecurity: { maxAge: 180 * 24 * 60 * 60, includeSubDomains: true },
    }),
  );
  setupViews(app, path.join(deps.projectRoot, 'views'), deps.production);
  app.locals.site = {
    providerName: deps.provider.name,
    contact: deps.provider.contact,
    privacyPolicy: deps.provider.privacyPolicy,
  };

  // Health checks come first: no session, no body parsing.
  app.use(healthRoutes({ prisma: deps.prisma, migrations: deps.migrations, logger: deps.logger }));
  app.use(requireWellFormedUrl);
  const database = watchDatabase(deps.pool, (up) =>
    up
      ? deps.logger.info('database reachable again')
      : deps.logger.warn('database unreachable: answering 503'),
  );

  const progress = createProgressService({ prisma: deps.prisma, now });
  const throttle = createThrottle(deps.pool, deps.throttle);
  const catalogue = catalogueRoutes({ catalogue: deps.catalogue, progress, now });
  const verification = verificationRoutes({ prisma: deps.prisma, pool: deps.pool, throttle });
  // A visitor without a session cookie reading the public pages (lessons, certificate verification) needs no
  // session: answer before the session store is consulted. Only GET/HEAD, so nothing skips CSRF protection.
  const publicReads = express.Router().use(catalogue, verification);
  app.use((req, res, next) => {
    const anonymousRead =
      (req.method === 'GET' || req.method === 'HEAD') && !req.headers.cookie?.includes(`${SESSION_COOKIE}=`);
    if (anonymousRead) publicReads(req, res, next);
    else next();
  });
  // Anonymous lessons are served from memory above even during an outage; everything below needs PostgreSQL.
  app.use(requireDatabase(database, () => new ServiceUnavailableError()));

  app.use(
    express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200, verify: verifyBodyEncoding }),
  );
  app.use(express.json({ limit: '100kb', verify: verifyBodyEncoding }));
  app.use(requireWellFormedBody);
  const auth = createAuthService({
    prisma: deps.prisma,
    throttle,
    sendMail: deps.sendMail,
    appUrl: deps.appUrl,
    now,
  });
  const authenticator = setupSessions(app, {
    pool: deps.pool,
    settings: deps.session,
    authenticate: auth.authenticate,
  });
  app.use(csrfProtection());

  const postTest = createPostTestService({
    prisma: deps.prisma,
    pool: deps.pool,
    progress,
    now,
    random: deps.random,
  });
  const credit = createCreditService({ prisma: deps.prisma, now });
  app.use(catalogue);
  app.use(progressRoutes({ catalogue: deps.catalogue, progress }));
  app.use(postTestRoutes({ catalogue: deps.catalogue, postTest }));
  app.use(creditRoutes({ catalogue: deps.catalogue, credit }));
  app.use(authRoutes({ auth, throttle, authenticator }));
  app.use(accountRoutes({ account: createAccountService({ prisma: deps.prisma, throttle, now }) }));
  app.use(adminRoutes({ admin: createAdminService({ prisma: deps.prisma }), prisma: deps.prisma }));
  app.use(verification);
  app.use(certificateRoutes({ prisma: deps.prisma, appUrl: deps.appUrl }));

  app.use(notFoundHandler);
  app.use(errorHandler({ production: deps.production, logger: deps.logger, onUnexpected: database.report }));
  return app;
}
