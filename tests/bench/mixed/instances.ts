// App processes for the mixed load and the soak: `node dist/server/main.js` as `npm start` runs it (built first by
// the same build step), NODE_ENV=production, on one database, sharing the bench's session secret. Not tsx: tsx
// SIGKILLs a busy child 30 ms after relaying SIGTERM, and it would add its own process between us and the app's RSS.
//
// Each process's pool connections carry application_name = its name (PGAPPNAME, read by node-postgres), so
// pg_stat_activity tells the instances apart without anything new in the product. Logs: warnings and errors only
// (a request log per request to a pipe would measure the pipe); the lines are kept, capped, for the report.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../server/db/embedded';
import { PRODUCTION_NODE } from '../../main/app-process';
import type { Cleanup } from '../cleanup';

export interface AppInstance {
  /** Also its application_name in pg_stat_activity. */
  name: string;
  url: string;
  /** node itself (no wrapper): /proc/<pid>/status is the app's memory. */
  pid: number;
  /** Warning and error log lines so far: counted, and by kind (message, status, error) with the first line. */
  log: { counts: { warn: number; error: number }; kinds: Map<string, { count: number; first: string }> };
  stderr(): string;
}

export interface InstanceOptions {
  projectRoot: string;
  databaseUrl: string;
  sessionSecret: string;
  cleanup: Cleanup;
  /** Extra environment (overrides the defaults below). */
  env?: Record<string, string>;
}

const KEPT_KINDS = 100;

/** Limits a load from one machine would hit at once, raised as an operator would for a rollout day. */
export const loadEnvironment: Record<string, string> = {
  REGISTRATIONS_PER_IP_PER_HOUR: '100000',
  LOGINS_PER_IP_PER_15_MINUTES: '100000',
  // The verification limit (120/min per network, in memory, server/auth/throttle.ts) has no setting: the load
  // spreads verifications over X-Forwarded-For addresses, which the app believes behind one proxy.
  TRUST_PROXY: '1',
  LOG_LEVEL: 'warn',
};

let built = false;

/** The build step of `npm start` (a no-op when dist/ is current), once per run. */
export function buildOnce(projectRoot: string): void {
  if (built) return;
  execFileSync(process.execPath, [path.join('server', 'cli', 'build-if-changed.mjs')], {
    cwd: projectRoot,
    stdio: 'ignore',
  });
  built = true;
}

interface LogRecord {
  level: number;
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  err?: { type?: string; code?: string; message?: string };
}

/** What a warning or error line says, without what differs from one request to the next (ids, times, urls). */
function logKey(record: LogRecord): string {
  const level = record.level >= 50 ? 'error' : 'warn';
  const status = record.res?.statusCode ? ` ${record.res.statusCode}` : '';
  const method = record.req?.method ? ` (${record.req.method})` : '';
  const err = record.err
    ? `: ${record.err.type ?? ''} ${record.err.code ?? ''} ${(record.err.message ?? '').replace(/\s+/g, ' ').slice(0, 200)}`
    : '';
  return `${level} "${record.msg ?? ''}"${status}${method}${err}`;
}

/** Counts pino's warn (40) and error/fatal (50, 60) lines by what they say, keeping the first line of each. */
function watchLog(stream: NodeJS.ReadableStream, log: AppInstance['log']): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!/"level":(?:40|50|60)\b/.test(line)) continue;
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        continue;
      }
      const key = logKey(record);
      const seen = log.kinds.get(key);
      if (seen) seen.count++;
      else if (log.kinds.size < KEPT_KINDS) log.kinds.set(key, { count: 1, first: line });
      if (record.level >= 50) log.counts.error++;
      else log.counts.warn++;
    }
  });
}

/** Starts one instance and waits for /readyz; stopped at cleanup (SIGTERM, SIGKILL after 15 s). */
export async function startInstance(name: string, options: InstanceOptions): Promise<AppInstance> {
  buildOnce(options.projectRoot);
  const port = await freePort();
  // Unused with DATABASE_URL, but never the checkout's .data/.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-bench-mixed-'));
  const child = spawn(process.execPath, [...PRODUCTION_NODE.args, path.join('dist', 'server', 'main.js')], {
    cwd: options.projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      ...PRODUCTION_NODE.env,
      NODE_ENV: 'production',
      DATABASE_URL: options.databaseUrl,
      SESSION_SECRET: options.sessionSecret,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PGAPPNAME: name,
      ...loadEnvironment,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: AppInstance['log'] = { counts: { warn: 0, error: 0 }, kinds: new Map() };
  watchLog(child.stdout, log);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  options.cleanup.add(`stop the app process ${name}`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 120_000; ;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`app process ${name} exited (${child.exitCode ?? child.signalCode}):\n${stderr}`);
    const ready = await fetch(`${url}/readyz`).then(
      async (response) => (await response.arrayBuffer(), response.status === 200),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`app process ${name} was not ready within 120 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name, url, pid: child.pid!, log, stderr: () => stderr };
}

/** The instance's warnings and errors by kind, most frequent first, with the first line of the three commonest. */
export function logSummary(instance: AppInstance): string[] {
  const { counts, kinds } = instance.log;
  const sorted = [...kinds].sort((a, b) => b[1].count - a[1].count);
  return [
    `${instance.name}: ${counts.error} error and ${counts.warn} warning log lines` +
      (counts.error + counts.warn > 0 ? ', by kind:' : ''),
    ...sorted.map(([key, { count }]) => `  ${count}× ${key}`),
    ...sorted.slice(0, 3).map(([, { first }]) => `  e.g. ${first.slice(0, 800)}`),
  ];
}
