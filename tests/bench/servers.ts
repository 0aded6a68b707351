// The servers under load built from the product's modules, all in startServers (the one place to switch when the
// app gets a composition function): the real application as production runs it, the same trusting one proxy,
// and the floor app. Baselines that use no product code (hello world, one INSERT) live with their scenarios.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import helmet from 'helmet';
import pino from 'pino';
import { createApp } from '../../server/app';
import { setupSessions, type SessionSettings } from '../../server/auth/session';
import { createCatalogue } from '../../server/catalogue/service';
import { loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { createPool } from '../../server/db/database';
import { migrationNames } from '../../server/db/migrations';
import { createPrisma } from '../../server/db/prisma';
import { allow } from '../../server/http/access';
import { csrfProtection } from '../../server/http/csrf';
import { requestLogger } from '../../server/http/logging';
import {
  requireWellFormedBody,
  requireWellFormedUrl,
  verifyBodyEncoding,
} from '../../server/http/well-formed';
import { createMailer } from '../../server/mail/mailer';
import type { Cleanup } from './cleanup';

export interface BenchServers {
  /** The real app, wired as server/main.ts wires it in production. */
  app: string;
  /** The real app trusting one proxy, so verification load can come "from" many addresses (limited per IP). */
  proxied: string;
  /** The floor app (floorApp below); it shares the real app's session secret, so the app's sessions work there. */
  floor: string;
}

/** The floor app's only route. */
export const FLOOR_PATH = '/bench/signed-in-post';

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

  const productApp = (label: string, trustProxy: number, client = prisma(label)) =>
    createApp({
      prisma: client,
      pool: pool(label),
      catalogue: createCatalogue(client, content.provider),
      provider: content.provider,
      logger,
      sendMail: createMailer({ from: 'bench@localhost', logger }),
      projectRoot: options.projectRoot,
      production: true,
      appUrl: 'http://127.0.0.1',
      trustProxy,
      session,
      migrations: migrationNames(options.projectRoot),
    });

  /**
   * A signed-in POST that does nothing: the middleware app.ts mounts in front of its routes, in its order
   * (request log, security headers, URL check, body parsing and check, session with its user, absolute
   * timeout, CSRF check), then one route that only checks the user is signed in and answers 303. The product has
   * no such route; this app exists only here. Left out: the health routes, the switch for anonymous reads and the
   * database watch in front, the other routers' path matching behind (each a few comparisons). Helmet runs with
   * its defaults: app.ts's directives are written inline there, and cost the same.
   */
  const floorApp = () => {
    const app = express();
    app.disable('x-powered-by');
    app.use(requestLogger(logger));
    app.use(helmet());
    app.use(requireWellFormedUrl);
    app.use(
      express.urlencoded({
        extended: false,
        limit: '100kb',
        parameterLimit: 200,
        verify: verifyBodyEncoding,
      }),
    );
    app.use(express.json({ limit: '100kb', verify: verifyBodyEncoding }));
    app.use(requireWellFormedBody);
    setupSessions(app, {
      pool: pool('floor'),
      settings: session,
      authenticate: async () => ({ rejected: 'Sign in on the real app.' }),
    });
    app.use(csrfProtection());
    app.post(FLOOR_PATH, allow.signedIn(), (_req, res) => res.redirect(303, '/'));
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
  return {
    app: await listen(productApp('app', 0, appPrisma), 'app', cleanup),
    proxied: await listen(productApp('proxied app', 1), 'proxied app', cleanup),
    floor: await listen(floorApp(), 'floor app', cleanup),
  };
}
