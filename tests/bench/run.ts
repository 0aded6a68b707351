// `npm run bench`: requests/s and latency of named scenarios against the real app, on a real PostgreSQL,
// beside a bare Express 5 hello world measured in the same run, on the same machine, with the same load.
//
//   BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_WARMUP=2 npm run bench
//
// Exits 1 when any request errored or got a non-2xx answer, or when setup failed; a missed target only prints
// "below target". To add a scenario (post-test submission, certificates…), add an entry to `scenarios` below.
import './production-env';
import os from 'node:os';
import path from 'node:path';
import { Cleanup } from './cleanup';
import { BenchConfigError, loadBenchConfig } from './config';
import { openBenchDatabase } from './database';
import { checkTarget, measure, type Measurement, type Target } from './measure';
import { computeRatios, failures, measurementTable, ratioLines, type Ratio } from './report';
import { helloApp, listen, realApp } from './servers';

const projectRoot = path.resolve(__dirname, '..', '..');

/** Base URLs of the servers under load, handed to every scenario. */
export interface Servers {
  hello: string;
  app: string;
}

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
];

const ratios: Ratio[] = [{ numerator: 'lesson', denominator: 'hello', target: 0.6 }];

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
  };
  console.log(
    `database: ${database.description} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );

  const results: { name: string; measurement: Measurement }[] = [];
  const warmups: { name: string; measurement: Measurement }[] = [];
  for (const scenario of scenarios) {
    const target = await scenario.target(servers);
    await checkTarget(target);
    if (config.warmup > 0) {
      const measurement = await measure(target, { duration: config.warmup, connections: config.connections });
      warmups.push({ name: `${scenario.name} (warm-up)`, measurement });
    }
    console.log(`measuring ${scenario.name}: ${target.url}`);
    results.push({ name: scenario.name, measurement: await measure(target, config) });
  }

  console.log(`\n${measurementTable(results)}\n`);
  console.log(ratioLines(computeRatios(ratios, new Map(results.map((r) => [r.name, r.measurement])))));
  // Other processes on this machine take CPU from the servers: a high load makes figures noisy.
  console.log(
    `\nload average (1 min): ${loadAtStart} at start, ${loadAverage()} at end, ${cpus.length} CPUs`,
  );

  const problems = failures([...warmups, ...results]);
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
