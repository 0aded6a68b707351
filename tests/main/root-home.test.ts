// Issue 13: as root, a checkout in a home directory that others cannot enter (/root is 0700) still starts.
// PostgreSQL runs as the postgres user, who cannot reach DATA_DIR (nor node_modules) there: the cluster goes to a
// postgres-owned folder under /var/lib/cme-platform, the binaries are copied there, the app's own files stay in
// DATA_DIR, and a second start finds the same data.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Browser,
  clusterDirOf,
  exitWithin,
  isRoot,
  killAll,
  listening,
  processesMentioning,
  projectRoot,
  start,
  type Started,
} from './app-process';

const EXTERNAL_ROOT = '/var/lib/cme-platform';

const mountedAt = (dir: string) =>
  fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir);

(isRoot ? describe : describe.skip)(
  'server/main.ts run by root from a home directory others cannot enter',
  () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-root-home-')); // mode 0700, like /root
    const checkout = path.join(home, 'cme');
    const dataDir = path.join(home, 'cme-data');
    const admin = { email: 'first.admin@example.org', password: 'correct horse battery staple' };
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      NODE_ENV: 'production',
    };
    let root = projectRoot;
    let external = '';
    const apps: Started[] = [];

    beforeAll(() => {
      expect(fs.statSync(home).mode & 0o777).toBe(0o700);
      fs.mkdirSync(checkout);
      // This checkout, seen (read-only) from inside the home directory, as `git clone … ~/cme` would put it.
      try {
        execFileSync('mount', ['--bind', '-o', 'ro', projectRoot, checkout], { stdio: 'pipe' });
        root = checkout;
      } catch (error) {
        console.warn(
          `root-home test: cannot bind-mount the checkout (${(error as Error).message.trim()}); running it from ${projectRoot}, so copying the binaries out of reach is not exercised`,
        );
      }
      fs.mkdirSync(dataDir);
      const key = crypto.createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 16);
      external = path.join(EXTERNAL_ROOT, key);
    });

    afterAll(async () => {
      for (const app of apps) await killAll(app, external);
      if (external) fs.rmSync(external, { recursive: true, force: true });
      if (mountedAt(checkout)) execFileSync('umount', [checkout]);
      // Never remove recursively through a mount: the checkout would go with it.
      if (mountedAt(checkout)) throw new Error(`${checkout} is still mounted; not removing ${home}`);
      fs.rmdirSync(checkout);
      fs.rmSync(home, { recursive: true, force: true });
    }, 30_000);

    it('when started, then the cluster lives in a postgres-owned folder outside the home, named in one log line, and the app files stay in DATA_DIR', async () => {
      const app = start({ ...env, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password }, root);
      apps.push(app);
      const browser = new Browser(await listening(app));
      const clusterDir = path.join(external, 'pgdata');
      expect(clusterDirOf(app)).toBe(clusterDir);
      expect((await fetch(`${browser.baseUrl}/readyz`)).status).toBe(200);

      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      expect(fs.statSync(external)).toMatchObject({ uid: postgresUid });
      expect(fs.statSync(external).mode & 0o777).toBe(0o700);
      expect(fs.existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'pgdata'))).toBe(false);
      expect(fs.statSync(path.join(dataDir, 'postgres', 'superuser-password')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dataDir, 'session-secret')).mode & 0o777).toBe(0o600);
      if (root === checkout) {
        // The postgres user cannot reach node_modules in the home directory: it runs a copy of the binaries.
        const [running] = await processesMentioning(clusterDir);
        const command = fs.readFileSync(`/proc/${running}/cmdline`, 'utf8').split('\0')[0]!;
        expect(command.startsWith(`${EXTERNAL_ROOT}/`)).toBe(true);
      }

      expect(await browser.signIn(admin.email, admin.password)).toBe(302);
      app.child.kill('SIGTERM');
      expect(await exitWithin(app, 20_000)).toEqual({ code: 0, signal: null });
      expect(await processesMentioning(clusterDir)).toEqual([]);
    }, 120_000);

    it('when started again, then it finds the same cluster and the admin made by the first start signs in', async () => {
      const app = start(env, root);
      apps.push(app);
      const browser = new Browser(await listening(app));
      expect(clusterDirOf(app)).toBe(path.join(external, 'pgdata'));
      expect(app.logs).not.toContainEqual(
        expect.objectContaining({ msg: 'first admin created from ADMIN_EMAIL' }),
      );
      expect(await browser.signIn(admin.email, 'not the password at all')).toBe(401);
      expect(await browser.signIn(admin.email, admin.password)).toBe(302);
      expect(await browser.accountStatus()).toBe(200);
      app.child.kill('SIGTERM');
      expect(await exitWithin(app, 20_000)).toEqual({ code: 0, signal: null });
    }, 120_000);
  },
);

if (!isRoot) {
  console.warn(
    'SKIPPED tests/main/root-home.test.ts: it needs root (CI runs as root), where PostgreSQL runs as the postgres user',
  );
}
