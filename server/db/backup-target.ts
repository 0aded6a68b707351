// The app's database as the backup commands reach it: DATABASE_URL's, or the embedded cluster of DATA_DIR. While
// the app runs, its PostgreSQL runs: the commands connect to it (port from postmaster.pid, the password kept in
// DATA_DIR). When it is stopped, they start it the way the app does (as the postgres user when root, in
// /var/lib/cme-platform when DATA_DIR is out of that user's reach) and stop it afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { BackupError } from './backup';
import { EMBEDDED_DATABASE_NAME, openDatabase } from './database';
import { externalHome } from './data-location';

export interface AppDatabase {
  url: string;
  /** Where the data is, for the output (no password). */
  where: string;
  /** Stops the embedded PostgreSQL if this command started it; nothing otherwise. Safe to call twice. */
  release(): Promise<void>;
}

const isCluster = (dir: string) => fs.existsSync(path.join(dir, 'PG_VERSION'));

/** The embedded cluster of `dataDir`, found where data-location.ts's planCluster would look, or null. */
export function existingCluster(dataDir: string): string | null {
  const inside = path.join(dataDir, 'postgres', 'pgdata');
  if (isCluster(inside)) return inside;
  if (process.getuid?.() !== 0 || !fs.existsSync(dataDir)) return null;
  const outside = path.join(externalHome(dataDir), 'pgdata');
  return isCluster(outside) ? outside : null;
}

/** True when `pid` is a running postgres process (a stale postmaster.pid may name a pid reused since). */
function isPostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** The port of the postmaster running on `clusterDir` (line 4 of postmaster.pid), or null when none runs. */
export function runningPort(clusterDir: string): number | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && port > 0 && isPostgres(pid)
    ? port
    : null;
}

function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname} (DATABASE_URL)`;
}

/**
 * The app's database. With `create`, an embedded installation that never started gets its cluster and database
 * made (a restore onto a new machine); without it, that is an error (nothing to back up).
 */
export async function openAppDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  create: boolean;
  log?: (message: string) => void;
}): Promise<AppDatabase> {
  const { databaseUrl, create } = options;
  if (databaseUrl) return { url: databaseUrl, where: describeUrl(databaseUrl), release: async () => {} };
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = existingCluster(dataDir);
  if (!clusterDir && !create) {
    throw new BackupError(
      `no embedded database in DATA_DIR ${dataDir} yet (the app has not started there): nothing to back up`,
    );
  }
  const port = clusterDir ? runningPort(clusterDir) : null;
  if (clusterDir && port !== null) {
    const passwordFile = path.join(dataDir, 'postgres', 'superuser-password');
    let password: string;
    try {
      password = fs.readFileSync(passwordFile, 'utf8').trim();
    } catch (error) {
      throw new BackupError(
        `cannot read ${passwordFile}, the password of the running PostgreSQL: ${(error as Error).message}`,
      );
    }
    const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE_NAME}`;
    await answers(url, clusterDir, port);
    return {
      url,
      where: `embedded PostgreSQL in ${clusterDir} (running, port ${port})`,

      release: async () => {},
    };
  }
  options.log?.(`starting the embedded PostgreSQL of ${dataDir} for this command`);
  const handle = await openDatabase({ dataDir }, () => {});
  return {
    url: handle.url,
    where: `embedded PostgreSQL in ${handle.clusterDir} (started for this command)`,
    release: () => handle.stop(),
  };
}

/** Checks that the running postmaster accepts us, so a failure names the cause instead of pg_dump's. */
async function answers(url: string, clusterDir: string, port: number): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new BackupError(
      `the PostgreSQL running on ${clusterDir} (port ${port}) does not accept a connection: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Stops a PostgreSQL started for this command when the command is interrupted (it runs in its own process
 * group, so Ctrl-C does not reach it, and left running it would keep the app from starting). Returns the undo.
 */
export function releaseOnSignal(database: AppDatabase): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping`);
    void database.release().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
