// The real application on a fresh database with the real content synced into it.
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../server/app';
import { createCatalogue } from '../../server/catalogue/service';
import { loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { migrationNames } from '../../server/db/migrations';
import { createTestDatabase, type TestDatabase } from './database';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const contentDir = path.join(projectRoot, 'content');

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: TestDatabase;
  close(): Promise<void>;
}

export async function createTestApp(
  options: { now?: () => Date; production?: boolean } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const content = loadContent(contentDir);
  await syncContent(db.prisma, content);
  const app = createApp({
    prisma: db.prisma,
    catalogue: createCatalogue(db.prisma, content.provider),
    provider: content.provider,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    projectRoot,
    production: options.production ?? false,
    migrations: migrationNames(projectRoot),
    now: options.now,
  });
  return { app, db, close: () => db.drop() };
}
