// Post-test submissions under many concurrent learners: each request submits the correct answers of a fresh
// in-progress attempt, and what counts is the 303s to the result, each checked scored in the database. Compared
// with the floor (a signed-in POST that does nothing), measured in turn with it, and with one INSERT.
import { performance } from 'node:perf_hooks';
import { ACTIVITY_SLUG, inBatches, warmUp, type Bench, type Scenario } from '../bench';
import type { SignedInLearner } from '../learners';
import { attemptQueue, sharedCounter, type AttemptQueue } from '../load/data';
import { inTurn, mainThreadLine, perRoundLine, ROUNDS_IN_TURN, turnProblems, type Turn } from '../in-turn';
import type { Target } from '../measure';
import { floorTarget } from './floor';

const postTestPath = `/activities/${ACTIVITY_SLUG}/post-test`;

/** The rate of the floor measured in turn with the submissions, for the target ratio (run.ts). */
export const FLOOR_IN_TURN = 'floor in turn';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs …/post-test/attempts as the learner; returns the new attempt's id. */
async function startAttempt(appUrl: string, learner: SignedInLearner): Promise<number> {
  const res = await fetch(`${appUrl}${postTestPath}/attempts`, {
    method: 'POST',
    headers: { cookie: learner.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: learner.csrf }).toString(),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  const location = res.headers.get('location') ?? '';
  const id = /attempts\/(\d+)$/.exec(location)?.[1];
  if (res.status !== 303 || !id)
    throw new Error(`starting a post-test answered ${res.status} (location "${location}"), not 303`);
  return Number(id);
}

/**
 * Every lesson viewed (the post-test unlocks), one attempt per learner started through the real route, then
 * cloned in SQL into `perLearner` more in-progress attempts each (same items, positions and option order), queued
 * round-robin over learners so that concurrent requests are mostly different learners. Checks one submission.
 */
async function prepare(bench: Bench, learners: SignedInLearner[], perLearner: number) {
  const { prisma } = bench;
  const userIds = learners.map((l) => l.userId);
  const activity = await prisma.activity.findUniqueOrThrow({
    where: { slug: ACTIVITY_SLUG },
    select: { lessons: { select: { id: true } } },
  });
  const now = new Date();
  await prisma.lessonView.createMany({
    data: userIds.flatMap((userId) =>
      activity.lessons.map((lesson) => ({
        userId,
        lessonId: lesson.id,
        firstViewedAt: now,
        lastViewedAt: now,
        secondsSpent: 120,
      })),
    ),
  });
  const firstAttempts = await inBatches(learners, 4, (learner) => startAttempt(bench.servers.app, learner));

  // The correct answers of each learner's form (its clones share it), form-encoded with the session's token.
  const bodies = await Promise.all(
    firstAttempts.map(async (attemptId, i) => {
      const responses = await prisma.attemptResponse.findMany({
        where: { attemptId },
        orderBy: { position: 'asc' },
        select: { position: true, itemVersion: { select: { correct: true } } },
      });
      const form = new URLSearchParams();
      for (const response of responses)
        for (const id of response.itemVersion.correct) form.append(`q${response.position}`, id);
      form.append('_csrf', learners[i]!.csrf);
      return form.toString();
    }),
  );

  await prisma.$executeRaw`
    WITH source AS (
      SELECT id, user_id, activity_id, number, item_count, passing_score_percent
      FROM attempts WHERE id = ANY(${firstAttempts}::int[])
    ), cloned AS (
      INSERT INTO attempts (user_id, activity_id, number, item_count, passing_score_percent)
      SELECT s.user_id, s.activity_id, s.number + g, s.item_count, s.passing_score_percent
      FROM source s CROSS JOIN generate_series(1, ${perLearner}::int) AS g
      RETURNING id, user_id
    )
    INSERT INTO attempt_responses (attempt_id, item_version_id, position, option_order)
    SELECT c.id, r.item_version_id, r.position, r.option_order
    FROM cloned c JOIN source s ON s.user_id = c.user_id JOIN attempt_responses r ON r.attempt_id = s.id`;
  // Tens of thousands of rows just appeared: give the planner the statistics autovacuum keeps in production.
  await prisma.$executeRaw`ANALYZE attempts, attempt_responses`;
  const clones = await prisma.attempt.findMany({
    where: { userId: { in: userIds }, status: 'in_progress', id: { notIn: firstAttempts } },
    select: { id: true, userId: true },
    orderBy: [{ number: 'asc' }, { userId: 'asc' }],
  });
  const learnerIndex = new Map(userIds.map((id, i) => [id, i]));
  const queue: AttemptQueue = {
    cursor: sharedCounter(),
    pathPrefix: `${postTestPath}/attempts/`,
    ids: clones.map((c) => c.id),
    learner: clones.map((c) => learnerIndex.get(c.userId)!),
    cookies: learners.map((l) => l.cookie),
    bodies,
  };

  // One submission exactly as the load sends it (learner 0's first attempt): 303 to the result, scored, passed.
  const check = await fetch(`${bench.servers.app}${postTestPath}/attempts/${firstAttempts[0]}`, {
    method: 'POST',
    headers: { cookie: learners[0]!.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: bodies[0],
    redirect: 'manual',
  });
  const checkBody = await check.text();
  if (check.status !== 303)
    throw new Error(`checking a submission: ${check.status}, not 303:\n${checkBody.slice(0, 500)}`);
  const checked = await prisma.attempt.findUniqueOrThrow({ where: { id: firstAttempts[0]! } });
  if (checked.status !== 'scored' || !checked.passed || checked.correctCount !== checked.itemCount)
    throw new Error(`the checked submission was not scored 100 %: ${JSON.stringify(checked)}`);
  return queue;
}

export const submissions: Scenario = {
  name: 'submissions',
  async run(bench) {
    const started = performance.now();
    const { config, prisma } = bench;
    const learners = await bench.learners();
    const userIds = learners.map((l) => l.userId);
    // Twice the attempts the best expected rate needs (no submission beats the floor), so the queue lasts the run.
    const expectedPerSecond = Math.max(400, bench.rates.get('floor') ?? bench.rates.get('insert') ?? 5000);
    const loadSeconds = config.warmup + config.duration;
    const perLearner = Math.max(4, Math.ceil((2 * expectedPerSecond * loadSeconds) / learners.length));
    const queue = await prepare(bench, learners, perLearner);
    const target: Target = {
      url: `${bench.servers.app}${postTestPath}`,
      expectStatus: 303,
      load: attemptQueue(queue),
    };
    const scored = () => prisma.attempt.count({ where: { userId: { in: userIds }, status: 'scored' } });
    // Requests still in the server when autocannon stopped: wait until none more get scored, so that the next
    // phase starts on an idle server and cleanup never ends a pool under a request.
    const settle = async () => {
      const deadline = Date.now() + 10_000;
      let last = await scored();
      while (Date.now() < deadline) {
        await sleep(250);
        const now = await scored();
        if (now === last) return;
        last = now;
      }
    };
    const preparedIn = (performance.now() - started) / 1000;

    const problems = await warmUp(target, config);
    await settle();
    const floorLoad = bench.rates.has('floor') ? await floorTarget(bench) : null;
    const roundCount = floorLoad ? ROUNDS_IN_TURN : 1;
    const round = {
      duration: Math.max(1, Math.round(config.duration / roundCount)),
      connections: config.connections,
    };
    console.log(
      `measuring submissions: ${queue.ids.length} attempts of ${learners.length} learners ` +
        `(prepared in ${preparedIn.toFixed(1)} s)` +
        (floorLoad ? `, in turn with the floor: ${roundCount} rounds of ${round.duration} s each` : ''),
    );
    const turns = await inTurn(target, floorLoad, { rounds: roundCount, ...round }, async (turn, i) => {
      await settle();
      // Counted by submitted_at: requests still in flight at the end and committed after `to` are left out.
      const scoredCount = await prisma.attempt.count({
        where: { userId: { in: userIds }, status: 'scored', submittedAt: { gte: turn.from, lte: turn.to } },
      });
      if (scoredCount < answered(turn))
        problems.push(
          `round ${i + 1}: ${answered(turn)} submissions answered 303 but only ${scoredCount} were scored`,
        );
      problems.push(...turnProblems(turn));
    });
    if (Atomics.load(queue.cursor, 0) > queue.ids.length)
      problems.push(`ran out of the ${queue.ids.length} prepared attempts`);
    const seconds = round.duration * roundCount;
    const rate = turns.reduce((sum, turn) => sum + answered(turn), 0) / seconds;
    const rates: Record<string, number> = {};
    if (floorLoad)
      rates[FLOOR_IN_TURN] =
        turns.reduce((sum, turn) => sum + turn.baseline!.measurement.requests, 0) / seconds;
    return {
      rate,
      rates,
      lines: lines(turns, round.duration),
      problems,
    };
  },
};

/**
 * Submissions answered 303 in a round, each scored (checked against the database). The rate counts these, as the
 * floor's counts its answers: a request the server took before the round ended but answered after is scored, yet
 * not counted on either side.
 */
const answered = (turn: Turn) => turn.target.measurement.statusCodes['303'] ?? 0;

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function lines(turns: Turn[], roundSeconds: number): string[] {
  const seconds = roundSeconds * turns.length;
  const measurements = turns.map((turn) => turn.target.measurement);
  const scored = turns.reduce((sum, turn) => sum + answered(turn), 0);
  const requests = measurements.reduce((sum, m) => sum + m.requests, 0);
  const codes = measurements.flatMap((m) => Object.entries(m.statusCodes));
  const count = (test: (code: number) => boolean) =>
    codes.filter(([code]) => test(Number(code))).reduce((sum, [, n]) => sum + n, 0);
  const output = [
    `post-test submissions: ${scored} attempts scored in ${seconds} s = ${(scored / seconds).toFixed(1)} scored/s ` +
      `(303 answers, each checked scored in the database)`,
    `  requests: ${(requests / seconds).toFixed(1)} req/s, ` +
      `p50 ${median(measurements.map((m) => m.latencyP50))} ms, ` +
      `p99 ${Math.max(...measurements.map((m) => m.latencyP99))} ms (median and worst of the rounds), ` +
      `${requests} answered: 2xx ${count((c) => c < 300)}, 3xx ${count((c) => c >= 300 && c < 400)} ` +
      `(303: ${count((c) => c === 303)}), 4xx ${count((c) => c >= 400 && c < 500)}, 5xx ${count((c) => c >= 500)}, ` +
      `errors ${measurements.reduce((sum, m) => sum + m.errors, 0)}`,
  ];
  const baselines = turns.flatMap((turn) => (turn.baseline ? [turn.baseline] : []));
  if (baselines.length === turns.length) output.push(perRoundLine('scored', turns, roundSeconds, answered));
  const mainThread = mainThreadLine([
    { label: 'floor', phases: baselines },
    { label: 'submissions', phases: turns.map((turn) => turn.target) },
  ]);
  if (mainThread) output.push(mainThread);
  return output;
}
