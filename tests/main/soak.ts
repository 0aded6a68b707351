// The soak (issue 12, "Faults under load"): the benchmark's mixed load (tests/bench/mixed/) held for a long time on
// one app process as production runs it (node dist/server/main.js, NODE_ENV=production), sampling every 10 s what
// the process holds, read from outside (nothing new in the product): its resident memory (/proc/<pid>/status), its
// database connections (pg_stat_activity: its pools carry its name as application_name; the LISTEN connection is
// counted apart) and its CPU, with the answers of each interval. Prints the curve, the growth of memory and of the
// pools from the end of the warm-up to the end (target ≤ 10 %) and every error or unexpected status (target 0).
//
//   npm run test:soak                         (10 minutes)
//   SOAK_SECONDS=120 SOAK_WARMUP_SECONDS=30 npm run test:soak
//   SOAK_CONNECTIONS=50                       connections, split over the request types as in the bench's mix
//   DATABASE_URL=postgresql://…               a server to create the soak's database on (else an embedded one)
//
// Exits 1 when a request failed or got an unexpected status, when memory or the pools grew by more than 10 %, or
// when the single-use requests (submissions, claims) ran out; 2 on a bad setting.
import crypto from 'node:crypto';
import path from 'node:path';
import { createPrisma } from '../../server/db/prisma';
import { runScript, type Cleanup } from '../bench/cleanup';
import { BenchConfigError } from '../bench/config';
import { openBenchDatabase } from '../bench/database';
import { prepareCast } from '../bench/mixed/cast';
import { cpuSeconds } from '../bench/mixed/cpu';
import { logSummary, startInstance } from '../bench/mixed/instances';
import { checkTraffic } from '../bench/mixed/phases';
import type { Queue } from '../bench/mixed/queues';
import { startLoad } from '../bench/mixed/run-load';
import { connectionsOf, listenerCount, rssMb, settle, type Connections } from '../bench/mixed/sampling';
import { splitConnections, trafficTypes, type TrafficName } from '../bench/mixed/traffic';
import { castSizes } from '../bench/scenarios/mixed';

const projectRoot = path.resolve(__dirname, '..', '..');
const SAMPLE_SECONDS = 10;
const TARGET_GROWTH = 0.1;

function setting(name: string, fallback: number, minimum = 1): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum)
    throw new BenchConfigError(`${name} must be an integer of at least ${minimum}, not "${raw}"`);
  return value;
}

interface Sample {
  seconds: number;
  rssMb: number;
  pools: Connections;
  listeners: number;
  cpuPercent: number;
  ok: number;
  unexpected: number;
  errors: number;
}

/** Keeps a queue of single-use requests ahead of the rate it is used at: 30 s of margin, refilled with 60 s. */
async function refill(queue: Queue, perSecond: number) {
  if (queue.remaining() < perSecond * 30) await queue.topUp(Math.max(500, Math.ceil(perSecond * 60)));
}

const growth = (from: number, to: number) => (to - from) / from;
const percent = (value: number) => `${value >= 0 ? '+' : ''}${(100 * value).toFixed(1)} %`;

async function soak(cleanup: Cleanup): Promise<number> {
  const seconds = setting('SOAK_SECONDS', 600, 20);
  const warmup = Math.min(setting('SOAK_WARMUP_SECONDS', 60, 0), seconds - 2 * SAMPLE_SECONDS);
  const connections = splitConnections(setting('SOAK_CONNECTIONS', 50, 7));
  console.log(`soak: ${seconds} s of the mixed load on one app process, sampled every ${SAMPLE_SECONDS} s`);

  const database = await openBenchDatabase(projectRoot, cleanup);
  const prisma = createPrisma(database.url, 4);
  cleanup.add('disconnect the soak Prisma', () => prisma.$disconnect());
  const sessionSecret = crypto.randomBytes(32).toString('hex');
  const instance = await startInstance('cme-soak', {
    projectRoot,
    databaseUrl: database.url,
    sessionSecret,
    cleanup,
  });
  console.log(`database: ${database.description}; app pid ${instance.pid} at ${instance.url}`);
  const log = (line: string) => console.log(line);
  const cast = await prepareCast(
    { prisma, databaseUrl: database.url, sessionSecret, log },
    instance.url,
    castSizes(connections),
  );
  // Rates under the mix are a fraction of each type's alone; the refills below follow the rates seen.
  await refill(cast.submissions, 100);
  await refill(cast.claims, 50);
  const types = trafficTypes(cast);
  await checkTraffic(types, [instance]);
  console.log(
    `connections: ${Object.entries(connections)
      .map(([n, c]) => `${n} ${c}`)
      .join(', ')}\n`,
  );

  // Answers per interval (reset at each sample) and over the run.
  const expected = new Map(types.map((t) => [t.name, t.expectStatus]));
  let interval = { ok: 0, unexpected: 0, errors: 0 };
  const unexpected = new Map<string, number>();
  const errors = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const load = startLoad(types, {
    urls: [instance.url],
    seconds,
    connections,
    onResponse(name: TrafficName, status: number) {
      if (status === expected.get(name)) interval.ok++;
      else {
        interval.unexpected++;
        bump(unexpected, `${name} ${status}`);
      }
    },
    onError(name: TrafficName, error: Error) {
      interval.errors++;
      bump(errors, `${name}: ${error.message}`);
    },
  });

  const started = performance.now();
  const samples: Sample[] = [];
  let cpuBefore = cpuSeconds(instance.pid);
  let sampledAt = started;
  const sample = async () => {
    const now = performance.now();
    const cpu = cpuSeconds(instance.pid);
    const elapsed = (now - sampledAt) / 1000;
    const pools = (await connectionsOf(prisma, [instance.name])).get(instance.name)!;
    const entry: Sample = {
      seconds: Math.round((now - started) / 1000),
      rssMb: rssMb(instance.pid),
      pools,
      listeners: await listenerCount(prisma),
      cpuPercent: (100 * (cpu - cpuBefore)) / elapsed,
      ok: interval.ok / elapsed,
      unexpected: interval.unexpected,
      errors: interval.errors,
    };
    interval = { ok: 0, unexpected: 0, errors: 0 };
    cpuBefore = cpu;
    sampledAt = now;
    samples.push(entry);
    const states = Object.entries(pools.byState)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    console.log(
      `${String(entry.seconds).padStart(5)} s  RSS ${entry.rssMb.toFixed(1).padStart(6)} MB  ` +
        `pools ${String(pools.total).padStart(2)} (${states})  listener ${entry.listeners}  ` +
        `CPU ${entry.cpuPercent.toFixed(0).padStart(3)} %  ${entry.ok.toFixed(1).padStart(7)} ok/s  ` +
        `unexpected ${entry.unexpected}  errors ${entry.errors}`,
    );
  };

  // Refills and samples run beside the load, one at a time each; their failures end the soak.
  const failed: { error?: Error } = {};
  const fail = (error: unknown) => {
    failed.error ??= error instanceof Error ? error : new Error(JSON.stringify(error));
    load.stop();
  };
  const taken = { submission: 0, claim: 0 };
  let refilling = Promise.resolve();
  const refiller = setInterval(() => {
    refilling = refilling
      .then(async () => {
        for (const queue of [cast.submissions, cast.claims]) {
          const name = queue.name as 'submission' | 'claim';
          const rate = (queue.taken() - taken[name]) / 2;
          taken[name] = queue.taken();
          await refill(queue, rate);
        }
      })
      .catch(fail);
  }, 2000);
  let sampling = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = sampling.then(sample).catch(fail);
  }, SAMPLE_SECONDS * 1000);
  const results = await load.done.finally(() => {
    clearInterval(refiller);
    clearInterval(sampler);
  });
  await Promise.all([refilling, sampling]);
  if (failed.error) throw failed.error;
  const busy = (await settle(prisma, [instance.name])).map((b) => b.text);
  await sample();
  return report({
    samples,
    warmup,
    results,
    unexpected,
    errors,
    busy,
    queues: [cast.submissions, cast.claims],
    instance,
  });
}

function report(run: {
  samples: Sample[];
  warmup: number;
  results: Awaited<ReturnType<typeof startLoad>['done']>;
  unexpected: Map<string, number>;
  errors: Map<string, number>;
  busy: string[];
  queues: Queue[];
  instance: Parameters<typeof logSummary>[0];
}): number {
  const { samples } = run;
  const base = samples.find((s) => s.seconds >= run.warmup) ?? samples[0]!;
  const after = samples.slice(samples.indexOf(base));
  const last = samples.at(-1)!;
  const peakRss = Math.max(...after.map((s) => s.rssMb));
  const peakPools = Math.max(...after.map((s) => s.pools.total));
  const rssGrowth = growth(base.rssMb, last.rssMb);
  const poolGrowth = growth(Math.max(1, base.pools.total), last.pools.total);
  const lines = [
    '',
    'per request type over the whole soak:',
    ...run.results.map(
      (r) =>
        `  ${r.name.padEnd(10)} ${String(r.connections).padStart(3)} conns  ${r.okPerSecond.toFixed(1).padStart(7)} ok/s  ` +
        `p50 ${r.measurement.latencyP50} ms  p99 ${r.measurement.latencyP99} ms  ${r.measurement.requests} answers, ` +
        `unexpected ${r.measurement.unexpected}, errors ${r.measurement.errors}`,
    ),
    '',
    `memory (RSS) from ${base.seconds} s (end of warm-up) to the end: ${base.rssMb.toFixed(1)} → ` +
      `${last.rssMb.toFixed(1)} MB (${percent(rssGrowth)}; peak ${peakRss.toFixed(1)} MB, ${percent(growth(base.rssMb, peakRss))}); ` +
      `from the first sample: ${samples[0]!.rssMb.toFixed(1)} MB`,
    `pool connections: ${base.pools.total} → ${last.pools.total} (peak ${peakPools}; at most 2 × DATABASE_POOL_SIZE = 20); ` +
      `listener connections: ${[...new Set(samples.map((s) => s.listeners))].join(', ')}`,
    `growth target ≤ ${percent(TARGET_GROWTH)}: memory ${rssGrowth <= TARGET_GROWTH ? 'met' : 'NOT met'}, ` +
      `pools ${poolGrowth <= TARGET_GROWTH ? 'met' : 'NOT met'}`,
    `unexpected statuses: ${[...run.unexpected].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'}`,
    `errors (no answer): ${[...run.errors].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'}`,
    ...(run.busy.length > 0
      ? ['connections still busy 15 s after the load:', ...run.busy.map((b) => `  ${b}`)]
      : []),
    ...logSummary(run.instance),
  ];
  console.log(lines.join('\n'));
  const problems = [
    ...(run.unexpected.size > 0 ? ['unexpected statuses'] : []),
    ...(run.errors.size > 0 ? ['requests without an answer'] : []),
    ...(rssGrowth > TARGET_GROWTH ? ['memory grew by more than 10 %'] : []),
    ...(poolGrowth > TARGET_GROWTH ? ['the pools grew by more than 10 %'] : []),
    ...run.queues.filter((q) => q.ranDry()).map((q) => `the ${q.name} queue ran dry`),
    ...(run.busy.length > 0 ? ['connections still busy after the load'] : []),
  ];
  if (problems.length > 0) console.error(`\nFAILED: ${problems.join('; ')}`);
  return problems.length > 0 ? 1 : 0;
}

runScript(soak);
