// The app outlives its embedded PostgreSQL: a killed postmaster is restarted on the same port without restarting
// the app, and a shutdown with a PostgreSQL that no longer answers still ends on time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Browser,
  clusterDirOf,
  exitWithin,
  killAll,
  killPids,
  listening,
  postmasterPid,
  processesMentioning,
  start,
  type Started,
} from './app-process';

const GRACE_SECONDS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The port PostgreSQL listens on: the fourth line of postmaster.pid. */
const postmasterPort = (clusterDir: string) =>
  Number(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3]);

/** The postmaster's children (its backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('server/main.ts when its embedded PostgreSQL dies or hangs', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-supervision-'));
  fs.chmodSync(dataDir, 0o755); // as root, the postgres user must be able to enter it
  const admin = { email: 'first.admin@example.org', password: 'correct horse battery staple' };
  let server: Started;
  let browser: Browser;
  let clusterDir: string;
  /** Processes this test froze; killed at the end whatever happens. */
  const frozen: number[] = [];

  beforeAll(async () => {
    server = start({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
      SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    });
    browser = new Browser(await listening(server));
    clusterDir = clusterDirOf(server);
    expect(await browser.signIn(admin.email, admin.password)).toBe(302);
  }, 95_000);

  afterAll(async () => {
    killPids(frozen);
    await killAll(server, dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('when the postmaster is killed with SIGKILL, then the app restarts it on the same port: /readyz is 200 again within 30 s and a signed-in page works', async () => {
    expect(await browser.accountStatus()).toBe(200);
    const killed = postmasterPid(clusterDir);
    const port = postmasterPort(clusterDir);
    const logsBefore = server.logs.length;
    process.kill(killed, 'SIGKILL');

    // Meanwhile requests may be answered 503; the app itself is never restarted.
    const deadline = Date.now() + 30_000;
    let ready = 0;
    let account = 0;
    while (Date.now() < deadline && (ready !== 200 || account !== 200)) {
      await sleep(200);
      ready = await fetch(`${browser.baseUrl}/readyz`).then(
        (response) => response.status,
        () => 0,
      );
      if (ready === 200) account = await browser.accountStatus();
    }
    expect({ ready, account }).toEqual({ ready: 200, account: 200 });
    expect(server.child.exitCode).toBeNull();
    const logs = server.logs.slice(logsBefore);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        signal: 'SIGKILL',
        msg: 'embedded PostgreSQL exited unexpectedly; restarting it',
      }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ level: 30, msg: 'embedded PostgreSQL restarted' }));
    expect(postmasterPid(clusterDir)).not.toBe(killed);
    expect(postmasterPort(clusterDir)).toBe(port);
  }, 45_000);

  it('when sent SIGTERM while every PostgreSQL process is frozen (SIGSTOP) and a request waits on it, then it still logs stopped and exits 0 within SHUTDOWN_GRACE_SECONDS', async () => {
    const postmaster = postmasterPid(clusterDir);
    // The postmaster first, so that it forks nothing new while its children are being frozen.
    frozen.push(postmaster);
    process.kill(postmaster, 'SIGSTOP');
    for (const pid of childrenOf(postmaster)) {
      frozen.push(pid);
      process.kill(pid, 'SIGSTOP');
    }
    // A signed-in request reads its session from the database: it may wait for an answer that never comes
    // (or be answered 503 at once if the app already knows the database is unreachable); either way it ends.
    const waiting = browser.fetch('/account').then(
      (response) => response.status,
      () => 'connection closed',
    );
    await sleep(300);

    server.child.kill('SIGTERM');
    const exit = await exitWithin(server, (GRACE_SECONDS + 2) * 1000);
    const stderr = exit?.code === 0 ? '' : server.stderr();
    expect({ exit, stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'stopped' }));
    expect(server.logs).toContainEqual(
      expect.objectContaining({ msg: 'embedded PostgreSQL did not stop in time; killing it' }),
    );
    expect(await waiting).not.toBe(200);
    expect(await processesMentioning(clusterDir)).toEqual([]);
  }, 30_000);
});
