// SIGTERM while learners are submitting post-tests to a real app process: the requests it had accepted finish, new
// ones are refused, the process exits within SHUTDOWN_GRACE_SECONDS, and no acknowledged write is lost (every
// submission answered 303 has its attempt scored in the database; none answered is half-scored).
import { createTestApp, type TestApp } from '../support/app';
import { answerKey, factories, firstActivity, type Factories } from '../support/factories';
import { exitWithin, listening, startCompiled, type Started } from './app-process';
import { Visitor, type Instance } from './process-client';

const LEARNERS = 24;
const GRACE_SECONDS = 10;

let t: TestApp;
let make: Factories;
let app: Started;
let instance: Instance;

beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  app = startCompiled({
    DATABASE_URL: t.db.url,
    NODE_ENV: 'production',
    PORT: '0',
    SESSION_SECRET: 'shutdown-under-load-session-secret-0123456789',
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    LOGINS_PER_IP_PER_15_MINUTES: '1000',
  });
  instance = { url: await listening(app) };
}, 120_000);
afterAll(async () => {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
  await t.close();
});

const attemptsPath = `/activities/${firstActivity}/post-test/attempts`;

/** A signed-in learner with an attempt in progress, its form's token and its correct answers, ready to submit. */
async function readyLearner() {
  const learner = await make.user();
  await make.readLessons(learner);
  const attemptId = await make.startedAttempt(learner);
  const browser = new Visitor();
  if ((await browser.signIn(instance, learner.email)).status !== 302) throw new Error('sign-in failed');
  const key = await answerKey(t, attemptId);
  const answers = Object.entries(key).flatMap(([position, ids]) =>
    ids.map((id): [string, string] => [`q${position}`, id]),
  );
  const page = await browser.form(instance, `${attemptsPath}/${attemptId}`);
  return { attemptId, submit: () => page.post(instance, `${attemptsPath}/${attemptId}`, answers) };
}

type Outcome = { attemptId: number; status: number | 'refused'; at: number };

describe('SIGTERM under load', () => {
  it('when SIGTERM arrives while submissions are in flight, then accepted ones finish and are kept, new ones are refused, and it exits in time', async () => {
    const learners: Awaited<ReturnType<typeof readyLearner>>[] = [];
    for (let i = 0; i < LEARNERS; i++) learners.push(await readyLearner());

    const outcomes: Outcome[] = [];
    const send = (learner: (typeof learners)[number]) =>
      learner.submit().then(
        (res) => outcomes.push({ attemptId: learner.attemptId, status: res.status, at: Date.now() }),
        () => outcomes.push({ attemptId: learner.attemptId, status: 'refused', at: Date.now() }),
      );

    // Half the learners submit at once; at the first answer the process is told to stop, the others still in flight.
    const firstWave = learners.slice(0, LEARNERS / 2);
    let signalledAt = 0;
    const inFlight = firstWave.map((learner) => send(learner));
    await Promise.race(inFlight);
    app.child.kill('SIGTERM');
    signalledAt = Date.now();
    // The other half arrive after the signal.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const late = learners.slice(LEARNERS / 2).map((learner) => send(learner));
    await Promise.all([...inFlight, ...late]);

    const exit = await exitWithin(app, GRACE_SECONDS * 1000 + 2000);
    expect({ exit, logs: app.logs.slice(-8), stderr: app.stderr().slice(-2000) }).toMatchObject({
      exit: { code: 0, signal: null },
    });
    expect(app.logs).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));

    // Answered: only 303 (scored), 503 (refused while draining) or a refused connection; never a 500.
    for (const outcome of outcomes) expect([303, 503, 'refused']).toContain(outcome.status);
    const firstIds = new Set(firstWave.map((l) => l.attemptId));
    const finishedAfterSignal = outcomes.filter(
      (o) => firstIds.has(o.attemptId) && o.status === 303 && o.at > signalledAt,
    );
    expect(finishedAfterSignal.length).toBeGreaterThan(0); // the drain let accepted requests finish
    const lateOnes = outcomes.filter((o) => !firstIds.has(o.attemptId));
    expect(lateOnes.every((o) => o.status !== 303)).toBe(true); // nothing new was taken on after the signal

    // No acknowledged write lost, nothing half-done: scored exactly where 303 was answered.
    const attempts = await t.db.prisma.attempt.findMany({
      where: { id: { in: learners.map((l) => l.attemptId) } },
      select: { id: true, status: true, correctCount: true, itemCount: true },
    });
    const acknowledged = new Set(outcomes.filter((o) => o.status === 303).map((o) => o.attemptId));
    for (const attempt of attempts) {
      if (acknowledged.has(attempt.id))
        expect(attempt).toMatchObject({ status: 'scored', correctCount: attempt.itemCount });
      else expect(attempt.status).toBe('in_progress');
    }
  }, 120_000);
});
