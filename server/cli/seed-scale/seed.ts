// seedScale: the whole seed, for the CLI, the benchmark and the tests. Checks the database may be seeded, makes the
// copies, then writes the batches it lacks on `jobs` connections at once, and finally VACUUM ANALYZE so that the
// planner knows the new tables (and index-only scans work) before anyone measures anything.
import { Client } from 'pg';
import { hashPassword } from '../../auth/passwords';
import { readAndWriteTimestampsAsUtc, UTC_SESSION } from '../../db/utc-timestamps';
import { createCatalogue } from '../../catalogue/service';
import type { Provider } from '../../content/schema';
import type { PrismaClient } from '../../generated/prisma/client';
import { writeBatch } from './batch';
import { ensureCopies } from './copies';
import { inspect, refusal, SEED_VERSION, SeedRefused, type SeedMarker } from './guard';
import type { SeedOptions } from './options';
import { syntheticLearner } from './people';
import { allocate } from './allocation';
import { batchCount, planBatch, type PlanContext } from './plan';
import { FORMS_PER_COPY, VARIANTS_PER_FORM } from './forms';
import { loadReference, prepareSession } from './session';
import { seedTexts } from './texts';

export interface SeedDeps {
  databaseUrl: string;
  /** For the catalogue's view of the copies and their item banks. */
  prisma: PrismaClient;
  provider: Provider;
}

export interface SeedProgress {
  phase: 'batches' | 'vacuum';
  recordsDone: number;
  recordsTotal: number;
}

export interface SeedSummary {
  /** Batches written by this run (0 when the seed was already complete). */
  batchesWritten: number;
  batchesTotal: number;
  recordsWritten: number;
  /** Seconds spent writing batches, and on VACUUM ANALYZE. */
  writeSeconds: number;
  vacuumSeconds: number;
  /** Whether foreign keys were checked row by row (session.ts prepareSession). */
  foreignKeyChecks: boolean;
}

/** Every table the histories write, vacuumed and analysed at the end. */
export const SEEDED_TABLES = [
  'users',
  'activities',
  'objectives',
  'lessons',
  '"references"',
  'items',
  'item_versions',
  'enrollments',
  'lesson_views',
  'attempts',
  'attempt_responses',
  'evaluations',
  'credit_claims',
  'certificates',
  'claim_corrections',
  'audit_log',
];

async function connect(url: string): Promise<Client> {
  readAndWriteTimestampsAsUtc();
  const client = new Client({ connectionString: url, application_name: 'seed:scale', options: UTC_SESSION });
  await client.connect();
  return client;
}

export const markerOf = (options: SeedOptions, source: string): SeedMarker => ({
  version: SEED_VERSION,
  source,
  learners: options.learners,
  records: options.records,
  copies: options.copies,
  batchSize: options.batchSize,
  seed: options.seed,
});

/** Throws SeedRefused when the database must not be seeded with these options (guard.ts says why). */
export async function checkSeedable(client: Client, marker: SeedMarker): Promise<void> {
  const reason = refusal(await inspect(client), marker);
  if (reason) throw new SeedRefused(reason);
}

export async function seedScale(
  deps: SeedDeps,
  options: SeedOptions & { source: string },
  onProgress: (progress: SeedProgress) => void = () => {},
): Promise<SeedSummary> {
  const marker = markerOf(options, options.source);
  const main = await connect(deps.databaseUrl);
  const workers: Client[] = [];
  try {
    await checkSeedable(main, marker);
    const copies = await ensureCopies(main, marker);
    const reference = await loadReference(
      deps.prisma,
      createCatalogue(deps.prisma, deps.provider),
      copies.slugs,
      options.seed,
    );
    // The seed's clock is when its copies were made, so a resumed seed dates its histories like the first run.
    const { rows } = await main.query<{ at: Date }>(
      'SELECT min(created_at) AS at FROM activities WHERE synthetic',
    );
    const context: PlanContext = {
      seed: options.seed,
      learners: options.learners,
      batchSize: options.batchSize,
      copies: reference.copies,
      allocation: allocate(options),
      now: rows[0]!.at.getTime(),
      formsPerCopy: FORMS_PER_COPY,
      variantsPerForm: VARIANTS_PER_FORM,
      texts: {
        biasComments: seedTexts.biasComments.length,
        intendedChanges: seedTexts.intendedChanges.length,
        revokeReasons: seedTexts.revokeReasons.length,
        correctionReasons: seedTexts.correctionReasons.length,
      },
    };
    const total = batchCount(context);
    const recordsOf = (batch: number) =>
      context.allocation.counts
        .subarray(batch * options.batchSize, (batch + 1) * options.batchSize)
        .reduce((sum, c) => sum + c, 0);
    // A batch is written in one transaction, with its first learner (never deleted): present means done.
    const firstEmails = Array.from(
      { length: total },
      (_, b) => syntheticLearner(options.seed, b * options.batchSize, false).email,
    );
    const present = await main.query<{ email: string }>('SELECT email FROM users WHERE email = ANY($1)', [
      firstEmails,
    ]);
    const done = new Set(present.rows.map((row) => row.email));
    const pending = firstEmails.flatMap((email, batch) => (done.has(email) ? [] : [batch]));
    let recordsDone = firstEmails.reduce(
      (sum, email, batch) => sum + (done.has(email) ? recordsOf(batch) : 0),
      0,
    );
    const summary: SeedSummary = {
      batchesWritten: 0,
      batchesTotal: total,
      recordsWritten: 0,
      writeSeconds: 0,
      vacuumSeconds: 0,
      foreignKeyChecks: true,
    };
    if (pending.length === 0) return summary;

    const constants = {
      adminId: copies.adminId,
      passwordHash: options.learnerPassword ? await hashPassword(options.learnerPassword) : null,
    };
    onProgress({ phase: 'batches', recordsDone, recordsTotal: options.records });
    const started = Date.now();
    let failed: unknown = null;
    const work = async () => {
      const client = await connect(deps.databaseUrl);
      workers.push(client);
      summary.foreignKeyChecks = (await prepareSession(client, reference)).foreignKeyChecks;
      for (let batch = pending.shift(); batch !== undefined && !failed; batch = pending.shift()) {
        const written = await writeBatch(client, planBatch(context, batch), constants, batch * 1_000_003);
        summary.batchesWritten += 1;
        summary.recordsWritten += written;
        recordsDone += written;
        onProgress({ phase: 'batches', recordsDone, recordsTotal: options.records });
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(options.jobs, pending.length) }, () =>
        work().catch((error: unknown) => {
          failed ??= error;
          throw error;
        }),
      ),
    );
    const rejected = results.find((result) => result.status === 'rejected');
    if (rejected) throw rejected.reason;
    summary.writeSeconds = (Date.now() - started) / 1000;

    onProgress({ phase: 'vacuum', recordsDone, recordsTotal: options.records });
    const vacuumStarted = Date.now();
    await main.query(`VACUUM (ANALYZE) ${SEEDED_TABLES.join(', ')}`);
    summary.vacuumSeconds = (Date.now() - vacuumStarted) / 1000;
    return summary;
  } finally {
    await Promise.allSettled([main, ...workers].map((client) => client.end()));
  }
}
