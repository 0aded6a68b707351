// Helpers of the backup tests: a database's fingerprint (every table's row count, a checksum of the credit
// records), empty databases on the test server, and the backup commands run as real child processes.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export const projectRoot = path.resolve(__dirname, '..', '..');

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface Fingerprint {
  /** Every table of the public schema with its row count. */
  rows: Record<string, number>;
  /** md5 of the credit records: every credit_claims and certificates row as text, in id order. */
  credit: string;
}

export function fingerprint(url: string): Promise<Fingerprint> {
  return withClient(url, async (client) => {
    const tables = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    const rows: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const count = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM public."${name}"`);
      rows[name] = count.rows[0]!.n;
    }
    if (!('credit_claims' in rows)) return { rows, credit: '' }; // an empty database
    const credit = await client.query<{ md5: string }>(
      `SELECT md5(coalesce((SELECT string_agg(c::text, E'\\n' ORDER BY c.id) FROM credit_claims c), '') || '|' ||
                  coalesce((SELECT string_agg(c::text, E'\\n' ORDER BY c.id) FROM certificates c), '')) AS md5`,
    );
    return { rows, credit: credit.rows[0]!.md5 };
  });
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest');
  return url;
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new database on the test server: empty (template0), or a copy of the migrated template. */
export async function scratchDatabase(kind: 'empty' | 'migrated'): Promise<ScratchDatabase> {
  const name = `cme_backup_${crypto.randomBytes(5).toString('hex')}`;
  const template = kind === 'empty' ? 'template0' : process.env.TEST_PG_TEMPLATE!;
  await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withClient(adminUrl(), (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A host whose TLS passes through an inspecting proxy trusts its CA through NODE_EXTRA_CA_CERTS: without it, the
 * client tools' download fails with a self-signed certificate whenever no earlier suite installed them.
 */
const trustEnv = () =>
  process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {};

/** Runs `npm run db:backup`/`db:restore`'s script through tsx, with a minimal environment plus `env`. */
export function runCli(
  script: 'db-backup' | 'db-restore' | 'create-user',
  args: string[],
  env: Record<string, string>,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      path.join(projectRoot, 'node_modules', '.bin', 'tsx'),
      [`server/cli/${script}.ts`, ...args],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...trustEnv(), ...env },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}
