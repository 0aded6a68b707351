// Backups with PostgreSQL's own tools: pg_dump's custom format (one consistent snapshot, taken while the app keeps
// serving) and pg_restore in a single transaction (a failed restore leaves the database as it was).
import fs from 'node:fs';
import { Client } from 'pg';
import { runTool, type ClientTools } from './client-tools';
import { fsReason } from './start-error';

/** A failure the user can act on: the CLIs print its message alone. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** What every running app instance holds open: its LISTEN connection (server/db/notifications.ts). */
export const APP_LISTENER = 'cme-notifications';

/** Connection parameters libpq understands in a URI; Prisma's own (schema, connection_limit…) are left out. */
const LIBPQ_PARAMETERS = new Set([
  'host',
  'hostaddr',
  'port',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslcrl',
  'sslpassword',
  'sslnegotiation',
  'channel_binding',
  'gssencmode',
  'connect_timeout',
  'options',
  'target_session_attrs',
]);

/** The URI for a tool's --dbname, with the password moved to PGPASSWORD (never on a command line). */
export function toolConnection(url: string, application: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (!LIBPQ_PARAMETERS.has(key)) parsed.searchParams.delete(key);
  }
  const env: NodeJS.ProcessEnv = { PGAPPNAME: application, PGCONNECT_TIMEOUT: '10' };
  if (password) env.PGPASSWORD = password;
  return { dbname: parsed.toString(), env };
}

/** The lines of a tool's stderr that say what went wrong (all of it when none is marked). */
function reasonOf(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const errors = lines.filter((line) => /error|FATAL|fatal/.test(line));
  return (errors.length > 0 ? errors : lines).slice(0, 5).join('\n') || 'no message';
}

/** The default name of a backup made at `at`, e.g. cme-20261127T031502Z.dump (UTC, sorts by time). */
export const backupName = (at: Date) =>
  `cme-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.dump`;

export interface ArchiveSummary {
  /** Tables whose rows the archive holds (its TABLE DATA entries), schema-qualified. */
  tables: string[];
  createdAt: string;
  databaseName: string;
  serverVersion: string;
}

/** Reads an archive's table of contents; refuses anything that is not a pg_dump custom-format archive. */
export async function readArchive(tools: ClientTools, file: string): Promise<ArchiveSummary> {
  if (!fs.existsSync(file)) throw new BackupError(`${file}: no such file`);
  const run = await runTool(tools.pgRestore, ['--list', file], {});
  if (run.code !== 0) throw new BackupError(`${file} is not a readable backup: ${reasonOf(run.stderr)}`);
  const header = (label: string) =>
    new RegExp(`^;\\s+${label}:? (.*)$`, 'm').exec(run.stdout)?.[1]?.trim() ?? '';
  const tables = [...run.stdout.matchAll(/^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) /gm)].map(
    ([, schema, table]) => `${schema}.${table}`,
  );
  return {
    tables,
    createdAt: header('Archive created at'),
    databaseName: header('dbname'),
    serverVersion: header('Dumped from database version'),
  };
}

export interface BackupResult {
  file: string;
  bytes: number;
  archive: ArchiveSummary;
  ms: number;
}

/**
 * Dumps the database at `url` into `file` (mode 0600, never overwriting one): written beside it first, read back
 * to check it, then linked into place, so `file` exists only when it is a whole, readable backup.
 */
export async function backupDatabase(options: {
  tools: ClientTools;
  url: string;
  file: string;
}): Promise<BackupResult> {
  const { tools, url, file } = options;
  const started = Date.now();
  if (fs.existsSync(file)) throw new BackupError(`${file} already exists; choose another --out`);
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  // Made before pg_dump opens it, so the data is never readable by others, whatever the umask.
  try {
    fs.closeSync(fs.openSync(partial, 'wx', 0o600));
  } catch (error) {
    throw new BackupError(`cannot write ${partial}: ${fsReason(error)}`);
  }
  try {
    const { dbname, env } = toolConnection(url, 'cme-backup');
    const run = await runTool(
      tools.pgDump,
      ['--format=custom', `--file=${partial}`, `--dbname=${dbname}`],
      env,
    );
    if (run.code !== 0) throw new BackupError(`pg_dump failed: ${reasonOf(run.stderr)}`);
    const archive = await readArchive(tools, partial);
    fs.linkSync(partial, file); // fails if `file` appeared meanwhile, instead of replacing it
    return { file, bytes: fs.statSync(file).size, archive, ms: Date.now() - started };
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: 'cme-restore' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** How many app instances are connected to the database at `url` (their LISTEN connections). */
export function appConnections(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
      [APP_LISTENER],
    );
    return rows[0]!.count;
  });
}

const REPORTED_TABLES = ['users', 'credit_claims', 'certificates'] as const;
export type RecordCounts = Record<(typeof REPORTED_TABLES)[number], number>;

/** Rows of the tables that a restore reports (the credit records above all); 0 for a table that is missing. */
export function recordCounts(url: string): Promise<RecordCounts> {
  return withClient(url, async (client) => {
    const counts = { users: 0, credit_claims: 0, certificates: 0 };
    for (const table of REPORTED_TABLES) {
      const found = await client.query<{ present: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS present',
        [`public.${table}`],
      );
      if (!found.rows[0]!.present) continue;
      // The name is one of the constants above, never input.
      const { rows } = await client.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM public.${table}`,
      );
      counts[table] = rows[0]!.count;
    }
    return counts;
  });
}

export interface RestoreResult {
  archive: ArchiveSummary;
  counts: RecordCounts;
  ms: number;
}

/** Tables of the database at `url` that the archive does not hold (made by a newer version of the app?). */
async function tablesMissingFrom(url: string, archive: ArchiveSummary): Promise<string[]> {
  const held = new Set(archive.tables);
  const { rows } = await withClient(url, (client) =>
    client.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
    ),
  );
  return rows.map((row) => row.name).filter((name) => !held.has(name));
}

/**
 * Replaces what the archive holds in the database at `url`, in one transaction: any error (a truncated file, a
 * lock not granted within a minute) rolls everything back. Refuses while an app instance is connected to it,
 * and when the database has tables the archive lacks: pg_restore would leave them, and the app's migrations
 * would later fail on them.
 */
export async function restoreDatabase(options: {
  tools: ClientTools;
  url: string;
  file: string;
  log?: (message: string) => void;
}): Promise<RestoreResult> {
  const { tools, url, file } = options;
  const started = Date.now();
  const archive = await readArchive(tools, file);
  const running = await appConnections(url);
  if (running > 0) {
    throw new BackupError(
      `the app is running on this database (${running} instance${running === 1 ? '' : 's'} connected); stop it before restoring`,
    );
  }
  const extra = await tablesMissingFrom(url, archive);
  if (extra.length > 0) {
    throw new BackupError(
      `the database has tables that ${file} does not (${extra.join(', ')}); a restore would leave them and the app's migrations would fail on them: restore into an empty database, or drop them first`,
    );
  }
  options.log?.(`restoring ${archive.tables.length} tables from ${file}`);
  const { dbname, env } = toolConnection(url, 'cme-restore');
  // A session holding a lock on a table makes the restore fail (and roll back) instead of waiting forever.
  env.PGOPTIONS = '-c lock_timeout=60s';
  const run = await runTool(
    tools.pgRestore,
    ['--clean', '--if-exists', '--single-transaction', '--no-owner', `--dbname=${dbname}`, file],
    env,
  );
  if (run.code !== 0) {
    throw new BackupError(
      `pg_restore failed; the database is unchanged (one transaction): ${reasonOf(run.stderr)}`,
    );
  }
  return { archive, counts: await recordCounts(url), ms: Date.now() - started };
}
