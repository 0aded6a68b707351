// What every scenario gets (the run's settings, database, servers and the state some scenarios share, prepared
// once for the first that needs it), what it gives back, and a scenario that is one target under load.
import type http from 'node:http';
import type { PrismaClient } from '../../server/generated/prisma/client';
import type { BenchCertificate } from './certificates';
import type { Cleanup } from './cleanup';
import type { BenchConfig } from './config';
import type { SignedInLearner } from './learners';
import { checkTarget, measure, type Measurement, type Target } from './measure';
import { problemsOf } from './report';
import type { BenchServers } from './servers';

/** The activity of the content every scenario uses. */
export const ACTIVITY_SLUG = 'renal-leiomyosarcoma';

/** The answers of a post-test form (12 questions, one multiple-response), form-encoded, before the CSRF token. */
export const sampleAnswers = 'q1=A&q2=C&q3=B&q4=D&q5=A&q5=C&q6=B&q7=D&q8=A&q9=C&q10=B&q11=D&q12=A';

export interface Bench {
  config: BenchConfig;
  projectRoot: string;
  databaseUrl: string;
  cleanup: Cleanup;
  /** Prisma on the bench database, for preparing state and counting results. */
  prisma: PrismaClient;
  servers: BenchServers;
  /** Serves a bench-only app (a baseline) at a free port, closed at cleanup; returns its base URL. */
  listen(label: string, handler: http.RequestListener): Promise<string>;
  /** A certificate issued as the app issues one (verification pages, PDF). */
  certificate(): Promise<BenchCertificate>;
  /** One learner per connection, signed in to the real app (floor, submissions). */
  learners(): Promise<SignedInLearner[]>;
  /** The rate of each scenario run so far (req/s; scored/s for submissions), for ratios and provisioning. */
  rates: Map<string, number>;
}

export interface Outcome {
  /** A row of the table, for a scenario measured with autocannon. */
  measurement?: Measurement;
  /** The figure its ratios use. */
  rate?: number;
  /** Further figures for ratios, by name (the floor measured in turn with the submissions). */
  rates?: Record<string, number>;
  /** Lines printed after the table. */
  lines?: string[];
  /** What makes the run a failure (errored requests, unexpected answers…): empty when it is sound. */
  problems: string[];
}

export interface Scenario {
  /** Its name in BENCH_ONLY, the table and the ratios. */
  name: string;
  run(bench: Bench): Promise<Outcome>;
}

/** Load for the run's warm-up seconds (none when 0), measured only for what went wrong: its problems, labelled. */
export async function warmUp(target: Target, config: BenchConfig): Promise<string[]> {
  if (config.warmup <= 0) return [];
  const warmup = await measure(target, { duration: config.warmup, connections: config.connections });
  return problemsOf(warmup).map((problem) => `warm-up: ${problem}`);
}

/** A scenario that is one target under load: checked with one request, warmed up, then measured. */
export function loadScenario(name: string, target: (bench: Bench) => Promise<Target> | Target): Scenario {
  return {
    name,
    async run(bench) {
      const { config } = bench;
      const loaded = await target(bench);
      await checkTarget(loaded);
      const problems = await warmUp(loaded, config);
      console.log(`measuring ${name}: ${loaded.url}`);
      const measurement = await measure(loaded, config);
      return {
        measurement,
        rate: measurement.requestsPerSecond,
        problems: [...problems, ...problemsOf(measurement)],
      };
    },
  };
}

/** `make` run once, when first asked for. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => (made ??= make());
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}
