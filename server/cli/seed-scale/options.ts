// What `npm run seed:scale` makes, from flags or the environment (a flag wins), validated before anything is touched.
//
//   --learners N   SEED_LEARNERS   synthetic learners (100,000)
//   --records N    SEED_RECORDS    completion records (1,000,000), at most learners × copies (one per activity)
//   --copies N     SEED_COPIES     synthetic copies of the activity (20), slugs <source>-synthetic-01…
//   --source SLUG  SEED_SOURCE     the activity copied (the first in content/)
//   --batch N      SEED_BATCH      learners written per transaction (1,000)
//   --jobs N       SEED_JOBS       batches written at once, on as many connections (2)
//   --seed N       SEED_SEED       the random seed: the same options make the same data (1)
//   SEED_LEARNER_PASSWORD          when set, every synthetic learner signs in with it (one shared Argon2id hash);
//                                  otherwise synthetic learners have no password and cannot sign in.
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface SeedOptions {
  learners: number;
  records: number;
  copies: number;
  /** Slug of the real activity that is copied; null: the first activity of content/. */
  source: string | null;
  batchSize: number;
  jobs: number;
  seed: number;
  learnerPassword: string | null;
}

export const defaultSeedOptions: SeedOptions = {
  learners: 100_000,
  records: 1_000_000,
  copies: 20,
  source: null,
  batchSize: 1_000,
  jobs: 2,
  seed: 1,
  learnerPassword: null,
};

export class SeedOptionsError extends Error {}

const count = (min: number, max: number) =>
  z.coerce
    .number()
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max.toLocaleString('en-US')}`);

const schema = z
  .object({
    learners: count(1, 10_000_000),
    records: count(0, 100_000_000),
    copies: count(1, 99),
    source: z
      .string()
      .regex(/^[a-z0-9-]{1,80}$/, 'must be an activity slug')
      .nullable(),
    batchSize: count(1, 20_000),
    jobs: count(1, 16),
    seed: count(0, 2 ** 31 - 1),
    learnerPassword: z.string().min(12, 'must be at least 12 characters').max(128).nullable(),
  })
  .refine((o) => o.records <= o.learners * o.copies, {
    message: 'is more than learners × copies: a learner completes each activity at most once',
    path: ['records'],
  });

const flags = {
  learners: 'SEED_LEARNERS',
  records: 'SEED_RECORDS',
  copies: 'SEED_COPIES',
  source: 'SEED_SOURCE',
  batch: 'SEED_BATCH',
  jobs: 'SEED_JOBS',
  seed: 'SEED_SEED',
} as const;

/** The options from argv (without node and the script) and the environment; throws SeedOptionsError naming the fault. */
export function parseSeedOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): SeedOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new SeedOptionsError(error instanceof Error ? error.message : String(error));
  }
  const read = (flag: keyof typeof flags) => {
    const value = values[flag] ?? env[flags[flag]];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const parsed = schema.safeParse({
    learners: read('learners') ?? defaultSeedOptions.learners,
    records: read('records') ?? defaultSeedOptions.records,
    copies: read('copies') ?? defaultSeedOptions.copies,
    source: read('source') ?? null,
    batchSize: read('batch') ?? defaultSeedOptions.batchSize,
    jobs: read('jobs') ?? defaultSeedOptions.jobs,
    seed: read('seed') ?? defaultSeedOptions.seed,
    learnerPassword: env.SEED_LEARNER_PASSWORD || null,
  });
  if (!parsed.success) {
    const names: Record<string, string> = { batchSize: '--batch', learnerPassword: 'SEED_LEARNER_PASSWORD' };
    const issues = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]);
      return `${names[field] ?? `--${field}`} ${issue.message}`;
    });
    throw new SeedOptionsError(issues.join('; '));
  }
  return parsed.data;
}
