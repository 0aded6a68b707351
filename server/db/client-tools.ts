// pg_dump and pg_restore of PostgreSQL 17, the embedded server's major version (pg_dump refuses a newer server;
// an older pg_restore cannot read a newer archive). Found, in this order: POSTGRES_CLIENT_DIR, the copy installed
// in .tools/, /usr/lib/postgresql/17/bin, PATH; otherwise installed once from Debian trixie (backup-debian.ts).
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkInstallable, ClientToolsError, DEFAULT_MIRROR, extractClientPackages } from './backup-debian';

export { ClientToolsError } from './backup-debian';

export const CLIENT_MAJOR = 17;

/** A program with the arguments that start it (the Debian copy runs through its own dynamic loader). */
export interface ClientTool {
  command: string;
  prefix: string[];
}

export interface ClientTools {
  pgDump: ClientTool;
  pgRestore: ClientTool;
  /** e.g. "pg_dump (PostgreSQL) 17.12 (Debian 17.12-0+deb13u1)". */
  version: string;
  /** Where they were found, for the output. */
  source: string;
}

export interface ClientToolsOptions {
  projectRoot: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/**
 * The environment of every client tool: libpq's own PG* settings (PGSSLMODE…, as node-postgres honours them for
 * the app) and nothing else of ours; messages in English.
 */
export function toolEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const libpq = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('PG')));
  return { ...libpq, PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...extra };
}

/** The major version a tool reports, or null when it does not run. */
function majorOf(tool: ClientTool): { major: number; line: string } | null {
  const run = spawnSync(tool.command, [...tool.prefix, '--version'], {
    encoding: 'utf8',
    env: toolEnvironment(),
    timeout: 10_000,
  });
  const line = run.stdout?.trim() ?? '';
  const match = /\(PostgreSQL\) (\d+)/.exec(line);
  return run.status === 0 && match ? { major: Number(match[1]), line } : null;
}

function pair(pgDump: ClientTool, pgRestore: ClientTool, source: string): ClientTools | null {
  const dump = majorOf(pgDump);
  const restore = majorOf(pgRestore);
  if (dump?.major !== CLIENT_MAJOR || restore?.major !== CLIENT_MAJOR) return null;
  return { pgDump, pgRestore, version: dump.line, source };
}

/** A tool in `dir`, or found on PATH when `dir` is empty. */
const direct = (dir: string, name: string): ClientTool => ({
  command: dir ? path.join(dir, name) : name,
  prefix: [],
});

/** Where a system install keeps them (Debian's and apt.postgresql.org's layout), then PATH. */
const SYSTEM_DIRS = [`/usr/lib/postgresql/${CLIENT_MAJOR}/bin`, ''];

/** The tools of an extracted Debian tree, started through its loader with its libraries only. */
export function debianTools(root: string): { pgDump: ClientTool; pgRestore: ClientTool } {
  const libs = path.join(root, 'usr/lib/x86_64-linux-gnu');
  const tool = (name: string): ClientTool => ({
    command: path.join(libs, 'ld-linux-x86-64.so.2'),
    prefix: ['--library-path', libs, path.join(root, 'usr/lib/postgresql/17/bin', name)],
  });
  return { pgDump: tool('pg_dump'), pgRestore: tool('pg_restore') };
}

/** Libraries a Debian tool would take from the host instead of its own tree (there must be none). */
function hostLibraries(tool: ClientTool, root: string): string[] {
  const [libraryPath, libs, program] = tool.prefix;
  const run = spawnSync(tool.command, [libraryPath!, libs!, '--list', program!], { encoding: 'utf8' });
  if (run.status !== 0) return [`(ld.so --list failed: ${run.stderr.trim()})`];
  return run.stdout
    .split('\n')
    .map((line) => /=>\s*(\S+)/.exec(line)?.[1])
    .filter((file): file is string => file !== undefined && !file.startsWith(root + path.sep));
}

/** The folder the Debian copy is installed in. */
export const toolsHome = (projectRoot: string) =>
  path.join(projectRoot, '.tools', `postgresql-client-${CLIENT_MAJOR}`);
const STAMP = 'installed.json';

/** Leftovers of installs killed half-way (over an hour old: not one running now). */
function removeStaleStaging(home: string): void {
  const parent = path.dirname(home);
  for (const entry of fs.readdirSync(parent)) {
    const file = path.join(parent, entry);
    if (
      entry.startsWith(`${path.basename(home)}.partial-`) &&
      Date.now() - fs.statSync(file).mtimeMs > 3_600_000
    ) {
      fs.rmSync(file, { recursive: true, force: true });
    }
  }
}

/**
 * Installs the Debian copy into `home`: extracted into a sibling temporary folder, checked (runs as version 17,
 * loads nothing from the host), then renamed into place with its stamp, so it is never half-installed.
 */
export async function installClientTools(
  home: string,
  options: { mirror?: string; log?: (message: string) => void } = {},
): Promise<void> {
  checkInstallable();
  const log = options.log ?? (() => {});
  const mirror = (options.mirror || DEFAULT_MIRROR).replace(/\/$/, '');
  fs.mkdirSync(path.dirname(home), { recursive: true });
  removeStaleStaging(home);
  const staging = `${home}.partial-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const started = Date.now();
  log(`installing pg_dump and pg_restore ${CLIENT_MAJOR} from Debian trixie into ${home} (once)`);
  try {
    fs.mkdirSync(path.join(staging, 'downloads'), { recursive: true });
    const root = path.join(staging, 'root');
    const installed = await extractClientPackages(root, path.join(staging, 'downloads'), log, mirror);
    fs.rmSync(path.join(staging, 'downloads'), { recursive: true });
    const tools = debianTools(root);
    for (const tool of [tools.pgDump, tools.pgRestore]) {
      const strays = hostLibraries(tool, root);
      if (strays.length > 0) {
        throw new ClientToolsError(
          `${path.basename(tool.prefix[2]!)} would load from the host: ${strays.join(', ')}`,
        );
      }
    }
    if (!pair(tools.pgDump, tools.pgRestore, '')) {
      throw new ClientToolsError(
        `the installed pg_dump/pg_restore do not run or are not version ${CLIENT_MAJOR}`,
      );
    }
    const stamp = { installedAt: new Date().toISOString(), mirror, ...installed };
    fs.writeFileSync(path.join(staging, STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
    try {
      fs.renameSync(staging, home);
    } catch (error) {
      // Another process installed it meanwhile: theirs is as good as ours.
      if (!fs.existsSync(path.join(home, STAMP))) throw error;
    }
    log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * pg_dump and pg_restore 17, installing them into .tools/ on first use when none are found. Throws a
 * ClientToolsError saying what to do when they can be neither found nor installed.
 */
export async function clientTools(options: ClientToolsOptions): Promise<ClientTools> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const given = env.POSTGRES_CLIENT_DIR;
  if (given) {
    const found = pair(direct(given, 'pg_dump'), direct(given, 'pg_restore'), given);
    if (!found) {
      throw new ClientToolsError(
        `POSTGRES_CLIENT_DIR: ${given} has no pg_dump and pg_restore of PostgreSQL ${CLIENT_MAJOR}`,
      );
    }
    return found;
  }
  const home = toolsHome(options.projectRoot);
  const ours = debianTools(path.join(home, 'root'));
  if (fs.existsSync(path.join(home, STAMP))) {
    const ready = pair(ours.pgDump, ours.pgRestore, home);
    if (ready) return ready;
    throw new ClientToolsError(
      `${home} holds a pg_dump/pg_restore that does not run as version ${CLIENT_MAJOR}; delete that folder to install them again`,
    );
  }
  const system = SYSTEM_DIRS.map((dir) =>
    pair(direct(dir, 'pg_dump'), direct(dir, 'pg_restore'), dir || 'PATH'),
  ).find((tools) => tools !== null);
  if (system) return system;
  try {
    await installClientTools(home, { mirror: env.POSTGRES_CLIENT_MIRROR, log });
  } catch (error) {
    if (!(error instanceof ClientToolsError)) throw error;
    throw new ClientToolsError(
      `${error.message}; alternatively set POSTGRES_CLIENT_DIR to a folder with pg_dump and pg_restore ${CLIENT_MAJOR}`,
    );
  }
  const installed = pair(ours.pgDump, ours.pgRestore, home);
  if (!installed)
    throw new ClientToolsError(`pg_dump/pg_restore ${CLIENT_MAJOR} installed in ${home} do not run`);
  return installed;
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to its end; resolves with its exit code and what it wrote. */
export function runTool(tool: ClientTool, args: string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.command, [...tool.prefix, ...args], {
      env: toolEnvironment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
