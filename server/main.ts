// Entry point: config → database (embedded unless DATABASE_URL) → migrations → content sync → listen.
// Owns shutdown: SIGTERM/SIGINT → stop accepting, drain requests, close the pools, stop PostgreSQL, exit 0, all
// within SHUTDOWN_GRACE_SECONDS even when the database is dead. A failed start is one line, PostgreSQL stopped.
import crypto from 'node:crypto';
import http from 'node:http';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { passwordSchema } from './account/validation';
import { createFirstAdmin } from './auth/first-admin';
import { defaultThrottleSettings } from './auth/throttle';
import { composeApp } from './compose';
import { ConfigError, loadConfig, type Config } from './config';
import { ContentError, loadContent } from './content/load';
import { syncContent } from './content/sync';
import { createPool, openDatabase, type DatabaseHandle } from './db/database';
import { migrateIfPending } from './db/migrations';
import { createPrisma, type Prisma } from './db/prisma';
import { persistentSessionSecret } from './db/session-secret';
import { StartError } from './db/start-error';
import { CHANNELS, listenForNotifications, NOTIFY_SQL, type Notifications } from './db/notifications';
import { within } from './db/supervisor';
import { createLogger } from './http/logging';
import { checkPort, listen } from './http/listen';

/** What a shutdown has to undo, filled in as the start proceeds. */
interface Running {
  opening?: Promise<DatabaseHandle>;
  database?: DatabaseHandle;
  prisma?: Prisma;
  pool?: Pool;
  readPool?: Pool;
  notifications?: Notifications;
  server?: http.Server;
  /** Set once a shutdown starts: requests arriving after it are refused (503), not taken on. */
  draining?: boolean;
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
}

async function start(config: Config, logger: Logger, running: Running): Promise<void> {
  // Fail fast on what the user can fix, before any database work.
  await checkPort(config);
  const content = loadContent(config.CONTENT_DIR);
  if (config.ADMIN_PASSWORD) {
    const password = passwordSchema.safeParse(config.ADMIN_PASSWORD);
    if (!password.success) throw new StartError(`ADMIN_PASSWORD: ${password.error.issues[0]!.message}`);
  }
  // Before the database: an unusable DATA_DIR is reported before PostgreSQL is involved.
  let sessionSecret = config.SESSION_SECRET;
  if (!sessionSecret && !config.DATABASE_URL) sessionSecret = persistentSessionSecret(config.DATA_DIR);
  if (!sessionSecret) {
    // Development on an external database only (config.ts requires SESSION_SECRET there in production).
    sessionSecret = crypto.randomBytes(32).toString('hex');
    logger.warn('SESSION_SECRET is not set: sessions end when the process restarts');
  }

  running.opening = openDatabase(
    { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, events: logger },
    (message) => logger.debug({ postgres: message.trim() }),
  );
  const database = (running.database = await running.opening);
  if (database.clusterDir) logger.info(`embedded PostgreSQL data in ${database.clusterDir}`);
  logger.info({ embedded: database.embedded }, 'database ready');
  // The Prisma CLI runs only when a migration is pending; an edited or failed migration stops the start.
  const { migrations, applied, unknown } = await migrateIfPending(config.projectRoot, database.url);
  if (unknown.length > 0) logger.warn({ unknown }, 'the database has migrations this code does not know');
  logger.info({ migrations: migrations.length, applied }, 'migrations applied');

  const prisma = (running.prisma = createPrisma(database.url, config.DATABASE_POOL_SIZE, (error) =>
    logger.warn({ err: error }, 'database connection lost'),
  ));
  const pool = (running.pool = createPool(
    database.url,
    (error) => logger.warn({ err: error }, 'idle database connection closed'),
    config.DATABASE_POOL_SIZE,
  ));
  const replicaUrl = config.DATABASE_REPLICA_URL;
  const readPool = (running.readPool = replicaUrl
    ? createPool(
        replicaUrl,
        (error) => logger.warn({ err: error }, 'idle replica connection closed'),
        config.DATABASE_POOL_SIZE,
      )
    : undefined);
  const notifications = (running.notifications = listenForNotifications(
    { connectionString: database.url },
    logger,
  ));
  // Listening before serving: the first connection resets what subscribers keep, so no request may fill a cache
  // before it, and nothing announced from now on is missed.
  await notifications.ready();
  const reports = await syncContent(prisma, content);
  if (reports.some((report) => report.status !== 'unchanged')) {
    await pool.query(NOTIFY_SQL, [CHANNELS.contentSynced, '']);
  }
  logger.info({ activities: reports }, 'content synced');
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const created = await createFirstAdmin(prisma, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
    });
    if (created) logger.info({ email: created.email }, 'first admin created from ADMIN_EMAIL');
  }

  const { app } = composeApp({
    prisma,
    pool,
    readPool,
    notifications,
    provider: content.provider,
    logger,
    settings: {
      projectRoot: config.projectRoot,
      production: config.NODE_ENV === 'production',
      appUrl: config.APP_URL,
      trustProxy: config.TRUST_PROXY,
      session: {
        secret: sessionSecret,
        idleMinutes: config.SESSION_IDLE_MINUTES,
        absoluteHours: config.SESSION_ABSOLUTE_HOURS,
      },
      throttle: {
        ...defaultThrottleSettings,
        registrationsPerIpPerHour: config.REGISTRATIONS_PER_IP_PER_HOUR,
        loginPerIpPer15Min: config.LOGINS_PER_IP_PER_15_MINUTES,
      },
      mail: { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM },
      migrations,
    },
  });
  // A request that reaches us after SIGTERM (on a keep-alive connection the client reused before our sweep closed
  // it) is refused with 503 and the connection closed: a load balancer retries it elsewhere, nothing half-starts.
  running.server = http.createServer((req, res) => {
    if (!running.draining) {
      app(req, res);
      return;
    }
    res.writeHead(503, {
      'retry-after': '5',
      connection: 'close',
      'content-type': 'text/plain; charset=utf-8',
    });
    res.end('This server is restarting. Try again in a few seconds.\n');
  });
  const port = await listen(running.server, config);
  logger.info({ nodeEnv: config.NODE_ENV }, `listening on http://localhost:${port}`);
}

/**
 * Undoes what `running` holds within `graceMs`: each step has a share of the time, so a dead database (queries
 * that never answer, a PostgreSQL that ignores SIGINT) delays the exit but cannot prevent it.
 */
async function shutdown(running: Running, graceMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + graceMs - Math.min(250, graceMs * 0.05);
  const left = () => Math.max(deadline - Date.now(), 0);
  const { server } = running;
  running.draining = true;
  if (server?.listening) {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections go as soon as their request is answered, not after keepAliveTimeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    if (!(await within(closed, graceMs * 0.6))) {
      logger.warn('requests still open at the end of the drain; closing their connections');
      server.closeAllConnections();
    }
    clearInterval(sweep);
  }
  const disconnecting = [
    running.prisma?.$disconnect(),
    running.pool?.end(),
    running.readPool?.end(),
    running.notifications?.close(),
  ].filter((p) => p !== undefined);
  if (!(await within(Promise.allSettled(disconnecting), Math.min(graceMs * 0.15, left())))) {
    logger.warn('database connections did not close in time; leaving them');
  }
  // A signal during the start may come while PostgreSQL is starting: wait for it, then stop it.
  let database = running.database;
  if (!database && running.opening) {
    const opening = running.opening.then((handle) => (database = handle));
    await within(opening, left());
  }
  await database?.stop(left());
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  const running: Running = {};
  let stopping = false;

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return logger.info({ signal }, 'already shutting down');
    stopping = true;
    logger.info({ signal }, 'shutting down');
    shutdown(running, config.SHUTDOWN_GRACE_SECONDS * 1000, logger).then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  // process.on, not once: a second signal must not fall back to the default, which would kill us mid-shutdown.
  // SIGHUP too (the terminal was closed): by default it would kill the app and leave PostgreSQL running.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);

  /** Reports a fatal error in one line, stops PostgreSQL (ours, and detached), exits non-zero. */
  const fail = async (error: unknown, what: string) => {
    if (stopping) return; // the shutdown in progress ends the process
    stopping = true;
    if (error instanceof StartError || error instanceof ContentError) logger.fatal(error.message);
    else logger.fatal({ err: error }, `${what}: ${error instanceof Error ? error.message : String(error)}`);
    await running.database?.stop(5000).catch(() => {});
    logger.flush();
    process.exit(1);
  };
  process.on('uncaughtException', (error) => void fail(error, 'crashed'));

  try {
    await start(config, logger, running);
  } catch (error) {
    await fail(error, 'start failed');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
