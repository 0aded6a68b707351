// Entry point: config → database (embedded unless DATABASE_URL) → migrations → content sync → listen.
// Owns graceful shutdown: stop accepting, drain requests, disconnect Prisma, stop the embedded server.
import crypto from 'node:crypto';
import http from 'node:http';
import { createApp } from './app';
import { createCatalogue } from './catalogue/service';
import { ConfigError, loadConfig } from './config';
import { loadContent } from './content/load';
import { syncContent } from './content/sync';
import { createPool, openDatabase } from './db/database';
import { deployMigrations, migrationNames } from './db/migrations';
import { createPrisma } from './db/prisma';
import { createLogger } from './http/logging';
import { createMailer } from './mail/mailer';
import { createFirstAdmin } from './auth/first-admin';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const content = loadContent(config.CONTENT_DIR); // fail fast, before any database work

  const database = await openDatabase(
    { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR },
    (message) => logger.debug({ postgres: message.trim() }),
  );
  logger.info({ embedded: database.embedded }, 'database ready');
  await deployMigrations(config.projectRoot, database.url);
  const migrations = migrationNames(config.projectRoot);
  logger.info({ migrations: migrations.length }, 'migrations applied');

  const prisma = createPrisma(database.url);
  const pool = createPool(database.url, (error) =>
    logger.warn({ err: error }, 'idle database connection closed'),
  );
  const reports = await syncContent(prisma, content);
  logger.info({ activities: reports }, 'content synced');
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const created = await createFirstAdmin(prisma, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
    });
    if (created) logger.info({ email: created.email }, 'first admin created from ADMIN_EMAIL');
  }
  // Production requires SESSION_SECRET (config.ts); elsewhere a per-process secret is safe, if forgetful.
  const sessionSecret = config.SESSION_SECRET ?? crypto.randomBytes(32).toString('hex');
  if (!config.SESSION_SECRET)
    logger.warn('SESSION_SECRET is not set: sessions end when the process restarts');

  const app = createApp({
    prisma,
    pool,
    catalogue: createCatalogue(prisma, content.provider),
    provider: content.provider,
    logger,
    sendMail: createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, logger }),
    projectRoot: config.projectRoot,
    production: config.NODE_ENV === 'production',
    appUrl: config.APP_URL,
    trustProxy: config.TRUST_PROXY,
    session: {
      secret: sessionSecret,
      idleMinutes: config.SESSION_IDLE_MINUTES,
      absoluteHours: config.SESSION_ABSOLUTE_HOURS,
    },
    migrations,
  });
  const server = http.createServer(app);
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info(`listening on http://localhost:${port}`);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_SECONDS * 1000);
    force.unref();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([prisma.$disconnect(), pool.end()]);
    await database.stop();
    logger.info('stopped');
    logger.flush();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
