// `npm run bench`: requests/s and latency of named scenarios against the real app, on a real PostgreSQL,
// beside a bare Express 5 hello world measured in the same run, on the same machine, with the same load.
//
//   BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_WARMUP=2 npm run bench
//
// Exits 1 when any request errored or got a non-2xx answer, or when setup failed; a missed target only prints
// "below target". To add a scenario, add an entry to `scenarios` below. BENCH_ONLY=verify,hello runs only
// those (the post-test submissions are "submissions", the PDF timings "pdf").
import './production-env';
import os from 'node:os';
import path from 'node:path';
import { Cleanup } from './cleanup';
import { BenchConfigError, loadBenchConfig } from './config';
import { openBenchDatabase } from './database';
import { checkTarget, measure, type Measurement, type Target } from './measure';
import { computeRatios, failures, measurementTable, ratioLines, type Ratio } from './report';
import { createPrisma } from '../../server/db/prisma';
import type { PrismaClient } from '../../server/generated/prisma/client';
import {
  cloneCertificates,
  coldVerificationTarget,
  insertBaselineApp,
  insertTarget,
  measurePdf,
  measureSubmissions,
  pdfLines,
  prepareSubmissionBench,
  prepareVerification,
  proxiedApp,
  submissionLines,
  verificationTarget,
  type BenchCertificate,
  type SubmissionResult,
} from './learning';
import { helloApp, listen, realApp } from './servers';

const projectRoot = path.resolve(__dirname, '..', '..');

/** Base URLs of the servers under load, handed to every scenario. */
export interface Servers {
  hello: string;
  app: string;
  /** A bare Express route doing one INSERT through pg: the baseline for post-test submissions. */
  insert: string;
  /** The real app trusting one proxy, so verification load can come "from" many addresses (it is rate limited per IP). */
  proxied: string;
}

let certificate: BenchCertificate;
let prisma: PrismaClient;

export interface Scenario {
  name: string;
  /** Where to send load; may prepare state first (sign in, start a post-test…). */
  target(servers: Servers): Promise<Target> | Target;
}

const scenarios: Scenario[] = [
  {
    name: 'hello',
    target: (servers) => ({ url: `${servers.hello}/`, expectText: 'hello' }),
  },
  {
    name: 'lesson',
    target: (servers) => ({
      url: `${servers.app}/activities/renal-leiomyosarcoma/lessons/1-introduction`,
      expectText: '<h1 id="lesson-title">Introduction</h1>',
    }),
  },
  { name: 'insert', target: (servers) => insertTarget(servers.insert) },
  { name: 'verify', target: (servers) => verificationTarget(servers.proxied, certificate, cleanup) },
  {
    name: 'verify-cold',
    target: async (servers) =>
      coldVerificationTarget(
        servers.proxied,
        certificate,
        await cloneCertificates(prisma, certificate, 2500),
        cleanup,
      ),
  },
];

const ratios: Ratio[] = [
  { numerator: 'lesson', denominator: 'hello', target: 0.6 },
  { numerator: 'verify', denominator: 'hello', target: 0.5 },
  // Every request a database lookup and a render: what a verifier's first look at a certificate costs.
  { numerator: 'verify-cold', denominator: 'hello', target: null },
];

const loadAverage = () => os.loadavg()[0]!.toFixed(2);

async function main(cleanup: Cleanup): Promise<number> {
  const config = loadBenchConfig();
  const cpus = os.cpus();
  const loadAtStart = loadAverage();
  console.log(
    `node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, NODE_ENV=${process.env.NODE_ENV}`,
  );
  console.log(
    `${config.duration} s per scenario after ${config.warmup} s warm-up, ${config.connections} connections, ` +
      'autocannon in a worker thread',
  );

  const started = Date.now();
  const database = await openBenchDatabase(projectRoot, cleanup);
  const app = await realApp({ projectRoot, databaseUrl: database.url }, cleanup);
  const servers: Servers = {
    hello: await listen(helloApp(), 'hello', cleanup),
    app: await listen(app, 'app', cleanup),
    insert: await listen(await insertBaselineApp(database.url, cleanup), 'insert baseline', cleanup),
    proxied: await listen(
      await proxiedApp({ projectRoot, databaseUrl: database.url }, cleanup),
      'proxied app',
      cleanup,
    ),
  };
  prisma = createPrisma(database.url, 4);
  cleanup.add('disconnect the bench Prisma', () => prisma.$disconnect());
  certificate = await prepareVerification(prisma, projectRoot);
  console.log(
    `database: ${database.description} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );

  const selected = (name: string) => config.only === null || config.only.has(name);
  const results: { name: string; measurement: Measurement }[] = [];
  const warmups: { name: string; measurement: Measurement }[] = [];
  for (const scenario of scenarios.filter((s) => selected(s.name))) {
    const target = await scenario.target(servers);
    await checkTarget(target);
    if (config.warmup > 0) {
      const measurement = await measure(target, { duration: config.warmup, connections: config.connections });
      warmups.push({ name: `${scenario.name} (warm-up)`, measurement });
    }
    console.log(`measuring ${scenario.name}: ${target.url}`);
    results.push({ name: scenario.name, measurement: await measure(target, config) });
  }
  const insert = results.find((r) => r.name === 'insert')?.measurement;

  // Post-test submissions: each request scores a fresh attempt (303 is success), counted in the database.
  let submissions: SubmissionResult | null = null;
  if (selected('submissions')) {
    const submissionBench = await prepareSubmissionBench({
      appUrl: servers.app,
      prisma,
      cleanup,
      learners: config.connections,
      seconds: config.warmup + config.duration,
      // Enough attempts for the target rate or better, so the queue never runs out during the run.
      expectedPerSecond: Math.max(400, insert?.requestsPerSecond ?? 5000),
    });
    if (config.warmup > 0) {
      await measureSubmissions(submissionBench, { duration: config.warmup, connections: config.connections });
    }
    console.log('measuring post-test submissions');
    submissions = await measureSubmissions(submissionBench, config);
  }
  const pdf = selected('pdf') ? await measurePdf(certificate) : null;

  console.log(`\n${measurementTable(results)}\n`);
  console.log(
    [...(submissions ? submissionLines(submissions, insert) : []), ...(pdf ? pdfLines(pdf) : [])].join('\n'),
  );
  console.log(
    ratioLines(
      computeRatios(
        ratios.filter((r) => selected(r.numerator) && selected(r.denominator)),
        new Map(results.map((r) => [r.name, r.measurement])),
      ),
    ),
  );
  // Other processes on this machine take CPU from the servers: a high load makes figures noisy.
  console.log(
    `\nload average (1 min): ${loadAtStart} at start, ${loadAverage()} at end, ${cpus.length} CPUs`,
  );

  const problems = [
    ...failures([...warmups, ...results]),
    ...(submissions?.problems ?? []).map((p) => `submissions: ${p}`),
  ];
  if (problems.length > 0) {
    console.error(`\nFAILED: ${problems.join('; ')}`);
    return 1;
  }
  return 0;
}

const cleanup = new Cleanup();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup.runAll().then(() => process.exit(128 + os.constants.signals[signal]));
  });
}
main(cleanup)
  .catch((error: unknown) => {
    console.error(error instanceof BenchConfigError ? error.message : error);
    return error instanceof BenchConfigError ? 2 : 1;
  })
  .then(async (code) => {
    await cleanup.runAll();
    // Exit explicitly: a stray timer (session pruning, pg idle sockets) must not keep a finished run alive.
    process.exit(code);
  });
