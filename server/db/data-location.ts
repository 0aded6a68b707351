// Where the embedded cluster lives, and as whom it runs.
//
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user, which must be able to
// enter every directory above its data. A checkout in root's home (/root is 0700) is out of its reach: the
// cluster then goes to a postgres-owned folder under /var/lib/cme-platform, one per DATA_DIR, while the app's own
// files (superuser password, session secret) stay in DATA_DIR. Not root: the cluster is always in DATA_DIR.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StartError } from './start-error';

export const EXTERNAL_ROOT = '/var/lib/cme-platform';

export interface RunAs {
  uid: number;
  gid: number;
}

export interface ClusterPlan {
  /** The cluster's data directory (`postgres -D`). */
  clusterDir: string;
  /** True when a cluster is already there; false when one must be made. */
  exists: boolean;
  /** True when the cluster is outside DATA_DIR (root, DATA_DIR out of the postgres user's reach). */
  external: boolean;
}

const isCluster = (dir: string) => fs.existsSync(path.join(dir, 'PG_VERSION'));

/** The postgres system user's ids, creating the user as the library did when it is missing (root only). */
export function postgresUser(): RunAs {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    // No such user: make a system account without a login.
  }
  try {
    const quiet = { stdio: 'ignore' } as const;
    // The group may exist without the user (exit code 9 = already exists).
    const group = spawnSync('groupadd', ['--system', 'postgres'], quiet);
    if (group.error) throw group.error;
    if (group.status !== 0 && group.status !== 9) throw new Error(`groupadd exited with ${group.status}`);
    execFileSync(
      'useradd',
      ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      quiet,
    );
    return ids();
  } catch (error) {
    throw new StartError(
      `embedded PostgreSQL: cannot create the postgres system user to run it as (${(error as Error).message})`,
    );
  }
}

/**
 * The first directory on the way to `target` (itself included) that `user` cannot enter, or null.
 * Asked of the kernel as that user (ACLs, mounts and all), like the spawned server will be.
 */
export function blockedDirectory(target: string, user: RunAs): string | null {
  const dirs: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    if (fs.existsSync(dir)) dirs.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  const script = 'for d do [ -x "$d" ] || { printf %s "$d"; exit 1; }; done';
  const result = spawnSync('/bin/sh', ['-c', script, 'sh', ...dirs], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return result.status === 0 ? null : result.stdout || path.resolve(target);
}

/** The postgres-owned folder kept for this DATA_DIR outside it; two checkouts never share one. */
export function externalHome(dataDir: string, root = EXTERNAL_ROOT): string {
  const key = crypto.createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 16);
  return path.join(root, key);
}

/**
 * Chooses the cluster so that no existing data is abandoned: an existing cluster in `serverDir`, else an
 * existing one at the external location, else a new one in `serverDir` when the user can reach it, else a new
 * one at the external location. `serverDir` (DATA_DIR/postgres) and `dataDir` must exist.
 */
export function planCluster(
  serverDir: string,
  dataDir: string,
  user: RunAs | null,
  root = EXTERNAL_ROOT,
): ClusterPlan {
  const inside = path.join(serverDir, 'pgdata');
  if (!user) return { clusterDir: inside, exists: isCluster(inside), external: false };
  const blocked = blockedDirectory(serverDir, user);
  if (isCluster(inside)) {
    if (blocked) {
      throw new StartError(
        `DATA_DIR: the postgres user cannot enter ${blocked}, where the PostgreSQL data ${inside} lives (chmod o+x ${blocked})`,
      );
    }
    return { clusterDir: inside, exists: true, external: false };
  }
  const outside = path.join(externalHome(dataDir, root), 'pgdata');
  if (isCluster(outside)) return { clusterDir: outside, exists: true, external: true };
  return blocked
    ? { clusterDir: outside, exists: false, external: true }
    : { clusterDir: inside, exists: false, external: false };
}

/** Makes the external folder: root-owned /var/lib/cme-platform, then a postgres-only folder for this DATA_DIR. */
export function prepareExternalHome(clusterDir: string, dataDir: string, user: RunAs): void {
  const home = path.dirname(clusterDir);
  const root = path.dirname(home);
  try {
    fs.mkdirSync(root, { recursive: true, mode: 0o755 });
    fs.chmodSync(root, 0o755);
    fs.mkdirSync(home, { recursive: true });
    fs.chownSync(home, user.uid, user.gid);
    fs.chmodSync(home, 0o700);
    // Says whose cluster this is, for whoever looks in /var/lib/cme-platform.
    fs.writeFileSync(path.join(home, 'data-dir.txt'), `${fs.realpathSync(dataDir)}\n`);
  } catch (error) {
    throw new StartError(
      `DATA_DIR is out of the postgres user's reach and ${home} cannot be made for its PostgreSQL data: ${(error as Error).message}`,
    );
  }
}
