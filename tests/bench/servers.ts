// The two servers under load: a bare Express 5 hello world, and the real application as production runs it.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import { createApp } from '../../server/app';
import { createCatalogue } from '../../server/catalogue/service';
import { loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { createPool } from '../../server/db/database';
import { migrationNames } from '../../server/db/migrations';
import { createPrisma } from '../../server/db/prisma';
import { createMailer } from '../../server/mail/mailer';
import type { Cleanup } from './cleanup';

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

/** The baseline: what Express itself costs per request on this machine. */
export function helloApp(): express.Express {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  return app;
}

/**
 * The real app, wired as server/main.ts wires it in production (view cache on, a real pool and session store),
 * except that the logger is silent: logging to stdout would measure the terminal, not the app.
 */
export async function realApp(
  options: { projectRoot: string; databaseUrl: string; trustProxy?: number },
  cleanup: Cleanup,
): Promise<express.Express> {
  const logger = pino({ level: 'silent' });
  const content = loadContent(path.join(options.projectRoot, 'content'));
  const prisma = createPrisma(options.databaseUrl);
  cleanup.add(`disconnect Prisma (trust proxy ${options.trustProxy ?? 0})`, () => prisma.$disconnect());
  const pool = createPool(options.databaseUrl, () => {}); // idle connections cut when the bench database stops
  cleanup.add(`end the session pool (trust proxy ${options.trustProxy ?? 0})`, () => pool.end());
  await syncContent(prisma, content);
  return createApp({
    prisma,
    pool,
    catalogue: createCatalogue(prisma, content.provider),
    provider: content.provider,
    logger,
    sendMail: createMailer({ from: 'bench@localhost', logger }),
    projectRoot: options.projectRoot,
    production: true,
    appUrl: 'http://127.0.0.1',
    trustProxy: options.trustProxy ?? 0,
    session: { secret: crypto.randomBytes(32).toString('hex'), idleMinutes: 30, absoluteHours: 12 },
    migrations: migrationNames(options.projectRoot),
  });
}
