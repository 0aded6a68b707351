// The real entry point, end to end: server/main.ts in a child process with no DATABASE_URL, so it starts its
// embedded PostgreSQL, migrates, syncs content, serves, and on SIGTERM stops everything it started.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Browser,
  exitWithin,
  killAll,
  listening,
  processesMentioning,
  projectRoot,
  start,
  type Started,
} from './app-process';

function makeDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-startup-'));
  // Run as root, the embedded PostgreSQL runs as the `postgres` user, which must be able to enter this directory.
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe('server/main.ts with no DATABASE_URL', () => {
  const dataDir = makeDataDir();
  const admin = { email: 'first.admin@example.org', password: 'correct horse battery staple' };
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
  };
  const secretFile = path.join(dataDir, 'session-secret');
  let server: Started;
  let again: Started | undefined;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    server = start(env);
    baseUrl = await listening(server);
    browser = new Browser(baseUrl);
  }, 95_000);

  afterAll(async () => {
    await killAll(server, dataDir);
    await killAll(again, dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('when started, then it runs its embedded PostgreSQL in DATA_DIR, applies the migrations and syncs content', async () => {
    const clusterDir = path.join(dataDir, 'postgres', 'pgdata');
    expect(server.logs).toContainEqual(
      expect.objectContaining({ msg: `embedded PostgreSQL data in ${clusterDir}` }),
    );
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'database ready', embedded: true }));
    expect(fs.existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(await processesMentioning(dataDir)).not.toEqual([]);
    const migrations = fs
      .readdirSync(path.join(projectRoot, 'prisma', 'migrations'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory()).length;
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'migrations applied', migrations }));
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'content synced' }));
  });

  it('when listening, then /readyz answers 200 and / lists the activity', async () => {
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const home = await fetch(`${baseUrl}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Renal Leiomyosarcoma');
  });

  it('when SESSION_SECRET is not set, then a secret is kept in DATA_DIR/session-secret, readable by its owner only', async () => {
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(secretFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(server.logs).not.toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/SESSION_SECRET/) as unknown }),
    );
    expect(await browser.accountStatus()).toBe(302); // not signed in yet
    expect(await browser.signIn(admin.email, admin.password)).toBe(302);
    expect(await browser.accountStatus()).toBe(200);
  });

  it('when sent SIGTERM, then it logs stopped, exits 0 within 20 s and leaves no PostgreSQL running', async () => {
    server.child.kill('SIGTERM');
    const exit = await exitWithin(server, 20_000);
    // On failure the diff shows stderr, which says why the process ended as it did.
    const stderr = exit?.code === 0 ? '' : server.stderr();
    expect({ exit, stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'stopped' }));
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 30_000);

  it('when started again on the same DATA_DIR, then it reuses the secret and a session cookie from before still signs in', async () => {
    const secret = fs.readFileSync(secretFile, 'utf8');
    again = start(env);
    const signedIn = new Browser(await listening(again));
    signedIn.cookies = browser.cookies;
    expect(fs.readFileSync(secretFile, 'utf8')).toBe(secret);
    expect(await signedIn.accountStatus()).toBe(200);
    expect(await new Browser(signedIn.baseUrl).accountStatus()).toBe(302);
    again.child.kill('SIGTERM');
    expect(await exitWithin(again, 20_000)).toEqual({ code: 0, signal: null });
  }, 120_000);
});

describe('server/main.ts with a bad configuration', () => {
  const dataDir = makeDataDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('when PORT is not a number, then it exits non-zero naming PORT, before touching the database', async () => {
    const started = start({ PORT: 'notanumber', LOG_LEVEL: 'info', DATA_DIR: dataDir });
    const exit = await exitWithin(started, 20_000);
    if (exit === null) started.child.kill('SIGKILL');
    expect(exit?.code).not.toBe(0);
    expect(exit?.code).not.toBeNull();
    expect(started.stderr()).toMatch(/\bPORT\b/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  }, 30_000);
});
