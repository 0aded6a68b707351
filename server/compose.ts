// The one place where the application's services are built from what a process provides (database clients,
// content, settings, clock). server/main.ts, the tests and the benchmark all call composeApp, so a new service
// is wired once. Nothing here connects or listens.
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { createAccountService } from './account/service';
import { createAdminService } from './admin/service';
import { createApp } from './app';
import { passportFor } from './auth/authenticator';
import { createAuthService } from './auth/service';
import type { SessionSettings } from './auth/session';
import { createSessionStore } from './auth/session-store';
import { sessionUserReader } from './auth/session-user';
import { createThrottle, type ThrottleSettings } from './auth/throttle';
import { createCatalogue, type Catalogue } from './catalogue/service';
import { forgetVerificationPages, verificationPages } from './certificates/verification-cache';
import type { Provider } from './content/schema';
import { createCreditService } from './credit/service';
import { watchDatabase } from './db/availability';
import { CHANNELS, type Notifications } from './db/notifications';
import type { PrismaClient } from './generated/prisma/client';
import { createMailer, type SendMail } from './mail/mailer';
import type { Random } from './posttest/scoring';
import { createExportService } from './exports/service';
import { createItemAnalysis } from './items/analysis';
import { createItemService } from './items/service';
import { createPostTestService } from './posttest/service';
import { createProgressService } from './progress/service';
import { createRecordService } from './records/service';
import { createReportService } from './reports/service';

/** Settings the app is built with (from config.ts in production, from the test or bench set-up otherwise). */
export interface AppSettings {
  projectRoot: string;
  production: boolean;
  /** Public base URL for emailed links and certificate QR codes. */
  appUrl: string;
  trustProxy: number;
  session: SessionSettings;
  throttle?: ThrottleSettings;
  mail?: { smtpUrl?: string; from: string };
  /** The migrations this code expects applied (readiness). */
  migrations: readonly string[];
}

export interface Platform {
  prisma: PrismaClient;
  /** node-postgres pool: the session store, the throttles, and the few per-request statements too hot for Prisma. */
  pool: Pool;
  /** A read replica's pool for the read-heavy exports (DATABASE_REPLICA_URL); `pool` otherwise. */
  readPool?: Pool;
  /** Changes announced by any instance of the app on the shared database (server/db/notifications.ts). */
  notifications: Notifications;
  provider: Provider;
  logger: Logger;
  settings: AppSettings;
  /** A catalogue to share (the bench reads it too); one is made otherwise. */
  catalogue?: Catalogue;
  /** Outgoing mail; made from settings.mail otherwise (the log, without an SMTP URL). */
  sendMail?: SendMail;
  now?: () => Date;
  /** Randomness of post-test forms; tests pass a seeded one. */
  random?: Random;
}

/** What the educator and admin capabilities are built from. */
export interface CapabilityDeps {
  prisma: PrismaClient;
  pool: Pool;
  /** For long reads that may lag the primary by seconds (exports): a replica's pool when there is one. */
  readPool: Pool;
  logger: Logger;
  catalogue: Catalogue;
  now: () => Date;
  appUrl: string;
}

export function composeServices(platform: Platform) {
  const { prisma, pool, logger, settings } = platform;
  const now = platform.now ?? (() => new Date());
  const catalogue = platform.catalogue ?? createCatalogue(prisma, platform.provider);
  // A certificate revoked or reissued on any instance: its verification page must not be served from memory.
  platform.notifications.subscribe(CHANNELS.certificateChanged, {
    message: (code) => forgetVerificationPages(code),
    reset: () => verificationPages.clear(),
  });
  // Another instance deployed new content: drop the activity views (and the lesson pages cached with them).
  platform.notifications.subscribe(CHANNELS.contentSynced, {
    message: () => catalogue.invalidate(),
    reset: () => catalogue.invalidate(),
  });
  const capability: CapabilityDeps = {
    prisma,
    pool,
    readPool: platform.readPool ?? pool,
    logger,
    catalogue,
    now,
    appUrl: settings.appUrl,
  };
  const sendMail =
    platform.sendMail ??
    createMailer({ ...(settings.mail ?? { from: 'CME Platform <no-reply@localhost>' }), logger });
  const throttle = createThrottle(pool, settings.throttle);
  const progress = createProgressService({ prisma, pool, now });
  const auth = createAuthService({ prisma, throttle, sendMail, appUrl: settings.appUrl, now });
  const sessionStore = createSessionStore(pool, settings.session.idleMinutes * 60 * 1000);
  return {
    now,
    catalogue,
    database: watchDatabase(pool, (up) =>
      up ? logger.info('database reachable again') : logger.warn('database unreachable: answering 503'),
    ),
    throttle,
    progress,
    auth,
    sessionStore,
    authenticator: passportFor(auth.authenticate, sessionUserReader(pool, sessionStore)),
    account: createAccountService({ prisma, throttle, now }),
    admin: createAdminService({ prisma }),
    postTest: createPostTestService({ prisma, pool, progress, now, random: platform.random }),
    credit: createCreditService({ prisma, now }),
    items: createItemService(capability),
    itemAnalysis: createItemAnalysis(capability),
    records: createRecordService(capability),
    exports: createExportService(capability),
    reports: createReportService(capability),
  };
}

export type Services = ReturnType<typeof composeServices>;

/** The application and the services behind it (tests drive some services directly). */
export function composeApp(platform: Platform) {
  const services = composeServices(platform);
  return { app: createApp(platform, services), services };
}
