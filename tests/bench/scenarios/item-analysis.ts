// Item analysis at scale: scored attempts are added to the bench database (tests/bench/attempts-at-scale.ts: forms
// drawn by the post-test, scored by its real scoring statement) up to 1,000 and then 100,000 (1.2 million responses).
// At each size it measures, in the same run and on the same connection:
//   - the analysis statement's time ÷ `SELECT count(*)` over the same responses (the scored attempts' responses
//     of the activity), each the median of several runs, interleaved: target ≤ 3;
//   - the p50 of the item bank page and of the analysis page through the real app, signed in as an educator, one
//     request at a time (the latency one educator sees, not a throughput under queueing).
// BENCH_ANALYSIS_ATTEMPTS=1000,100000 sets the sizes (ascending); BENCH_ANALYSIS_RUNS=9 the runs per median.
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createItemAnalysisQueries } from '../../../server/items/analysis-queries';
import { growScoredAttempts } from '../attempts-at-scale';
import { ACTIVITY_SLUG, type Bench, type Outcome, type Scenario } from '../bench';
import { BenchConfigError } from '../config';
import { signInLearners } from '../learners';
import { checkTarget, measure, type Target } from '../measure';
import { problemsOf } from '../report';

const RATIO_TARGET = 3;

// The denominator: the same rows the analysis reads (the scored attempts' responses of the activity), counted.
const COUNT_SAME_RESPONSES_SQL = `
  SELECT count(*) FROM attempts a JOIN attempt_responses r ON r.attempt_id = a.id
  WHERE a.activity_id = $1 AND a.status = 'scored'`;
// For context only: every response of the table, counted (PostgreSQL answers it from an index alone).
const COUNT_ALL_RESPONSES_SQL = 'SELECT count(*) FROM attempt_responses';

function sizes(): number[] {
  const raw = process.env.BENCH_ANALYSIS_ATTEMPTS ?? '1000,100000';
  const list = raw.split(',').map((part) => Number(part.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1) || list.some((n, i) => i > 0 && n <= list[i - 1]!))
    throw new BenchConfigError(`BENCH_ANALYSIS_ATTEMPTS must be ascending positive integers, not "${raw}"`);
  return list;
}

function runsPerMedian(): number {
  const raw = process.env.BENCH_ANALYSIS_RUNS ?? '9';
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1)
    throw new BenchConfigError(`BENCH_ANALYSIS_RUNS must be a positive integer, not "${raw}"`);
  return runs;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Times each statement `runs` times, interleaved, after one unmeasured run each (plans and caches warm). */
async function timeStatements(runs: number, statements: Record<string, () => Promise<unknown>>) {
  const times = Object.fromEntries(Object.keys(statements).map((name) => [name, [] as number[]]));
  for (let run = 0; run <= runs; run++) {
    for (const [name, statement] of Object.entries(statements)) {
      const started = performance.now();
      await statement();
      if (run > 0) times[name]!.push(performance.now() - started);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
}

/** An educator signed in to the real app: a learner signed in over HTTP, then given the role (read per request). */
async function signInEducator(bench: Bench) {
  const [educator] = await signInLearners(bench.servers.app, bench.prisma, 1);
  await bench.prisma.user.update({ where: { id: educator!.userId }, data: { role: 'educator' } });
  return educator!;
}

/** The p50 of one page, one request at a time, after the warm-up. */
async function pageLatency(bench: Bench, target: Target, problems: string[], label: string) {
  await checkTarget(target);
  const settings = { duration: bench.config.duration, connections: 1 };
  if (bench.config.warmup > 0) await measure(target, { ...settings, duration: bench.config.warmup });
  const m = await measure(target, settings);
  problems.push(...problemsOf(m).map((problem) => `${label}: ${problem}`));
  return m;
}

export const itemAnalysis: Scenario = {
  name: 'item-analysis',
  async run(bench): Promise<Outcome> {
    const targets = sizes();
    const runs = runsPerMedian();
    const activity = await bench.prisma.activity.findUniqueOrThrow({
      where: { slug: ACTIVITY_SLUG },
      select: { id: true },
    });
    const educator = await signInEducator(bench);
    const page = (path: string, expectText: string): Target => ({
      url: `${bench.servers.app}/items/${ACTIVITY_SLUG}${path}`,
      headers: { cookie: educator.cookie },
      expectStatus: 200,
      expectText,
    });
    const client = new Client({ connectionString: bench.databaseUrl });
    await client.connect();
    const lines: string[] = [];
    const problems: string[] = [];
    try {
      const analysis = createItemAnalysisQueries(client);
      for (const size of targets) {
        const started = performance.now();
        const growth = await growScoredAttempts(bench.databaseUrl, activity.id, size, console.log);
        // What autovacuum does after a bulk load in production (it may be off on a test server): the scoring
        // statement's updates leave a dead row version per response, and the planner needs fresh statistics.
        await client.query('VACUUM ANALYZE attempts, attempt_responses');
        const builtIn = (performance.now() - started) / 1000;
        const { rows } = await client.query<{ count: string }>(COUNT_SAME_RESPONSES_SQL, [activity.id]);
        const responses = Number(rows[0]!.count);
        console.log(
          `item analysis at ${size} scored attempts (${responses} responses; built in ${builtIn.toFixed(1)} s: ` +
            `insert ${growth.insertSeconds.toFixed(1)} s, scoring ${growth.scoreSeconds.toFixed(1)} s, then VACUUM ANALYZE)`,
        );
        const medians = await timeStatements(runs, {
          analysis: () => analysis.itemVersionFigures(activity.id),
          sameResponses: () =>
            client.query({ name: 'bench-count-same', text: COUNT_SAME_RESPONSES_SQL, values: [activity.id] }),
          allResponses: () => client.query({ name: 'bench-count-all', text: COUNT_ALL_RESPONSES_SQL }),
        });
        const ratio = medians.analysis! / medians.sameResponses!;
        const bank = await pageLatency(bench, page('', 'id="bank-title"'), problems, `bank page at ${size}`);
        const report = await pageLatency(
          bench,
          page('/analysis', 'Item analysis'),
          problems,
          `analysis page at ${size}`,
        );
        lines.push(
          `item analysis, ${size} scored attempts (${responses} responses), medians of ${runs} runs:`,
          `  analysis statement ${ms(medians.analysis!)} ÷ count(*) of the same responses ` +
            `${ms(medians.sameResponses!)} = ${ratio.toFixed(2)}  target ≤ ${RATIO_TARGET}  ` +
            `${ratio <= RATIO_TARGET ? 'met' : 'below target'}`,
          `  (÷ count(*) of the whole table, index only, ${ms(medians.allResponses!)} = ` +
            `${(medians.analysis! / medians.allResponses!).toFixed(2)}, no target)`,
          `  bank page p50 ${bank.latencyP50} ms (p99 ${bank.latencyP99} ms, ${bank.requests} requests); ` +
            `analysis page p50 ${report.latencyP50} ms (p99 ${report.latencyP99} ms, ${report.requests} requests)`,
        );
      }
    } finally {
      await client.end();
    }
    return { lines, problems };
  },
};
