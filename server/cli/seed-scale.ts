// npm run seed:scale [-- --learners 100000 --records 1000000 --copies 20]
// Fills a database with synthetic completion histories for load tests (every row marked synthetic, learners'
// emails @synthetic.invalid): DATABASE_URL, or the embedded database the app uses, started as `npm start` starts
// it. Refuses a database that holds real learners. Options and their environment variables: seed-scale/options.ts.
// A re-run with the same options completes an interrupted seed and adds nothing twice; other options are refused.
import cliProgress from 'cli-progress';
import { Client } from 'pg';
import { loadConfig } from '../config';
import { loadContent } from '../content/load';
import { syncContent } from '../content/sync';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { deployMigrations } from '../db/migrations';
import { createPrisma } from '../db/prisma';
import { SeedRefused } from './seed-scale/guard';
import { parseSeedOptions, SeedOptionsError } from './seed-scale/options';
import { checkSeedable, markerOf, seedScale, type SeedProgress } from './seed-scale/seed';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Refuses before the first write (migrations, content sync) when the database already has an app schema. */
async function checkBeforeWriting(url: string, marker: ReturnType<typeof markerOf>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ users: string | null; activities: string | null }>(
      `SELECT to_regclass('users')::text AS users, to_regclass('activities')::text AS activities`,
    );
    if (rows[0]!.users && rows[0]!.activities) await checkSeedable(client, marker);
  } finally {
    await client.end();
  }
}

function progressBar() {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        'seed:scale [{bar}] {percentage}% | {value}/{total} records | {rate} records/s | ETA {eta_formatted}',
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let startValue = 0;
  return {
    update(progress: SeedProgress) {
      if (progress.phase === 'vacuum') {
        bar.update(progress.recordsDone, { rate: '-' });
        bar.stop();
        process.stderr.write('VACUUM ANALYZE of the seeded tables…\n');
        return;
      }
      if (!started) {
        started = Date.now();
        startValue = progress.recordsDone;
        bar.start(progress.recordsTotal, progress.recordsDone, { rate: '-' });
        return;
      }
      const rate = ((progress.recordsDone - startValue) * 1000) / Math.max(1, Date.now() - started);
      bar.update(progress.recordsDone, { rate: Math.round(rate).toLocaleString('en-US') });
    },
    stop: () => bar.stop(),
  };
}

async function main(): Promise<number> {
  const options = parseSeedOptions(process.argv.slice(2));
  const config = loadConfig();
  const content = loadContent(config.CONTENT_DIR);
  const source = options.source ?? content.activities[0]?.activity.slug;
  if (!source) throw new SeedOptionsError(`there is no activity in ${config.CONTENT_DIR} to copy`);
  if (!content.activities.some((a) => a.activity.slug === source))
    throw new SeedOptionsError(`--source: there is no activity ${source} in ${config.CONTENT_DIR}`);
  const started = Date.now();
  let database: DatabaseHandle | undefined;
  const prisma = { client: undefined as ReturnType<typeof createPrisma> | undefined };
  const bar = progressBar();
  try {
    database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }, () => {});
    if (database.clusterDir) console.error(`embedded PostgreSQL data in ${database.clusterDir}`);
    await checkBeforeWriting(database.url, markerOf(options, source));
    await deployMigrations(config.projectRoot, database.url);
    prisma.client = createPrisma(database.url, 2);
    await syncContent(prisma.client, content);
    console.error(
      `seeding ${options.learners.toLocaleString('en-US')} learners, ${options.records.toLocaleString('en-US')} ` +
        `completion records, ${options.copies} copies of ${source} (${options.jobs} at once, batches of ${options.batchSize})`,
    );
    const summary = await seedScale(
      { databaseUrl: database.url, prisma: prisma.client, provider: content.provider },
      { ...options, source },
      (progress) => bar.update(progress),
    );
    bar.stop();
    if (summary.batchesWritten === 0) {
      console.log(
        `nothing to do: this database already holds the complete seed (${summary.batchesTotal} batches)`,
      );
    } else {
      const rate = Math.round(summary.recordsWritten / Math.max(summary.writeSeconds, 0.001));
      console.log(
        `seeded ${summary.recordsWritten.toLocaleString('en-US')} completion records in ${summary.batchesWritten} of ` +
          `${summary.batchesTotal} batches: writing ${summary.writeSeconds.toFixed(1)} s (${rate.toLocaleString('en-US')} ` +
          `records/s), VACUUM ANALYZE ${summary.vacuumSeconds.toFixed(1)} s, ${seconds(Date.now() - started)} in all; ` +
          `foreign keys ${summary.foreignKeyChecks ? 'checked row by row' : 'not checked row by row (session_replication_role = replica)'}`,
      );
    }
    return 0;
  } finally {
    bar.stop();
    await prisma.client?.$disconnect();
    await database?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof SeedRefused || error instanceof SeedOptionsError) {
      console.error(error.message);
      process.exit(error instanceof SeedRefused ? 3 : 2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
