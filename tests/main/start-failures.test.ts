// A start that cannot succeed says why in one line naming the setting at fault, exits non-zero, stops the
// embedded PostgreSQL it may have started, and leaves nothing that would stop the next start once fixed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  exitWithin,
  isRoot,
  killAll,
  listening,
  processesMentioning,
  start,
  waitForLog,
  type Started,
} from './app-process';

const base = { HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' };

/** The one fatal line of a failed start: a pino record with a message only, and no stack trace anywhere. */
async function failureLine(started: Started, timeoutMs: number): Promise<string> {
  const exit = await exitWithin(started, timeoutMs);
  if (exit === null) started.child.kill('SIGKILL');
  expect(exit?.code).not.toBe(0);
  expect(exit?.code).not.toBeNull();
  const fatal = started.logs.filter((log) => log.level === 60);
  expect(fatal).toHaveLength(1);
  expect(fatal[0]).not.toHaveProperty('err');
  expect(started.stderr()).not.toMatch(/^\s+at /m);
  const line = String(fatal[0]!.msg);
  expect(line).not.toContain('\n');
  return line;
}

function occupiedPort(): Promise<net.Server> {
  return new Promise((resolve) => {
    const blocker = net.createServer();
    blocker.listen(0, '127.0.0.1', () => resolve(blocker));
  });
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe('server/main.ts when the start cannot succeed', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-start-failures-'));
  fs.chmodSync(tmp, 0o755); // as root, the postgres user must be able to enter it
  const started: Started[] = [];
  const run = (env: Record<string, string>) => {
    const app = start({ ...base, ...env });
    started.push(app);
    return app;
  };

  afterAll(async () => {
    for (const app of started) await killAll(app, tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('when PORT is in use before the start, then it exits at once with one line naming PORT', async () => {
    const blocker = await occupiedPort();
    const dataDir = path.join(tmp, 'port-taken-before');
    try {
      const line = await failureLine(run({ PORT: String(portOf(blocker)), DATA_DIR: dataDir }), 20_000);
      expect(line).toBe(`PORT ${portOf(blocker)} is already in use; set PORT to a free port`);
    } finally {
      blocker.close();
    }
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  }, 30_000);

  it('when PORT is taken while it starts, then it stops its PostgreSQL and exits with one line naming PORT', async () => {
    const dataDir = path.join(tmp, 'port-taken-during');
    const blocker = net.createServer();
    // A free port now, taken once PostgreSQL runs (the port check is done by then, the listen not yet).
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => {
        const { port } = blocker.address() as net.AddressInfo;
        blocker.close(() => resolve(port));
      }),
    );
    const app = run({ PORT: String(port), DATA_DIR: dataDir });
    try {
      await waitForLog(app, /^database ready$/, 90_000);
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      expect(await failureLine(app, 90_000)).toBe(`PORT ${port} is already in use; set PORT to a free port`);
    } finally {
      blocker.close();
    }
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 120_000);

  it('when DATA_DIR cannot be created (a parent is a regular file), then it exits with one line naming DATA_DIR, the path and why', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const dataDir = path.join(file, 'data');
    const line = await failureLine(run({ PORT: '0', DATA_DIR: dataDir }), 20_000);
    expect(line).toMatch(/^DATA_DIR: /);
    expect(line).toContain(dataDir);
    expect(line).toMatch(/not a directory \(ENOTDIR\)/);
  }, 30_000);

  it('when ADMIN_PASSWORD is too common, then it exits with one line naming ADMIN_PASSWORD before starting PostgreSQL', async () => {
    const dataDir = path.join(tmp, 'common-password');
    const app = run({
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_EMAIL: 'a@example.org',
      ADMIN_PASSWORD: 'password1234',
    });
    expect(await failureLine(app, 20_000)).toMatch(/^ADMIN_PASSWORD: .*too common/);
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  }, 30_000);

  describe('on a full disk', () => {
    const disk = path.join(tmp, 'disk');
    let mounted = false;

    beforeAll(() => {
      if (!isRoot) return;
      fs.mkdirSync(disk);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', disk], { stdio: 'pipe' });
        mounted = true;
      } catch (error) {
        console.warn(`SKIPPED full-disk test: cannot mount a tmpfs (${(error as Error).message.trim()})`);
      }
    });

    afterAll(async () => {
      for (const app of started) await killAll(app, disk);
      if (mounted) execFileSync('umount', [disk]);
    }, 30_000);

    it('when the disk fills up during initdb, then it says so in one line, leaves no half cluster, and starts once there is space', async () => {
      if (!mounted) {
        if (!isRoot) console.warn('SKIPPED full-disk test: mounting a tmpfs needs root');
        return;
      }
      const dataDir = path.join(disk, 'data');
      const line = await failureLine(run({ PORT: '0', DATA_DIR: dataDir }), 60_000);
      expect(line).toMatch(/^DATA_DIR: the disk is full \(No space left on device\)/);
      expect(line).toContain(dataDir);
      const serverDir = path.join(dataDir, 'postgres');
      expect(fs.readdirSync(serverDir).filter((name) => name !== 'superuser-password')).toEqual([]);
      expect(await processesMentioning(disk)).toEqual([]);

      execFileSync('mount', ['-o', 'remount,size=256m', disk]);
      const app = run({ PORT: '0', DATA_DIR: dataDir });
      const baseUrl = await listening(app);
      expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
      app.child.kill('SIGTERM');
      expect(await exitWithin(app, 20_000)).toEqual({ code: 0, signal: null });
    }, 150_000);
  });
});
