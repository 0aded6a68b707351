// The admin benchmarks' data and servers: two databases filled by `npm run seed:scale`'s own seedScale, a small one
// (10,000 completion records) and a large one (1,000,000; BENCH_SCALE_RECORDS to try another size), each served by
// the app as production runs it, in its own process (node dist/server/main.js), so that its memory can be measured.
//
// Seeding a million records takes minutes, so the databases are kept between runs and reused when their
// fingerprint matches: a SHA-256 of the seed's source files, its options and the copied activity's content, kept as
// the database's comment ("seeded <fingerprint>", "seeding <fingerprint>" while it is being written: a run that
// was stopped resumes where it stopped). Anything else there is dropped and seeded again. They live in
// DATABASE_URL's server (databases cme_bench_scale_<records>), or in an embedded cluster kept in BENCH_SCALE_DIR
// (default .data/bench-scale, git-ignored). A reused database gets the migrations added since (new indexes), then
// ANALYZE, as a fresh seed would.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createUser } from '../../server/auth/first-admin';
import { SEED_VERSION } from '../../server/cli/seed-scale/guard';
import { defaultSeedOptions, type SeedOptions } from '../../server/cli/seed-scale/options';
import { seedScale } from '../../server/cli/seed-scale/seed';
import { copySlug } from '../../server/cli/seed-scale/copies';
import { loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { freePort, startEmbeddedPostgres } from '../../server/db/embedded';
import { deployMigrations, migrateIfPending } from '../../server/db/migrations';
import { createPrisma } from '../../server/db/prisma';
import { Browser, PRODUCTION_NODE } from '../main/app-process';
import { ACTIVITY_SLUG, once, type Bench } from './bench';
import type { Cleanup } from './cleanup';

export interface ScaleSize {
  label: 'small' | 'large';
  learners: number;
  records: number;
  copies: number;
}

/** The app serving one seeded database, with a signed-in admin. */
export interface ScaleApp {
  size: ScaleSize;
  databaseUrl: string;
  /** Base URL of the app process. */
  url: string;
  /** The app's process id (node itself, not a wrapper), for its memory. */
  pid: number;
  /** Cookie header of the admin's session. */
  cookie: string;
  /** A synthetic copy with its share of the records (the report's activity). */
  activitySlug: string;
}

const ADMIN_EMAIL = 'bench.admin@example.org';
const ADMIN_PASSWORD = 'bench admin passphrase 2026';

export function scaleSizes(): { small: ScaleSize; large: ScaleSize } {
  const raw = process.env.BENCH_SCALE_RECORDS?.trim();
  const records = raw ? Number(raw) : 1_000_000;
  if (!Number.isInteger(records) || records < 20_000)
    throw new Error(`BENCH_SCALE_RECORDS must be a whole number of at least 20000, not "${raw}"`);
  return {
    small: { label: 'small', learners: 1_000, records: 10_000, copies: 20 },
    large: { label: 'large', learners: Math.ceil(records / 10), records, copies: 20 },
  };
}

const projectRootOf = (bench: Bench) => bench.projectRoot;

function seedOptions(size: ScaleSize): SeedOptions & { source: string } {
  return {
    ...defaultSeedOptions,
    learners: size.learners,
    records: size.records,
    copies: size.copies,
    source: ACTIVITY_SLUG,
  };
}

/** What the data depends on: the seed's code, its options and the content it copies. */
function fingerprint(projectRoot: string, size: ScaleSize): string {
  const hash = crypto.createHash('sha256');
  const seedDir = path.join(projectRoot, 'server', 'cli', 'seed-scale');
  for (const file of fs.readdirSync(seedDir).sort())
    hash.update(file).update(fs.readFileSync(path.join(seedDir, file)));
  const content = loadContent(path.join(projectRoot, 'content'));
  const source = content.activities.find((a) => a.activity.slug === ACTIVITY_SLUG);
  hash.update(
    JSON.stringify({ version: SEED_VERSION, options: { ...seedOptions(size), learnerPassword: null } }),
  );
  hash.update(source?.contentHash ?? 'no source').update(JSON.stringify(content.provider));
  return hash.digest('hex').slice(0, 16);
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The server the scale databases live on: DATABASE_URL's, or the kept embedded cluster. */
async function scaleServer(
  projectRoot: string,
  cleanup: Cleanup,
): Promise<{ adminUrl: string; where: string }> {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    return { adminUrl: url.toString(), where: `DATABASE_URL server ${url.hostname}:${url.port || '5432'}` };
  }
  const dir = path.resolve(process.env.BENCH_SCALE_DIR ?? path.join(projectRoot, '.data', 'bench-scale'));
  const cluster = await startEmbeddedPostgres(dir);
  cleanup.add('stop the scale benchmark PostgreSQL', () => cluster.stop());
  return { adminUrl: cluster.adminUrl, where: `embedded PostgreSQL kept in ${dir}` };
}

/** The seeded database of `size`, reused when its fingerprint matches, otherwise (re)made now. */
async function seededDatabase(projectRoot: string, adminUrl: string, size: ScaleSize): Promise<string> {
  const name = `cme_bench_scale_${size.records}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const wanted = fingerprint(projectRoot, size);
  const comment = await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    return rows.length === 0 ? undefined : (rows[0]!.comment ?? '');
  });
  if (comment === `seeded ${wanted}`) {
    try {
      const { applied } = await migrateIfPending(projectRoot, databaseUrl);
      // A fresh seed ends with ANALYZE after every migration; a migration applied since (expression indexes) would
      // leave the planner without their statistics (measured: a 1,000-row probe read 268,000 index entries).
      if (applied.length > 0) await withClient(databaseUrl, (client) => client.query('ANALYZE'));
      console.log(
        `  ${size.label}: reusing ${name} (fingerprint ${wanted}${applied.length ? `; applied ${applied.join(', ')}` : ''})`,
      );
      return databaseUrl;
    } catch (error) {
      console.log(
        `  ${size.label}: ${name} cannot be migrated (${(error as Error).message}): seeding it again`,
      );
    }
  }
  const setComment = (text: string) =>
    withClient(adminUrl, (client) => client.query(`COMMENT ON DATABASE "${name}" IS '${text}'`));
  if (comment !== `seeding ${wanted}`) {
    if (comment !== undefined)
      console.log(`  ${size.label}: ${name} holds other data ("${comment}"): dropping it`);
    await withClient(adminUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
    });
    await setComment(`seeding ${wanted}`);
  }
  console.log(
    `  ${size.label}: seeding ${name} with ${size.records.toLocaleString('en-US')} records (npm run seed:scale's seedScale)…`,
  );
  await deployMigrations(projectRoot, databaseUrl);
  const content = loadContent(path.join(projectRoot, 'content'));
  const prisma = createPrisma(databaseUrl, 2);
  const started = Date.now();
  try {
    await syncContent(prisma, content);
    let shown = -1;
    const summary = await seedScale(
      { databaseUrl, prisma, provider: content.provider },
      seedOptions(size),
      (p) => {
        const tenth = Math.floor((p.recordsDone / p.recordsTotal) * 10);
        if (tenth === shown && p.phase === 'batches') return;
        shown = tenth;
        const rate = p.recordsDone / Math.max(1, (Date.now() - started) / 1000);
        console.log(
          `    ${p.phase}: ${p.recordsDone.toLocaleString('en-US')} records (${Math.round(rate)}/s so far)`,
        );
      },
    );
    console.log(
      `  ${size.label}: seeded in ${((Date.now() - started) / 1000).toFixed(0)} s (writing ${summary.writeSeconds.toFixed(0)} s, ` +
        `VACUUM ANALYZE ${summary.vacuumSeconds.toFixed(0)} s, foreign keys ${summary.foreignKeyChecks ? 'checked' : 'not checked'} row by row)`,
    );
  } finally {
    await prisma.$disconnect();
  }
  await setComment(`seeded ${wanted}`);
  return databaseUrl;
}

/** The bench admin, made once per database (a real staff account; the seed's guard only minds real learners). */
async function ensureAdmin(databaseUrl: string): Promise<void> {
  const prisma = createPrisma(databaseUrl, 1);
  try {
    if (!(await prisma.user.findUnique({ where: { email: ADMIN_EMAIL } })))
      await createUser(prisma, {
        email: ADMIN_EMAIL,
        password: ADMIN_PASSWORD,
        role: 'admin',
        fullName: 'Bench Admin',
      });
  } finally {
    await prisma.$disconnect();
  }
}

/** node dist/server/main.js on `databaseUrl`, ready; stopped (SIGTERM, then SIGKILL) at cleanup. */
async function startAppProcess(projectRoot: string, databaseUrl: string, label: string, cleanup: Cleanup) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-bench-scale-app-'));
  const child: ChildProcess = spawn(process.execPath, [...PRODUCTION_NODE.args, 'dist/server/main.js'], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      ...PRODUCTION_NODE.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
      // Request logs to a pipe nobody reads would measure the pipe: warnings and errors only.
      LOG_LEVEL: 'warn',
      // To try other settings of node or of the allocator on the app (e.g. "--max-semi-space-size=4").
      ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
      ...(process.env.BENCH_APP_MALLOC_ARENA_MAX
        ? { MALLOC_ARENA_MAX: process.env.BENCH_APP_MALLOC_ARENA_MAX }
        : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add(`stop the ${label} app process`, async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 120_000; ;) {
    if (child.exitCode !== null) throw new Error(`the ${label} app exited (${child.exitCode}):\n${stderr}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`the ${label} app was not ready within 120 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, pid: child.pid! };
}

/**
 * One more app process on a seeded database, with the bench admin signed in (the export's memory is measured on a
 * process that has served nothing else). Stopped at cleanup.
 */
export async function startScaleApp(bench: Bench, size: ScaleSize, databaseUrl: string): Promise<ScaleApp> {
  await ensureAdmin(databaseUrl);
  const started = await startAppProcess(
    projectRootOf(bench),
    databaseUrl,
    `${size.label} scale`,
    bench.cleanup,
  );
  const browser = new Browser(started.url);
  const status = await browser.signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  if (status !== 302)
    throw new Error(`the bench admin's sign-in on the ${size.label} app answered ${status}`);
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return { size, databaseUrl, ...started, cookie, activitySlug: copySlug(ACTIVITY_SLUG, 1) };
}

async function scaleAppsFor(bench: Bench): Promise<{ small: ScaleApp; large: ScaleApp }> {
  const projectRoot = projectRootOf(bench);
  const sizes = scaleSizes();
  console.log('scale data (npm run seed:scale), for the records page, the CSV export and the report:');
  const server = await scaleServer(projectRoot, bench.cleanup);
  console.log(`  on ${server.where}`);
  const databases = {
    small: await seededDatabase(projectRoot, server.adminUrl, sizes.small),
    large: await seededDatabase(projectRoot, server.adminUrl, sizes.large),
  };
  // The app as `npm start` runs it: compiled by the same build step (a no-op when dist/ is current).
  await promisify(execFile)(process.execPath, ['server/cli/build-if-changed.mjs'], { cwd: projectRoot });
  const app = (size: ScaleSize, databaseUrl: string) => startScaleApp(bench, size, databaseUrl);
  const apps = {
    small: await app(sizes.small, databases.small),
    large: await app(sizes.large, databases.large),
  };
  console.log(
    `  apps: small ${apps.small.url} (pid ${apps.small.pid}), large ${apps.large.url} (pid ${apps.large.pid})\n`,
  );
  return apps;
}

const made = new WeakMap<Bench, () => Promise<{ small: ScaleApp; large: ScaleApp }>>();

/** Both seeded databases with their app processes, made once per run for the first scenario that asks. */
export function scaleApps(bench: Bench): Promise<{ small: ScaleApp; large: ScaleApp }> {
  let get = made.get(bench);
  if (!get) made.set(bench, (get = once(() => scaleAppsFor(bench))));
  return get();
}
