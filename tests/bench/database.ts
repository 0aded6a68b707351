// A real, migrated PostgreSQL database for the benchmark, set up the way the tests do it: a fresh database on
// DATABASE_URL's server when given (dropped at the end), otherwise a throwaway embedded server in a temp dir.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../server/db/embedded';
import { deployMigrations } from '../../server/db/migrations';
import type { Cleanup } from './cleanup';

export interface BenchDatabase {
  url: string;
  /** Where it runs, for the report header (never the password). */
  description: string;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Opens the database and applies the migrations. Each undo step is registered as soon as it is needed,
 * so a failure half-way (e.g. in the migrations) still stops the server and removes the temp dir.
 */
export async function openBenchDatabase(projectRoot: string, cleanup: Cleanup): Promise<BenchDatabase> {
  let adminUrl: string;
  let where: string;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
    where = `DATABASE_URL server ${url.hostname}:${url.port || '5432'}`;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-bench-pg-'));
    cleanup.add('remove the temp dir', () => fs.promises.rm(dir, { recursive: true, force: true }));
    const cluster = await startEmbeddedPostgres(dir);
    cleanup.add('stop the embedded PostgreSQL', () => cluster.stop());
    adminUrl = cluster.adminUrl;
    where = `embedded PostgreSQL in ${dir}`;
  }

  const name = `cme_bench_${crypto.randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  // An embedded cluster goes away whole; on a shared server the database must be dropped.
  if (process.env.DATABASE_URL) {
    cleanup.add(`drop database ${name}`, async () => {
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await deployMigrations(projectRoot, url.toString());
  return { url: url.toString(), description: `${where}, database ${name}` };
}
