// The servers under load, built by the product's own composition (server/compose.ts) as server/main.ts builds
// them: the real application as production runs it, the same trusting one proxy, and the floor app. Baselines that use no product code (hello world, one INSERT) live with their scenarios.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import pino from 'pino';
import { requestPipeline } from '../../server/app';
import type { SessionSettings } from '../../server/auth/session';
import { composeApp, composeServices, type Platform } from '../../server/compose';
import { loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { createPool } from '../../server/db/database';
import { migrationNames } from '../../server/db/migrations';
import { listenForNotifications } from '../../server/db/notifications';
import { createPrisma } from '../../server/db/prisma';
import { allow } from '../../server/http/access';
import { parseAnswers } from '../../server/posttest/routes';
import type { Cleanup } from './cleanup';

export interface BenchServers {
  /** The real app, wired as server/main.ts wires it in production. */
  app: string;
  /** The real app trusting one proxy, so verification load can come "from" many addresses (limited per IP). */
  proxied: string;
  /** The floor app (floorApp below); it shares the real app's session secret, so the app's sessions work there. */
  floor: string;
  /** The secret signing every bench app's session cookie: app processes given it accept the bench's sessions. */
  sessionSecret: string;
}

/** The floor app's route that does nothing. */
export const FLOOR_PATH = '/bench/signed-in-post';
/** The floor app's route that stores the form's answers in one INSERT (scenarios/write-floor.ts). */
export const FLOOR_WRITE_PATH = '/bench/signed-in-write';
export const FLOOR_WRITES_TABLE = 'bench_signed_in_writes';

/** Listens on 127.0.0.1 at a free port and registers the close; returns the base URL. */
export async function listen(
  handler: http.RequestListener,
  label: string,
  cleanup: Cleanup,
): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanup.add(`close the ${label} server`, async () => {
    // autocannon's keep-alive sockets would otherwise hold server.close() open.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * Builds and serves the apps. Each has its own Prisma client and pg pool, as a production instance does. The
 * logger is silent: logging to stdout would measure the terminal, not the app.
 */
export async function startServers(
  options: { projectRoot: string; databaseUrl: string },
  cleanup: Cleanup,
): Promise<BenchServers> {
  const logger = pino({ level: 'silent' });
  const content = loadContent(path.join(options.projectRoot, 'content'));
  const session: SessionSettings = {
    secret: crypto.randomBytes(32).toString('hex'),
    idleMinutes: 30,
    absoluteHours: 12,
  };
  const pool = (label: string) => {
    // Idle connections are cut when the bench database stops: nothing to report.
    const created = createPool(options.databaseUrl, () => {});
    cleanup.add(`end the ${label} pool`, () => created.end());
    return created;
  };
  const prisma = (label: string) => {
    const created = createPrisma(options.databaseUrl);
    cleanup.add(`disconnect the ${label} Prisma`, () => created.$disconnect());
    return created;
  };

  const listeners: Promise<void>[] = [];
  const notifications = (label: string) => {
    const created = listenForNotifications({ connectionString: options.databaseUrl }, logger);
    cleanup.add(`close the ${label} notification listener`, () => created.close());
    listeners.push(created.ready());
    return created;
  };

  const platform = (label: string, trustProxy: number, client = prisma(label)): Platform => ({
    prisma: client,
    pool: pool(label),
    notifications: notifications(label),
    provider: content.provider,
    logger,
    settings: {
      projectRoot: options.projectRoot,
      production: true,
      appUrl: 'http://127.0.0.1',
      trustProxy,
      session,
      mail: { from: 'bench@localhost' },
      migrations: migrationNames(options.projectRoot),
    },
  });
  const productApp = (label: string, trustProxy: number, client = prisma(label)) =>
    composeApp(platform(label, trustProxy, client)).app;

  /**
   * A signed-in POST that does nothing: everything the product app runs in front of its routes, in its order and
   * from the same list (app.ts requestPipeline: request log, headers, health, URL check, database gate, body
   * parsing and check, session with its user, absolute timeout, CSRF check), then one route that only checks the
   * user is signed in and answers 303. The product has no such route; this app exists only here. Its second route
   * also stores the answers, parsed as the post-test parses them, in one INSERT: the cheapest durable record of a
   * submission.
   */
  const floorApp = async () => {
    const floor = platform('floor', 0);
    await floor.pool.query(
      `CREATE TABLE IF NOT EXISTS ${FLOOR_WRITES_TABLE} (id bigserial PRIMARY KEY, user_id int NOT NULL, ` +
        'answers jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
    );
    const app = express();
    app.disable('x-powered-by');
    app.use(requestPipeline(floor, composeServices(floor)));
    app.post(FLOOR_PATH, allow.signedIn(), (_req, res) => res.redirect(303, '/'));
    app.post(FLOOR_WRITE_PATH, allow.signedIn(), async (req, res) => {
      await floor.pool.query({
        name: 'bench-signed-in-write',
        text: `INSERT INTO ${FLOOR_WRITES_TABLE} (user_id, answers) VALUES ($1, $2)`,
        values: [req.user!.id, JSON.stringify(parseAnswers(req.body))],
      });
      res.redirect(303, '/');
    });
    const plainError: ErrorRequestHandler = (
      error: { status?: number; message?: string },
      _req,
      res,
      _next,
    ) => {
      res
        .status(error.status ?? 500)
        .type('text')
        .send(error.message ?? 'error');
    };
    app.use(plainError);
    return app;
  };

  const appPrisma = prisma('app');
  await syncContent(appPrisma, content);
  const servers = {
    app: await listen(productApp('app', 0, appPrisma), 'app', cleanup),
    proxied: await listen(productApp('proxied app', 1), 'proxied app', cleanup),
    floor: await listen(await floorApp(), 'floor app', cleanup),
    sessionSecret: session.secret,
  };
  // Each listener's first connection resets the caches: before the first measured request, as in main.ts.
  await Promise.all(listeners);
  return servers;
}
