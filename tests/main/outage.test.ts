// Issue 8, "Nothing lost": the real app (server/main.ts) on its embedded PostgreSQL, whose postmaster is killed with
// SIGKILL while learners submit post-tests, evaluate and claim credit, with requests in flight. Each learner retries
// on 503 as Retry-After asks. Nothing acknowledged may be lost or doubled, nothing half-written, and the app must be
// ready again on its own. The workload and its checks are in outage-soak.ts, whose long version kills repeatedly.
import {
  appState,
  checkAcknowledged,
  checkHalfWritten,
  figures,
  judge,
  loadAnswerKey,
  prepareLearners,
  resubmit,
  runWorkload,
  startApp,
  type AnswerKey,
  type Figures,
  type Learner,
  type OutageApp,
  type WorkloadPlan,
  type WorkloadResult,
} from './outage-soak';

const plan: WorkloadPlan = {
  // One kill, 1.5 s into the workload, once at least three requests are in flight.
  firstKillMs: 1500,
  killEveryMs: 0,
  lastKillBeforeMs: 1500,
  minInFlightAtKill: 3,
  // Retakers fail attempt after attempt and submit a passing one (then evaluate and claim) before, during or after
  // the outage; claimers claim around it.
  finishWindowMs: [1000, 4500],
  claimWindowMs: [1000, 3500],
  thinkMs: [0, 30],
  stepLimitMs: 40_000,
  // Retry-After says 5 s; a learner here retries after a second.
  maxRetryPauseMs: 1000,
  recoveryLimitMs: 30_000,
  requestTimeoutMs: 15_000,
  seed: Number(process.env.OUTAGE_SEED ?? Date.now() % 2 ** 31),
};

describe('server/main.ts when its embedded PostgreSQL is killed while learners submit post-tests and claim credit', () => {
  let app: OutageApp | undefined;
  let key: AnswerKey;
  let learners: Learner[];
  let workload: WorkloadResult;
  let numbers: Figures;

  beforeAll(async () => {
    app = await startApp();
    key = await loadAnswerKey(app);
    // Physicians and nurses (no pharmacist identifiers needed), registered through /register, all lessons read, an
    // attempt started; the claimers have also passed and evaluated.
    learners = await prepareLearners(app, key, { retakers: 4, claimers: 4 });
  }, 150_000);

  afterAll(async () => {
    await app?.close();
  }, 30_000);

  it('when the postmaster is SIGKILLed with writes in flight, then every answer is a success or a 503 with Retry-After, and every learner gets through by retrying', async () => {
    workload = await runWorkload(app!, learners, key, plan);
    // A crash of the app says what killed it (its stderr carries the uncaught error and the exit's stack).
    expect(appState(app!, workload.logsFrom)).toEqual(['the app is running']);
    numbers = await figures(app!, learners, workload);
    console.log(
      `seed ${plan.seed}: ${numbers.requests} requests in ${numbers.seconds} s, ${JSON.stringify(numbers.statuses)}; ` +
        `kill: ${JSON.stringify(numbers.kills)}; acknowledged ${JSON.stringify(numbers.acknowledged)}; ` +
        `stored although a try was answered 503: ${JSON.stringify(numbers.storedBehind503)}`,
    );
    expect(numbers.kills).toHaveLength(1);
    expect(numbers.kills[0]!.inFlight).toBeGreaterThanOrEqual(plan.minInFlightAtKill);
    expect(numbers.unexpected).toEqual([]);
    expect(numbers.unavailableWithoutRetryAfter).toBe(0);
    expect(numbers.failures).toEqual([]);
    expect(workload.finished).toHaveLength(learners.length);
    // The outage was met: some answers were 503 (else the test proved nothing).
    expect(numbers.unavailable).toBeGreaterThan(0);
    // No request error logged by the app (a 500, or an error after a success was sent).
    expect(numbers.serverErrors).toEqual([]);
  }, 90_000);

  it('then /readyz is 200 again within 30 s of the kill, the same app process having restarted PostgreSQL', () => {
    expect(numbers.kills[0]!.readyAfterMs).not.toBeNull();
    expect(numbers.kills[0]!.readyAfterMs!).toBeLessThanOrEqual(30_000);
    expect(app!.server.child.exitCode).toBeNull();
    expect(app!.server.child.signalCode).toBeNull();
    expect(numbers.restartsLogged).toBe(1);
  });

  it('then every acknowledged submission, evaluation and claim is stored exactly once (attempt scored with the answers sent, one claim with one certificate)', async () => {
    expect(workload.submissions.length).toBeGreaterThan(learners.length / 2);
    expect(workload.claims).toHaveLength(learners.length);
    expect(await checkAcknowledged(app!, learners, workload)).toEqual([]);
  });

  it('then nothing in the database is half-written (claims, certificates, attempts, responses, scores)', async () => {
    expect(await checkHalfWritten(app!)).toEqual([]);
  });

  it('when a stored submission or claim is posted again (a retry after a lost answer), then it is applied once: redirected to the stored result, nothing changes', async () => {
    const again = await resubmit(app!, learners, key, workload);
    expect(again.attempts).toHaveLength(workload.submissions.length);
    expect(again.claims).toHaveLength(workload.claims.length);
    expect(judge(numbers, again, plan, app!)).toEqual([]);
    // As the post-test service answers a scored attempt: the same result, no second score.
    expect(new Set(again.attempts.map((a) => a.status))).toEqual(new Set([303]));
    expect(new Set(again.claims.map((c) => c.status))).toEqual(new Set([303]));
    expect(await checkAcknowledged(app!, learners, workload)).toEqual([]);
    expect(await checkHalfWritten(app!)).toEqual([]);
  }, 30_000);
});
