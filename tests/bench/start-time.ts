// `npm run bench:start`: how long `npm start` takes to be ready, beside the embedded PostgreSQL's own start,
// measured in the same run on the same machine:
//   (a) baseline: a start of an already initialised embedded PostgreSQL cluster (no initdb), median of 3;
//   (b) first start: `npm start` in a copy of this checkout with no dist/ (as after a clone and `npm ci`: esbuild from
//       scratch), on an empty DATA_DIR (initdb, every migration);
//   (c) restart: `npm start` again on the same copy and DATA_DIR (nothing to build, nothing to migrate).
// Ready is the app's `listening on` log line (then /readyz must answer 200). Each start is broken down into steps by
// the arrival time of its log lines. Targets: restart ≤ 3 s, first start ≤ 10 s. Exits 1 only when a start
// fails; a missed target is printed, never a failure.
//
// The copy (git's files of this checkout, plus server/generated, with node_modules linked) keeps the checkout's own
// dist/ untouched while others use it. BENCH_KEEP=1 keeps the copy and the logs, and prints where.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../server/db/embedded';
import { processesMentioning } from '../main/app-process';

const projectRoot = path.resolve(__dirname, '..', '..');
const TARGETS = { firstStart: 10, restart: 3 };

/** A pino record: `msg` is always a string; the other fields vary by line. */
interface LogRecord {
  msg?: string;
  [field: string]: unknown;
}

interface Line {
  at: number;
  text: string;
  log?: LogRecord;
}

interface StartRun {
  readyMs: number;
  lines: Line[];
  spawnedAt: number;
}

class StartFailed extends Error {}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** This checkout's files as git knows them (tracked and new, not ignored), plus the generated Prisma client. */
function copyProject(target: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: projectRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = listed
    .split('\0')
    .filter((file) => file && !file.startsWith('tests/') && !file.startsWith('node_modules'));
  for (const file of files) {
    const from = path.join(projectRoot, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet in git
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(from, path.join(target, file));
  }
  // What `npm ci` leaves: node_modules, and server/generated from its postinstall (`prisma generate`).
  fs.cpSync(path.join(projectRoot, 'server', 'generated'), path.join(target, 'server', 'generated'), {
    recursive: true,
  });
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(target, 'node_modules'));
}

/** Runs `npm start` in `root` until it listens, checks /readyz, then stops it with SIGTERM and waits for its exit. */
async function npmStart(root: string, dataDir: string, label: string, logFile: string): Promise<StartRun> {
  const spawnedAt = Date.now();
  // Its own process group: SIGTERM reaches npm, the shell and the app at once, as a Ctrl-C in a terminal does.
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      // debug: PostgreSQL's own lines mark when the app's modules are loaded and the cluster is being started.
      LOG_LEVEL: 'debug',
    },
  });
  const lines: Line[] = [];
  let pending = '';
  let stderr = '';
  const output = fs.createWriteStream(logFile);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const at = Date.now();
    output.write(chunk);
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const text of parts.filter((part) => part.trim())) {
      let log: LogRecord | undefined;
      try {
        log = JSON.parse(text) as LogRecord;
      } catch {
        log = undefined;
      }
      lines.push({ at, text, log });
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.write(chunk);
    stderr += chunk;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 30_000);
    await closed;
    clearTimeout(timer);
    output.end();
  };
  stopping.add(stop);

  try {
    const readyAt = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const line = lines.find((l) => /^listening on http:\/\/localhost:\d+$/.test(l.log?.msg ?? ''));
        if (line) done(() => resolve(line.at));
        else if (Date.now() - spawnedAt > 180_000)
          done(() => reject(new StartFailed(`${label}: not ready within 180 s`)));
      }, 20);
      void closed.then((code) =>
        done(() =>
          reject(new StartFailed(`${label}: npm start exited (${code}) before listening:\n${stderr.trim()}`)),
        ),
      );
      let settled = false;
      function done(settle: () => void) {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        settle();
      }
    });
    const listening = lines.find((l) => (l.log?.msg ?? '').startsWith('listening on'))!;
    const port = /:(\d+)$/.exec(String(listening.log!.msg))![1];
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (ready.status !== 200)
      throw new StartFailed(`${label}: /readyz answered ${ready.status}: ${await ready.text()}`);
    return { readyMs: readyAt - spawnedAt, lines, spawnedAt };
  } finally {
    await stop();
    stopping.delete(stop);
  }
}

/** The start's steps, from the arrival of the log lines that end them. */
function steps(run: StartRun): string[][] {
  const find = (test: (line: Line) => boolean) => run.lines.find(test);
  const msg = (line: Line) => line.log?.msg ?? '';
  const marks: [string, Line | undefined][] = [
    [
      'build (esbuild, or the up-to-date check)',
      find((l) => /^build: (compiled|dist\/ is up to date)/.test(l.text)),
    ],
    ['node start, modules loaded', find((l) => l.log?.postgres !== undefined)],
    ['PostgreSQL (initdb when new) + start', find((l) => msg(l) === 'database ready')],
    ['migrations (check, deploy if pending)', find((l) => msg(l) === 'migrations applied')],
    ['content sync', find((l) => msg(l) === 'content synced')],
    ['app built, listening', find((l) => msg(l).startsWith('listening on'))],
  ];
  const rows: string[][] = [];
  let previous = run.spawnedAt;
  for (const [name, line] of marks) {
    if (!line) {
      rows.push([name, '?', '']);
      continue;
    }
    rows.push([name, seconds(line.at - previous), seconds(line.at - run.spawnedAt)]);
    previous = line.at;
  }
  const migrated = find((l) => msg(l) === 'migrations applied')?.log?.applied;
  if (Array.isArray(migrated)) rows[3]![0] += ` [${migrated.length} applied]`;
  return rows;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const stopping = new Set<() => Promise<void>>();

async function main(work: string): Promise<number> {
  const cpus = os.cpus();
  console.log(`node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}`);
  const loadAtStart = os.loadavg()[0]!.toFixed(2);

  // (a) The cluster start alone: initialise once (not timed), then time three starts of the prepared cluster.
  const baselineDir = path.join(work, 'baseline');
  await (await startEmbeddedPostgres(baselineDir)).stop();
  const baselineRuns: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const started = Date.now();
    const cluster = await startEmbeddedPostgres(baselineDir);
    baselineRuns.push(Date.now() - started);
    await cluster.stop();
  }
  const baseline = median(baselineRuns);
  console.log(`(a) embedded PostgreSQL start: ${baselineRuns.map(seconds).join(', ')}`);

  // (b) and (c) on a copy of the checkout with no dist/, and an empty DATA_DIR.
  const app = path.join(work, 'app');
  copyProject(app);
  fs.rmSync(path.join(app, 'dist'), { recursive: true, force: true });
  const dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir);
  const first = await npmStart(app, dataDir, 'first start', path.join(work, 'first-start.log'));
  console.log(`(b) first start: ready in ${seconds(first.readyMs)}`);
  const restart = await npmStart(app, dataDir, 'restart', path.join(work, 'restart.log'));
  console.log(`(c) restart: ready in ${seconds(restart.readyMs)}\n`);

  const ratio = (ms: number) => `${(ms / baseline).toFixed(1)} ×`;
  const verdict = (ms: number, target: number) =>
    [`≤ ${target} s`, ms <= target * 1000 ? 'met' : 'below target'] as const;
  console.log(
    table(
      ['start', 'ready in', 'ratio to (a)', 'target', ''],
      [
        ['(a) embedded PostgreSQL, cluster start only', seconds(baseline), ratio(baseline), '', ''],
        [
          '(b) first start: clean dist/, empty DATA_DIR',
          seconds(first.readyMs),
          ratio(first.readyMs),
          ...verdict(first.readyMs, TARGETS.firstStart),
        ],
        [
          '(c) restart with existing data',
          seconds(restart.readyMs),
          ratio(restart.readyMs),
          ...verdict(restart.readyMs, TARGETS.restart),
        ],
      ],
    ),
  );
  for (const [name, run] of [
    ['(b) first start', first],
    ['(c) restart', restart],
  ] as const) {
    console.log(`\n${name}, step by step (from the arrival of the log line ending each step)`);
    console.log(table(['step', 'took', 'since npm start'], steps(run)));
  }
  console.log(`\nload average (1 min): ${loadAtStart} at start, ${os.loadavg()[0]!.toFixed(2)} at the end`);
  return 0;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-bench-start-'));
// Run as root, the embedded PostgreSQL runs as `postgres`, which must be able to enter the folders below.
fs.chmodSync(work, 0o755);
const keep = process.env.BENCH_KEEP === '1';

async function cleanUp(): Promise<void> {
  await Promise.all([...stopping].map((stop) => stop()));
  for (const pid of await processesMentioning(work)) {
    try {
      process.kill(pid, 'SIGKILL'); // a PostgreSQL of ours that its app could not stop
    } catch {
      // gone meanwhile
    }
  }
  if (keep) console.log(`kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the starts in progress`);
    void cleanUp().then(() => process.exit(130));
  });
}

// Not awaited: this is the top level of a CommonJS script. main's failures end in the .catch; a failing clean-up
// stays an unhandled rejection, which Node prints and exits 1 on.
void main(work)
  .catch((error: unknown) => {
    console.error(error instanceof StartFailed ? `start failed: ${error.message}` : error);
    return 1;
  })
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  });
