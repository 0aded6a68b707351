// npm run db:backup / db:restore on the embedded default, around the real app (server/main.ts as a child process):
// a backup while it serves uses its running PostgreSQL; a restore is refused while it runs; stopped, both start
// the embedded PostgreSQL the way the app does and stop it afterwards; a backup restored into a new DATA_DIR is
// an installation the app starts on, with the same accounts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Browser,
  clusterDirOf,
  exitWithin,
  killAll,
  listening,
  postmasterPort,
  processesMentioning,
  start,
  type Started,
} from '../main/app-process';
import { runCli } from '../support/backup';

jest.setTimeout(240_000);

describe('db:backup and db:restore on the embedded PostgreSQL', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-backup-embedded-'));
  fs.chmodSync(home, 0o755); // as root, the postgres user must be able to enter it
  const dataDir = path.join(home, 'data');
  const newDataDir = path.join(home, 'new-data');
  const admin = { email: 'backup.admin@example.org', password: 'correct horse battery staple' };
  const second = { email: 'second.admin@example.org', password: 'another horse battery staple' };
  const running: Started[] = [];

  /** The app on `dir`; `firstAdmin` makes the admin on an empty database (ADMIN_EMAIL). */
  function app(dir: string, firstAdmin: boolean): Started {
    const started = start({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      DATA_DIR: dir,
      ...(firstAdmin ? { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } : {}),
    });
    running.push(started);
    return started;
  }

  async function stop(started: Started): Promise<void> {
    started.child.kill('SIGTERM');
    expect(await exitWithin(started, 20_000)).toEqual({ code: 0, signal: null });
  }

  afterAll(async () => {
    for (const started of running) await killAll(started, home);
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('when backed up while serving and restored after a stop, then the data is the backup, in the same or a new DATA_DIR', async () => {
    const first = app(dataDir, true);
    const baseUrl = await listening(first);
    const clusterDir = clusterDirOf(first);
    expect(await new Browser(baseUrl).signIn(admin.email, admin.password)).toBe(302);

    // While the app serves: its own PostgreSQL, found through postmaster.pid.
    const whileServing = await runCli('db-backup', [], { DATA_DIR: dataDir });
    expect(whileServing.stderr).toContain(
      `backing up embedded PostgreSQL in ${clusterDir} (running, port ${postmasterPort(clusterDir)})`,
    );
    expect(whileServing.code).toBe(0);
    const file = /^backup written: (\S+) \(/.exec(whileServing.stdout)![1]!;
    expect(path.dirname(file)).toBe(path.join(dataDir, 'backups'));
    expect(path.basename(file)).toMatch(/^cme-\d{8}T\d{6}Z\.dump$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const refused = await runCli('db-restore', [file, '--yes'], { DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /the app is running on this database \(1 instance connected\); stop it before restoring/,
    );
    expect((await new Browser(baseUrl).fetch('/readyz')).status).toBe(200);
    await stop(first);

    // A change after the backup, through the product's own command.
    const created = await runCli('create-user', ['--email', second.email, '--role', 'admin'], {
      DATA_DIR: dataDir,
      NEW_USER_PASSWORD: second.password,
    });
    expect(created.code).toBe(0);

    const unconfirmed = await runCli('db-restore', [file], { DATA_DIR: dataDir });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/Run again with --yes/);

    // Stopped: the command starts the embedded PostgreSQL itself, and stops it afterwards.
    const restored = await runCli('db-restore', [file, '--yes'], { DATA_DIR: dataDir });
    expect(restored.stderr).toContain(`into embedded PostgreSQL in ${clusterDir} (started for this command)`);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/: 0 rows in credit_claims, 0 certificates, 1 users\n$/);
    expect(fs.existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(false);
    expect(await processesMentioning(clusterDir)).toEqual([]);

    const copy = path.join(home, 'copy.dump');
    const whileStopped = await runCli('db-backup', ['--out', copy], { DATA_DIR: dataDir });
    expect(whileStopped.stderr).toContain('(started for this command)');
    expect(whileStopped.code).toBe(0);
    expect(await processesMentioning(clusterDir)).toEqual([]);

    // A new machine: an empty DATA_DIR gets its cluster made, then the backup.
    const moved = await runCli('db-restore', [copy, '--yes'], { DATA_DIR: newDataDir });
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/1 users\n$/);
    const again = app(newDataDir, false); // no ADMIN_EMAIL: the admin who signs in comes from the backup
    const newUrl = await listening(again);
    expect(await new Browser(newUrl).signIn(admin.email, admin.password)).toBe(302);
    expect(await new Browser(newUrl).signIn(second.email, second.password)).not.toBe(302);
    await stop(again);
  });

  it('when DATA_DIR has no database yet, then db:backup says there is nothing to back up', async () => {
    const empty = await runCli('db-backup', [], { DATA_DIR: path.join(home, 'never-started') });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(
      /no embedded database in DATA_DIR .*never-started yet \(the app has not started there\): nothing to back up/,
    );
  });
});
