// `npm run bench`: requests/s and latency of named scenarios against the real app, on a real PostgreSQL,
// beside baselines measured in the same run, on the same machine, with the same load.
//
//   BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_WARMUP=2 npm run bench
//   BENCH_ONLY=floor,submissions npm run bench     (scenario names as in `scenarios` below)
//
// Exits 1 when any request errored or got an unexpected answer, or when setup failed; a missed target only prints
// "below target". To add a scenario, add a file to scenarios/ and an entry to `scenarios` below.
import './production-env';
import os from 'node:os';
import path from 'node:path';
import { createPrisma } from '../../server/db/prisma';
import { once, type Bench, type Outcome, type Scenario } from './bench';
import { issueCertificate } from './certificates';
import { runScript, type Cleanup } from './cleanup';
import { BenchConfigError, loadBenchConfig } from './config';
import { openBenchDatabase } from './database';
import { signInLearners } from './learners';
import { computeRatios, measurementTable, ratioLines, type Ratio } from './report';
import { csvExport } from './scenarios/exports';
import { floor } from './scenarios/floor';
import { hello } from './scenarios/hello';
import { insert } from './scenarios/insert';
import { itemAnalysis } from './scenarios/item-analysis';
import { lesson } from './scenarios/lesson';
import { mixed } from './scenarios/mixed';
import { pdf } from './scenarios/pdf';
import { records } from './scenarios/records';
import { report } from './scenarios/report';
import { FLOOR_IN_TURN, submissions } from './scenarios/submissions';
import { verify, verifyCold } from './scenarios/verify';
import { FLOOR_IN_TURN_WITH_WRITE, writeFloor } from './scenarios/write-floor';
import { listen, startServers } from './servers';

const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * In this order: submissions provision their attempts from the floor's rate (or the INSERT's). The records, export
 * and report scenarios use the seeded scale databases and their own app processes (scale-data.ts): the first run
 * seeds them, which takes minutes; later runs reuse them.
 */
const scenarios: Scenario[] = [
  hello,
  lesson,
  insert,
  floor,
  writeFloor,
  verify,
  verifyCold,
  submissions,
  pdf,
  itemAnalysis,
  records,
  csvExport,
  report,
  mixed,
];

const ratios: Ratio[] = [
  { numerator: 'lesson', denominator: 'hello', target: 0.6 },
  { numerator: 'verify', denominator: 'hello', target: 0.5 },
  // Every request a database lookup and a render: what a verifier's first look at a certificate costs.
  { numerator: 'verify-cold', denominator: 'hello', target: null },
  // Scoring against what any signed-in POST costs before its route runs, the two measured in turn.
  { numerator: 'submissions', denominator: FLOOR_IN_TURN, target: 0.6, unit: 'scored/s ÷ req/s' },
  // The same against the floor's own measurement earlier in the run: how far the machine drifted in between.
  { numerator: 'submissions', denominator: 'floor', target: null, unit: 'scored/s ÷ req/s' },
  { numerator: 'submissions', denominator: 'insert', target: null, unit: 'scored/s ÷ req/s' },
  // A route that only stores the answers in one INSERT, against the floor in turn: the ceiling of any durable write.
  { numerator: 'write-floor', denominator: FLOOR_IN_TURN_WITH_WRITE, target: null },
];

const loadAverage = () => os.loadavg()[0]!.toFixed(2);

async function main(cleanup: Cleanup): Promise<number> {
  const config = loadBenchConfig();
  const unknown = [...(config.only ?? [])].filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) {
    const names = scenarios.map((s) => s.name).join(', ');
    throw new BenchConfigError(`BENCH_ONLY: no scenario ${unknown.join(', ')} (there are ${names})`);
  }
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
  const servers = await startServers({ projectRoot, databaseUrl: database.url }, cleanup);
  const prisma = createPrisma(database.url, 4);
  cleanup.add('disconnect the bench Prisma', () => prisma.$disconnect());
  const bench: Bench = {
    config,
    projectRoot,
    databaseUrl: database.url,
    cleanup,
    prisma,
    servers,
    listen: (label, handler) => listen(handler, label, cleanup),
    certificate: once(() => issueCertificate(prisma, projectRoot)),
    learners: once(() => signInLearners(servers.app, prisma, config.connections)),
    rates: new Map(),
  };
  console.log(
    `database: ${database.description} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );

  const selected = (name: string) => config.only === null || config.only.has(name);
  const outcomes: { name: string; outcome: Outcome }[] = [];
  for (const scenario of scenarios.filter((s) => selected(s.name))) {
    const outcome = await scenario.run(bench);
    if (outcome.rate !== undefined) bench.rates.set(scenario.name, outcome.rate);
    for (const [name, rate] of Object.entries(outcome.rates ?? {})) bench.rates.set(name, rate);
    outcomes.push({ name: scenario.name, outcome });
  }

  const measured = outcomes.flatMap(({ name, outcome }) =>
    outcome.measurement ? [{ name, measurement: outcome.measurement }] : [],
  );
  console.log(`\n${measurementTable(measured)}\n`);
  const lines = outcomes.flatMap(({ outcome }) => outcome.lines ?? []);
  if (lines.length > 0) console.log(lines.join('\n'));
  console.log(
    ratioLines(
      computeRatios(
        ratios.filter((r) => bench.rates.has(r.numerator) && bench.rates.has(r.denominator)),
        bench.rates,
      ),
    ),
  );
  // Other processes on this machine take CPU from the servers: a high load makes figures noisy.
  console.log(
    `\nload average (1 min): ${loadAtStart} at start, ${loadAverage()} at end, ${cpus.length} CPUs`,
  );

  const problems = outcomes.flatMap(({ name, outcome }) => outcome.problems.map((p) => `${name}: ${p}`));
  if (problems.length > 0) {
    console.error(`\nFAILED: ${problems.join('; ')}`);
    return 1;
  }
  return 0;
}

runScript(main);
