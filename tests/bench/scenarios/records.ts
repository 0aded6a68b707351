// The admins' records page, GET /admin/records, a deep page with a filter, under load, on the small (10,000
// records) and the large (1,000,000) seeded database, each served by its own app process (scale-data.ts). The page is
// keyset-paginated, so the ratio large ÷ small (req/s) should stay near 1 (target ≥ 0.9).
//
// The filter is a profession (nurses: about a quarter of the records); the page is the one after the record 90 %
// of the way through the filtered list, newest first (the default sort), reached through the page's own cursor
// (server/records/sorting.ts encodeCursor) as its Next link would. The check request must show the learner of the
// next record, so a page that ignored the cursor or the filter fails before any load.
//
// The two sizes are measured in turn, ROUNDS times each (BENCH_DURATION seconds a time), and the ratio is taken over
// all rounds: on a machine shared with other work, load that comes and goes then falls on both sizes alike.
import { Client } from 'pg';
import { encodeCursor } from '../../../server/records/sorting';
import { warmUp, type Scenario } from '../bench';
import { checkTarget, measure, type Measurement, type Target } from '../measure';
import { measurementTable, problemsOf } from '../report';
import { scaleApps, type ScaleApp } from '../scale-data';

const PROFESSION = 'nurse';
const DEPTH = 0.9;
const ROUNDS = 3;
const TARGET = 0.9;

/** The cursor of the row DEPTH of the way through the filtered records, and the email of the row after it. */
async function deepPage(app: ScaleApp) {
  const client = new Client({ connectionString: app.databaseUrl });
  await client.connect();
  try {
    const filtered = `FROM credit_claims c JOIN users u ON u.id = c.user_id WHERE c.learner->>'profession' = $1`;
    const { rows: counted } = await client.query<{ n: number }>(`SELECT count(*)::int AS n ${filtered}`, [
      PROFESSION,
    ]);
    const offset = Math.floor(counted[0]!.n * DEPTH);
    const { rows } = await client.query<{ at: string; id: string; next_email: string }>(
      `SELECT c.completed_at::text AS at, c.id::text AS id,
         lead(u.email) OVER (ORDER BY c.completed_at DESC, c.id DESC) AS next_email
       ${filtered} ORDER BY c.completed_at DESC, c.id DESC OFFSET $2 LIMIT 2`,
      [PROFESSION, offset],
    );
    const row = rows[0];
    if (!row?.next_email) throw new Error(`the ${app.size.label} database has too few ${PROFESSION} records`);
    return {
      cursor: encodeCursor([row.at, row.id]),
      nextEmail: row.next_email,
      offset,
      total: counted[0]!.n,
    };
  } finally {
    await client.end();
  }
}

async function recordsTarget(app: ScaleApp): Promise<Target> {
  const page = await deepPage(app);
  console.log(
    `  ${app.size.label}: ${app.size.records.toLocaleString('en-US')} records, ${PROFESSION}s only ` +
      `(${page.total.toLocaleString('en-US')}), the page after row ${page.offset.toLocaleString('en-US')}: ` +
      `${app.url}/admin/records?profession=${PROFESSION}&after=${page.cursor}`,
  );
  return {
    url: `${app.url}/admin/records?profession=${PROFESSION}&after=${page.cursor}`,
    headers: { cookie: app.cookie },
    expectStatus: 200,
    expectText: page.nextEmail,
  };
}

/** The rounds of one size as one row: requests and seconds summed, latencies the median round's. */
function combined(rounds: Measurement[], seconds: number): Measurement {
  const sum = (pick: (m: Measurement) => number) => rounds.reduce((total, m) => total + pick(m), 0);
  const middle = rounds.slice().sort((a, b) => a.latencyP50 - b.latencyP50)[Math.floor(rounds.length / 2)]!;
  return {
    ...middle,
    requestsPerSecond: sum((m) => m.requests) / (seconds * rounds.length),
    requests: sum((m) => m.requests),
    unexpected: sum((m) => m.unexpected),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
  };
}

export const records: Scenario = {
  name: 'records',
  async run(bench) {
    const { config } = bench;
    const apps = await scaleApps(bench);
    console.log(`measuring records: a deep page with a filter, ${ROUNDS} rounds of each size in turn`);
    const sizes = [apps.small, apps.large];
    const targets = [await recordsTarget(apps.small), await recordsTarget(apps.large)];
    for (const target of targets) await checkTarget(target);
    const problems: string[] = [];
    for (const target of targets) problems.push(...(await warmUp(target, config)));
    const rounds: Measurement[][] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries()) rounds[i]!.push(await measure(target, config));
      const [small, large] = rounds.map((r) => r.at(-1)!.requestsPerSecond);
      console.log(
        `  round ${round + 1}: small ${small!.toFixed(1)} req/s, large ${large!.toFixed(1)} req/s (${(large! / small!).toFixed(2)})`,
      );
    }
    const [small, large] = rounds.map((r) => combined(r, config.duration));
    problems.push(
      ...[small!, large!].flatMap((m, i) => problemsOf(m).map((p) => `${sizes[i]!.size.label}: ${p}`)),
    );
    const ratio = large!.requestsPerSecond / small!.requestsPerSecond;
    return {
      lines: [
        measurementTable([
          { name: `records (${apps.small.size.records.toLocaleString('en-US')})`, measurement: small! },
          { name: `records (${apps.large.size.records.toLocaleString('en-US')})`, measurement: large! },
        ]),
        `ratio records large/small (req/s, ${ROUNDS} rounds each): ${ratio.toFixed(2)}  target ≥ ${TARGET.toFixed(2)}  ` +
          (ratio >= TARGET ? 'met' : 'below target'),
      ],
      problems,
    };
  },
};
