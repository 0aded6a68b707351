// The real entry point, end to end: server/main.ts in a child process with no DATABASE_URL, so it starts its
// embedded PostgreSQL, migrates, syncs content, serves, and on SIGTERM stops everything it started.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const projectRoot = path.resolve(__dirname, '..', '..');
const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

interface Started {
  child: ChildProcess;
  /** pino's JSON lines, parsed; other stdout lines as { raw }. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(env: Record<string, string>): Started {
  // A minimal environment: nothing from this shell (DATABASE_URL above all) leaks into the child.
  const child = spawn(tsx, ['server/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, logs, stderr: () => stderr, exited };
}

/** Resolves with the first log line matching, rejects when the process exits first or time runs out. */
function waitForLog(started: Started, pattern: RegExp, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const found = () => started.logs.find((log) => pattern.test(String(log.msg ?? log.raw ?? '')));
    const timer = setInterval(() => {
      const log = found();
      if (log) return done(() => resolve(log));
    }, 50);
    const timeout = setTimeout(
      () =>
        done(() => reject(new Error(`no log line ${pattern} within ${timeoutMs} ms:\n${started.stderr()}`))),
      timeoutMs,
    );
    void started.exited.then(({ code, signal }) => {
      const log = found();
      done(() =>
        log
          ? resolve(log)
          : reject(new Error(`exited (${code ?? signal}) before ${pattern}:\n${started.stderr()}`)),
      );
    });
    function done(settle: () => void) {
      clearInterval(timer);
      clearTimeout(timeout);
      settle();
    }
  });
}

/** Settles with the exit, or with null when the process is still running after `ms`. */
async function exitWithin(started: Started, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([started.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** PIDs of processes whose command line mentions `text` (the embedded server's is `postgres -D <dir>/…`). */
async function processesMentioning(text: string): Promise<number[]> {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-f', text]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch (error) {
    if ((error as { code?: number }).code === 1) return []; // pgrep: nothing matched
    throw error;
  }
}

function makeDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-startup-'));
  // Run as root, the embedded PostgreSQL runs as the `postgres` user, which must be able to enter this directory.
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe('server/main.ts with no DATABASE_URL', () => {
  const dataDir = makeDataDir();
  let server: Started;
  let baseUrl: string;

  beforeAll(async () => {
    server = start({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
    });
    const listening = await waitForLog(server, /^listening on http:\/\/localhost:\d+$/, 90_000);
    baseUrl = `http://127.0.0.1:${/:(\d+)$/.exec(String(listening.msg))![1]}`;
  }, 95_000);

  afterAll(async () => {
    if (server?.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    for (const pid of await processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('when started, then it runs its embedded PostgreSQL in DATA_DIR, applies the migrations and syncs content', async () => {
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'database ready', embedded: true }));
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'pgdata', 'PG_VERSION'))).toBe(true);
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
