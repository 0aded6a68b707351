// Makes a new cluster with initdb, all or nothing: initdb writes into a temporary sibling directory, renamed into
// place only when it succeeded. A failed first start (full disk, killed half-way) leaves nothing that the next
// start would mistake for a cluster, so it simply starts again once the cause is fixed.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RunAs } from './data-location';
import { fsReason, StartError } from './start-error';

const STAGING_PREFIX = '.initdb-';

/** The environment of initdb and postgres: nothing of ours (secrets) leaks, messages stay in English. */
export function postgresEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

const diskFull = (text: string) => /No space left on device|ENOSPC|Disk quota exceeded/i.test(text);

function diskFullError(clusterDir: string): StartError {
  return new StartError(
    `DATA_DIR: the disk is full (No space left on device) while initialising PostgreSQL in ${clusterDir}; free some space and start again`,
  );
}

/**
 * Initialises `clusterDir` (which must not hold a cluster) with `password` for the `postgres` superuser.
 * As root the files belong to `user`, who runs initdb.
 */
export async function initialiseCluster(options: {
  initdb: string;
  clusterDir: string;
  password: string;
  user: RunAs | null;
  log: (line: string) => void;
}): Promise<void> {
  const { clusterDir, user } = options;
  const parent = path.dirname(clusterDir);
  // Leftovers of an interrupted initialisation, and a data directory that never became a cluster.
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(STAGING_PREFIX))
      fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  fs.rmSync(clusterDir, { recursive: true, force: true });

  const staging = path.join(parent, `${STAGING_PREFIX}${crypto.randomBytes(4).toString('hex')}`);
  const target = path.join(staging, 'pgdata');
  const pwfile = path.join(staging, 'password');
  try {
    try {
      fs.mkdirSync(staging, { mode: 0o700 });
      fs.writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
      if (user) {
        fs.chownSync(staging, user.uid, user.gid);
        fs.chownSync(pwfile, user.uid, user.gid);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw diskFullError(clusterDir);
      throw new StartError(`DATA_DIR: cannot write in ${parent}: ${fsReason(error)}`);
    }
    const output = await run(
      options.initdb,
      [
        `--pgdata=${target}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      user,
      options.log,
    );
    if (output.code !== 0) {
      if (diskFull(output.text)) throw diskFullError(clusterDir);
      const last = output.text.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${output.code}`;
      throw new StartError(`embedded PostgreSQL: initdb failed in ${parent}: ${last}`);
    }
    fs.rmSync(pwfile);
    fs.renameSync(target, clusterDir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function run(
  command: string,
  args: string[],
  user: RunAs | null,
  log: (line: string) => void,
): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: '/',
      env: postgresEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ?? {}),
    });
    let text = '';
    const collect = (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      text += message;
      for (const line of message.split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, text }));
  });
}
