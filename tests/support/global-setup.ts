// One PostgreSQL for the whole run: DATABASE_URL's server when given, otherwise a throwaway embedded one.
// Migrations are applied once into a template database; each test file clones it (tests/support/database.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabaseIfMissing } from '../../server/db/database';
import { startEmbeddedPostgres } from '../../server/db/embedded';
import { deployMigrations } from '../../server/db/migrations';

declare global {
  var stopTestPostgres: (() => Promise<void>) | undefined;
}

export default async function globalSetup(): Promise<void> {
  const projectRoot = path.resolve(__dirname, '..', '..');
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-test-pg-'));
    const cluster = await startEmbeddedPostgres(dir);
    adminUrl = cluster.adminUrl;
    globalThis.stopTestPostgres = async () => {
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  // Unique per run, so two runs against one server never share a template.
  const template = `cme_test_template_${process.pid}`;
  await createDatabaseIfMissing(adminUrl, template);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  await deployMigrations(projectRoot, templateUrl.toString());
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_PG_TEMPLATE = template;
}
