// The real application on a fresh database with the real content synced into it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { composeApp, type Services } from '../../server/compose';
import type { SessionSettings } from '../../server/auth/session';
import type { ThrottleSettings } from '../../server/auth/throttle';
import { createCatalogue, type Catalogue } from '../../server/catalogue/service';
import { loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { createPool } from '../../server/db/database';
import { createPrisma } from '../../server/db/prisma';
import { listenForNotifications } from '../../server/db/notifications';
import { migrationNames } from '../../server/db/migrations';
import type { SendMail } from '../../server/mail/mailer';
import { createTestDatabase, type TestDatabase } from './database';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const contentDir = path.join(projectRoot, 'content');

/** Limits high enough that tests signing in many times are never throttled (the throttles have their own tests). */
export const relaxedThrottle: ThrottleSettings = {
  loginPerIpPer15Min: 1000,
  registrationsPerIpPerHour: 1000,
  resetsPerIpPerHour: 1000,
  lockoutThreshold: 50,
  lockoutBaseSeconds: 1,
  lockoutMaxSeconds: 4,
};

export interface TestAppOptions {
  now?: () => Date;
  production?: boolean;
  throttle?: ThrottleSettings;
  session?: Partial<SessionSettings>;
  sendMail?: SendMail;
  /** Where the app logs; silent unless TEST_LOG_LEVEL is set. */
  logger?: Logger;
  /** The connection string the app uses, made from its database's (e.g. through a TCP proxy). */
  connectVia?: (url: string) => string;
}

export interface TestApp {
  app: ReturnType<typeof composeApp>['app'];
  /** The services behind the app, as server/compose.ts built them (factories drive them directly). */
  services: Services;
  db: TestDatabase;
  pool: Pool;
  /** The app's catalogue: tests that sync content again drop its cache, as the app does after a sync. */
  catalogue: Catalogue;
  /** The app's clock (the `now` option, or the real time). */
  now: () => Date;
  close(): Promise<void>;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const appUrl = options.connectVia?.(db.url) ?? db.url;
  const pool = createPool(appUrl, () => {}); // idle connections are cut when the test database is dropped
  const prisma = appUrl === db.url ? db.prisma : createPrisma(appUrl, 5);
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const content = loadContent(contentDir);
  await syncContent(db.prisma, content);
  const catalogue = createCatalogue(prisma, content.provider);
  const notifications = listenForNotifications({ connectionString: appUrl }, logger);
  await notifications.ready(); // its first connection resets the caches: before any request, as in main.ts
  const { app, services } = composeApp({
    prisma,
    pool,
    notifications,
    catalogue,
    provider: content.provider,
    logger,
    sendMail: options.sendMail,
    now: options.now,
    settings: {
      projectRoot,
      production: options.production ?? false,
      appUrl: 'http://localhost:3000',
      trustProxy: 0,
      session: {
        secret: 'test-session-secret-that-is-long-enough',
        idleMinutes: 30,
        absoluteHours: 12,
        ...options.session,
      },
      throttle: options.throttle,
      mail: { from: 'test@localhost' },
      migrations: migrationNames(projectRoot),
    },
  });
  return {
    app,
    services,
    db,
    pool,
    catalogue,
    now: options.now ?? (() => new Date()),
    async close() {
      await notifications.close();
      await pool.end();
      if (prisma !== db.prisma) await prisma.$disconnect();
      await db.drop();
    },
  };
}

export interface ServedApp {
  server: http.Server;
  port: number;
  /** Closes every connection, then the server. */
  close(): Promise<void>;
}

/**
 * Serves `app` on 127.0.0.1 at a free port, for clients that hold real sockets (fetch, http.get). Idle kept-alive
 * sockets stay open 60 s, not node's 5: after an event-loop stall on a loaded CI machine, a client can reuse a socket
 * in the same turn as the server closes it as idle, and that request fails with ECONNRESET.
 */
export async function serveOnPort(app: http.RequestListener): Promise<ServedApp> {
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
