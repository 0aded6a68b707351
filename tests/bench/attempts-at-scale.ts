// Scored post-test attempts at scale for the item-analysis benchmark (100,000 attempts, 1.2 million responses),
// made the way the product makes them but without HTTP: each form is drawn by the post-test's own drawForm from
// the published bank, attempts and responses are inserted set-based (one INSERT … SELECT FROM unnest(…) per
// thousands of rows), and every attempt is then scored by the real scoring statement (server/posttest/queries.ts,
// scoreIfAccepted), which writes `selected`, `correct`, `correct_count` and the score exactly as a submission does.
//
// Answers come from a simulated cohort (a one-parameter logistic model: a learner of ability θ answers an item of
// difficulty b right with probability 1 / (1 + e^(−1.7(θ − b)))), so the figures look like a real bank's: items of
// every difficulty, positive discriminations, attractive and unattractive distractors. Seeded: every run is alike.
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { drawForm, type BankItem } from '../../server/posttest/scoring';
import { createPostTestQueries } from '../../server/posttest/queries';
import { inBatches } from './bench';

/** One published item version as the post-test draws it, with its key. */
interface PublishedVersion extends BankItem {
  type: 'single' | 'multiple' | 'true_false';
  correct: string[];
  /** Its difficulty b in the simulation. */
  difficulty: number;
}

export interface GrowthReport {
  added: number;
  /** Seconds spent inserting attempts and responses, and scoring them. */
  insertSeconds: number;
  scoreSeconds: number;
}

const ATTEMPTS_PER_LEARNER = 4;
const BATCH = 2_000;

/** mulberry32: small, fast, seeded. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
const normal = (random: () => number) =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** The answer a learner of ability θ gives to one question: the key, or a plausible wrong answer. */
function answer(
  item: PublishedVersion,
  optionOrder: string[],
  theta: number,
  random: () => number,
): string[] {
  if (random() < 1 / (1 + Math.exp(-1.7 * (theta - item.difficulty)))) return item.correct;
  // Distractors in authored order are made unequally attractive (weights 4, 2, 1, …); the last of four or more
  // is almost never picked, as in a real bank where one distractor is implausible.
  const distractors = optionOrder.filter((id) => !item.correct.includes(id)).sort();
  const weights = distractors.map((_, i) => (i === distractors.length - 1 && i >= 2 ? 0.02 : 2 ** -i));
  let pick = random() * weights.reduce((sum, w) => sum + w, 0);
  const wrong = distractors.find((_, i) => (pick -= weights[i]!) < 0) ?? distractors[0]!;
  // A multiple-response item is also got wrong by one right option with one wrong one.
  return item.type === 'multiple' && random() < 0.5 ? [item.correct[0]!, wrong] : [wrong];
}

/**
 * Adds scored attempts to the activity until it has `target` of them (nothing when it has as many already).
 * `databaseUrl` is the bench database; `log` hears progress now and then.
 */
export async function growScoredAttempts(
  databaseUrl: string,
  activityId: number,
  target: number,
  log: (line: string) => void,
): Promise<GrowthReport> {
  // A bulk load: commits need not wait for the WAL flush (a crash would lose the last few, which a bench does
  // not care about); what each statement writes is unchanged.
  const pool = new Pool({ connectionString: databaseUrl, max: 4, options: '-c synchronous_commit=off' });
  pool.on('error', () => {}); // an idle connection cut when the bench database goes away: nothing to report
  try {
    return await grow(pool, activityId, target, log);
  } finally {
    await pool.end();
  }
}

async function grow(pool: Pool, activityId: number, target: number, log: (line: string) => void) {
  const { rows: existing } = await pool.query<{ scored: number; learners: number; passing: number }>(
    `SELECT (SELECT count(*)::int FROM attempts WHERE activity_id = $1 AND status = 'scored') AS scored,
       (SELECT count(*)::int FROM users WHERE email LIKE 'bench.analysis.%') AS learners,
       (SELECT passing_score_percent FROM activities WHERE id = $1) AS passing`,
    [activityId],
  );
  const { scored, learners: learnersBefore, passing } = existing[0]!;
  const wanted = Math.max(0, target - scored);
  const report: GrowthReport = { added: 0, insertSeconds: 0, scoreSeconds: 0 };
  if (wanted === 0) return report;

  const { rows: bankRows } = await pool.query<{
    id: number;
    code: string;
    type: PublishedVersion['type'];
    options: { id: string }[];
    correct: string[];
  }>(
    `SELECT v.id, o.code, v.type, v.options, v.correct
     FROM items i JOIN item_versions v ON v.id = i.published_version_id JOIN objectives o ON o.id = i.objective_id
     WHERE i.activity_id = $1 AND i.status = 'published' ORDER BY v.id`,
    [activityId],
  );
  const { rows: objectiveRows } = await pool.query<{ code: string }>(
    'SELECT code FROM objectives WHERE activity_id = $1 ORDER BY position',
    [activityId],
  );
  const random = seeded(20261127 + scored);
  const bank: PublishedVersion[] = bankRows.map((row, i) => ({
    itemVersionId: row.id,
    objectiveCode: row.code,
    optionIds: row.options.map((o) => o.id),
    type: row.type,
    correct: row.correct,
    // Spread from easy (−2) to hard (+1.5), in a fixed shuffled order.
    difficulty: -2 + 3.5 * (((i * 7) % bankRows.length) / Math.max(1, bankRows.length - 1)),
  }));
  const byId = new Map(bank.map((item) => [item.itemVersionId, item]));
  const objectives = objectiveRows.map((o) => o.code);

  // Learners: one per ATTEMPTS_PER_LEARNER attempts, each with a fixed ability.
  const learnersNeeded = Math.ceil(wanted / ATTEMPTS_PER_LEARNER);
  const { rows: learners } = await pool.query<{ id: number }>(
    `INSERT INTO users (email, full_name, profession, degree, synthetic, updated_at)
     SELECT 'bench.analysis.' || g || '@example.org', 'Bench Analysis Learner ' || g, 'physician', 'MD', true, now()
     FROM generate_series($1::int + 1, $1::int + $2::int) AS g
     RETURNING id`,
    [learnersBefore, learnersNeeded],
  );
  const started = Date.now() - 365 * 24 * 3600 * 1000;

  for (let from = 0; from < wanted; from += BATCH) {
    const size = Math.min(BATCH, wanted - from);
    const batch = Array.from({ length: size }, (_, i) => {
      const index = from + i;
      const learner = learners[Math.floor(index / ATTEMPTS_PER_LEARNER)]!;
      const form = drawForm(bank, objectives, 3, (max) => Math.floor(random() * max));
      const theta = normal(random) + (index % ATTEMPTS_PER_LEARNER) * 0.3; // retakes do a little better
      const submittedAt = new Date(started + Math.floor(random() * 364 * 24 * 3600 * 1000));
      return {
        userId: learner.id,
        number: (index % ATTEMPTS_PER_LEARNER) + 1,
        form,
        submittedAt,
        answers: Object.fromEntries(
          form.map((q) => [q.position, answer(byId.get(q.itemVersionId)!, q.optionOrder, theta, random)]),
        ),
      };
    });

    let clock = performance.now();
    const { rows: attempts } = await pool.query<{ id: number; user_id: number; number: number }>(
      `INSERT INTO attempts (user_id, activity_id, number, item_count, passing_score_percent, started_at)
       SELECT u, $1, n, $2, $3, s FROM unnest($4::int[], $5::int[], $6::timestamptz[]) AS t(u, n, s)
       RETURNING id, user_id, number`,
      [
        activityId,
        objectives.length * 3,
        passing,
        batch.map((a) => a.userId),
        batch.map((a) => a.number),
        batch.map((a) => new Date(a.submittedAt.getTime() - 20 * 60 * 1000)),
      ],
    );
    const idOf = new Map(attempts.map((a) => [`${a.user_id}:${a.number}`, a.id]));
    const ids = batch.map((a) => idOf.get(`${a.userId}:${a.number}`)!);
    const responses = batch.flatMap((a, i) => a.form.map((q) => ({ attemptId: ids[i]!, ...q })));
    await pool.query(
      `INSERT INTO attempt_responses (attempt_id, item_version_id, position, option_order)
       SELECT a, v, p, string_to_array(o, ',') FROM unnest($1::int[], $2::int[], $3::int[], $4::text[]) AS t(a, v, p, o)`,
      [
        responses.map((r) => r.attemptId),
        responses.map((r) => r.itemVersionId),
        responses.map((r) => r.position),
        responses.map((r) => r.optionOrder.join(',')),
      ],
    );
    // The statistics autovacuum keeps in production (and may not, on a test server with it off): without them
    // the scoring statement is planned for empty tables and slows down as they fill.
    if ((from / BATCH) % 5 === 0) await pool.query('ANALYZE attempts, attempt_responses');
    report.insertSeconds += (performance.now() - clock) / 1000;

    clock = performance.now();
    const queries = createPostTestQueries(pool);
    await inBatches(batch, 4, async (a, i) => {
      if (!(await queries.scoreIfAccepted(a.userId, ids[i]!, a.answers, a.submittedAt)))
        throw new Error(`the scoring statement declined bench attempt ${ids[i]}`);
    });
    report.scoreSeconds += (performance.now() - clock) / 1000;
    report.added += size;
    if ((from / BATCH) % 10 === 9 || from + size >= wanted)
      log(`  ${scored + report.added} scored attempts (${report.added} added)`);
  }
  return report;
}
