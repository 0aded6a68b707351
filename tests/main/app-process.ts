// server/main.ts as a real child process (through tsx), its parsed logs, and a cookie-keeping HTTP client.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as cheerio from 'cheerio';

export const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * How `npm start` and the Dockerfile run node (README, Deployment: memory), for the tests and benchmarks that start
 * `dist/server/main.js` themselves; tests/main/production-process.test.ts keeps the three in step.
 */
export const PRODUCTION_NODE = {
  args: ['--max-semi-space-size=8'],
  env: { MALLOC_ARENA_MAX: '2' },
} as const;

export interface Started {
  child: ChildProcess;
  /** pino's JSON lines, parsed; other stdout lines as { raw }. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts server/main.ts of `root` (this checkout unless told) with a minimal environment plus `env`. */
export function start(env: Record<string, string>, root = projectRoot): Started {
  return spawnApp(path.join(root, 'node_modules', '.bin', 'tsx'), ['server/main.ts'], env, root);
}

/**
 * Starts the compiled app as `npm start` runs it (`node dist/server/main.js`, built first if needed). Under load,
 * prefer this to start(): tsx relays SIGTERM to its child and SIGKILLs it when the busy child has not acknowledged
 * the signal within 30 ms, which no production process (run by node itself) would do.
 */
export function startCompiled(env: Record<string, string>): Started {
  execFileSync(process.execPath, [path.join('server', 'cli', 'build-if-changed.mjs')], {
    cwd: projectRoot,
    stdio: 'ignore',
  });
  return spawnApp(
    process.execPath,
    [...PRODUCTION_NODE.args, path.join('dist', 'server', 'main.js')],
    { ...PRODUCTION_NODE.env, ...env },
    projectRoot,
  );
}

function spawnApp(command: string, args: string[], env: Record<string, string>, root: string): Started {
  // Nothing from this shell (DATABASE_URL above all) leaks into the child.
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
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
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, logs, stderr: () => stderr, exited };
}

/** A log field as text: strings as they are, anything else as JSON (never "[object Object]"). */
export const logText = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);

const message = (log: Record<string, unknown>) => logText(log.msg ?? log.raw);

/** Resolves with the first log line matching, rejects when the process exits first or time runs out. */
export function waitForLog(
  started: Started,
  pattern: RegExp,
  timeoutMs: number,
  after = 0,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const found = () => started.logs.slice(after).find((log) => pattern.test(message(log)));
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

/** Waits for "listening on …" and returns the base URL. */
export async function listening(started: Started, timeoutMs = 90_000): Promise<string> {
  const log = await waitForLog(started, /^listening on http:\/\/localhost:\d+$/, timeoutMs);
  return `http://127.0.0.1:${/:(\d+)$/.exec(message(log))![1]}`;
}

/** The cluster directory from the start's one-line "embedded PostgreSQL data in <path>". */
export function clusterDirOf(started: Started): string {
  const line = started.logs.map(message).find((text) => text.startsWith('embedded PostgreSQL data in '));
  if (!line) throw new Error('no "embedded PostgreSQL data in" log line');
  return line.slice('embedded PostgreSQL data in '.length);
}

/** The running postmaster's pid: the first line of postmaster.pid. */
export const postmasterPid = (clusterDir: string) =>
  Number(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Settles with the exit, or with null when the process is still running after `ms`. */
export async function exitWithin(started: Started, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([started.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILLs each of these processes (started by the test) that still runs. */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills the app if it still runs (a failed test), and any PostgreSQL whose command line mentions `dir`. */
export async function killAll(started: Started | undefined, dir: string): Promise<void> {
  if (started && started.child.exitCode === null && started.child.signalCode === null) {
    started.child.kill('SIGKILL');
    await started.exited;
  }
  for (const pid of await processesMentioning(dir)) process.kill(pid, 'SIGKILL');
}

/** PIDs of processes whose command line mentions `text` (the embedded server's is `postgres -D <dir>/…`). */
export async function processesMentioning(text: string): Promise<number[]> {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-f', text]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch (error) {
    if ((error as { code?: number }).code === 1) return []; // pgrep: nothing matched
    throw error;
  }
}

export const isRoot = process.getuid?.() === 0;

/** A cookie-keeping client that signs in through the real /login form, as a browser does. */
export class Browser {
  cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  async fetch(pathname: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${this.baseUrl}${pathname}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  }

  /** GET /login for the form's _csrf token and the session cookie, then POST it; returns the POST's status. */
  async signIn(email: string, password: string): Promise<number> {
    const page = await this.fetch('/login');
    const csrf = cheerio
      .load(await page.text())('input[name=_csrf]')
      .attr('value');
    if (!csrf) throw new Error(`no _csrf on /login (status ${page.status})`);
    const response = await this.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** The status of the signed-in account page: 200 when signed in, a redirect to /login when not. */
  async accountStatus(): Promise<number> {
    const response = await this.fetch('/account');
    await response.arrayBuffer();
    return response.status;
  }
}

/** The port the embedded PostgreSQL listens on: the fourth line of postmaster.pid. */
export const postmasterPort = (clusterDir: string) =>
  Number(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3]);

/**
 * A superuser connection string to the app's embedded database (`cme`), for checks from the test process: the
 * password kept in DATA_DIR/postgres/superuser-password, the port from the running postmaster.pid.
 */
export function embeddedDatabaseUrl(dataDir: string, clusterDir: string, database = 'cme'): string {
  const password = fs.readFileSync(path.join(dataDir, 'postgres', 'superuser-password'), 'utf8').trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${postmasterPort(clusterDir)}/${database}`;
}

/** The value of a page's first _csrf field, or undefined. */
export const csrfTokenIn = (html: string): string | undefined =>
  cheerio.load(html)('input[name=_csrf]').first().attr('value');
