// What each batch writes, decided in plain TypeScript before any SQL: which activities each learner completed or
// left, when, with how many attempts and what scores, the evaluation, the credit claimed and what happened to the
// certificate since. The SQL (batch.ts) only expands this into rows (a lesson view per lesson, a response per item).
import { formatCredits } from '../../catalogue/view-model';
import { Stage, type Allocation } from './allocation';
import { rng, type Rng } from './random';
import { syntheticLearner, type SyntheticLearner } from './people';

/** What the plan needs to know of each synthetic copy. */
export interface CopyPlanInfo {
  activityId: number;
  lessonCount: number;
  /** Items per form (items per objective × objectives). */
  itemCount: number;
  passingScorePercent: number;
  maxCredits: number;
  objectiveCodes: string[];
}

export interface PlanContext {
  seed: number;
  learners: number;
  batchSize: number;
  copies: CopyPlanInfo[];
  allocation: Allocation;
  /** The seed's clock, ms since the epoch. */
  now: number;
  formsPerCopy: number;
  variantsPerForm: number;
  texts: { biasComments: number; intendedChanges: number; revokeReasons: number; correctionReasons: number };
}

export interface PlannedAttempt {
  number: number;
  form: number;
  variant: number;
  correctCount: number;
  itemCount: number;
  passes: boolean;
  startedAt: number;
  submittedAt: number;
}

export interface PlannedRecord {
  /** The learner's position in the batch. */
  learner: number;
  copy: CopyPlanInfo;
  stage: number;
  lessonsRead: number;
  /** Enrollment start, and the seconds from the first lesson opened to the last. */
  startedAt: number;
  spanSeconds: number;
  /** The claim (or, unfinished, when the learner stopped). */
  anchor: number;
  evaluatedAt: number;
  attempts: PlannedAttempt[];
  evaluation: {
    ratings: string;
    relevance: number;
    freeOfBias: boolean;
    bias: number;
    change: number;
    quality: number;
  };
  amount: number;
  amountText: string;
  /** Correction: the amount claimed first, and when an admin corrected it (then the certificate was reissued). */
  correction: { fromAmount: number; fromAmountText: string; at: number; reason: number } | null;
  revocation: { at: number; reason: number } | null;
}

export interface BatchPlan {
  learners: (SyntheticLearner & { createdAt: number; leftAt: number })[];
  records: PlannedRecord[];
}

const SECOND = 1000;
const DAY = 86_400_000;
const rating = (random: Rng) =>
  random.weighted([
    [5, 55],
    [4, 33],
    [3, 8],
    [2, 3],
    [1, 1],
  ] as const);

/** Lowest correct count that passes (the score is rounded to 2 decimals, as the scoring statement does). */
const passMark = (copy: CopyPlanInfo) => {
  for (let correct = 0; correct <= copy.itemCount; correct++)
    if (Math.round((correct * 10000) / copy.itemCount) / 100 >= copy.passingScorePercent) return correct;
  return copy.itemCount + 1;
};

function plannedAttempts(ctx: PlanContext, random: Rng, copy: CopyPlanInfo, stage: number, end: number) {
  const mark = passMark(copy);
  const passing = stage >= Stage.passed;
  const failed =
    stage === Stage.failed
      ? random.weighted([
          [1, 75],
          [2, 25],
        ] as const)
      : passing
        ? random.weighted([
            [0, 88],
            [1, 9],
            [2, 3],
          ] as const)
        : 0;
  const total = failed + (passing ? 1 : 0);
  const attempts: PlannedAttempt[] = [];
  let submittedAt = end;
  for (let number = total; number >= 1; number--) {
    const passes = passing && number === total;
    const span = passes ? Math.max(0, copy.itemCount - mark) : Math.max(0, mark - 1);
    const correctCount = passes
      ? copy.itemCount - Math.min(span, Math.floor(Math.abs(random.normal()) * 1.3))
      : Math.max(0, mark - 1 - Math.min(span, random.int(5)));
    const startedAt = submittedAt - random.between(6 * 60, 25 * 60) * SECOND;
    attempts.unshift({
      number,
      form: random.int(ctx.formsPerCopy),
      variant: random.int(ctx.variantsPerForm),
      correctCount,
      itemCount: copy.itemCount,
      passes,
      startedAt,
      submittedAt,
    });
    submittedAt = startedAt - random.between(20 * 60, 3 * 86_400) * SECOND;
  }
  return attempts;
}

function plannedRecord(
  ctx: PlanContext,
  random: Rng,
  learner: number,
  registered: number,
  slot: number,
  stage: number,
) {
  const copy = ctx.copies[slot]!;
  const daysAgo = ((ctx.now - registered) / DAY) * random.next();
  const anchor = Math.min(ctx.now - 10 * 60 * SECOND, ctx.now - daysAgo * DAY);
  const evaluatedAt = anchor - random.between(60, 480) * SECOND;
  const attempts = plannedAttempts(ctx, random, copy, stage, evaluatedAt - random.between(30, 300) * SECOND);
  const firstStart = attempts[0]?.startedAt ?? anchor;
  const spanSeconds = random.chance(0.7) ? random.between(600, 2400) : random.between(1, 14) * 86_400;
  const lessonsRead =
    stage === Stage.reading && copy.lessonCount > 1
      ? random.between(1, copy.lessonCount - 1)
      : copy.lessonCount;
  const startedAt = firstStart - random.between(60, 3600) * SECOND - spanSeconds * SECOND;
  const steps = Array.from({ length: Math.round(copy.maxCredits * 4) }, (_, i) => (i + 1) / 4);
  const amount = random.chance(0.9) ? copy.maxCredits : random.pick(steps);
  const claimed = stage === Stage.claimed;
  const others = steps.filter((step) => step !== amount);
  const corrected = claimed && others.length > 0 && random.chance(0.005);
  const revoked = claimed && !corrected && random.chance(0.015);
  const fromAmount = corrected ? random.pick(others) : amount;
  const freeOfBias = random.chance(0.96);
  return {
    learner,
    copy,
    stage,
    lessonsRead,
    startedAt,
    spanSeconds,
    anchor,
    evaluatedAt,
    attempts,
    evaluation: {
      ratings: JSON.stringify(Object.fromEntries(copy.objectiveCodes.map((code) => [code, rating(random)]))),
      relevance: rating(random),
      freeOfBias,
      bias: random.int(ctx.texts.biasComments) + 1,
      change: random.int(ctx.texts.intendedChanges) + 1,
      quality: rating(random),
    },
    amount,
    amountText: formatCredits(amount),
    correction: corrected
      ? {
          fromAmount,
          fromAmountText: formatCredits(fromAmount),
          at: Math.min(ctx.now - 30 * SECOND, anchor + random.between(1, 30) * DAY),
          reason: random.int(ctx.texts.correctionReasons) + 1,
        }
      : null,
    revocation: revoked
      ? {
          at: Math.min(ctx.now - 60 * SECOND, anchor + random.between(1, 90) * DAY),
          reason: random.int(ctx.texts.revokeReasons) + 1,
        }
      : null,
  } satisfies PlannedRecord;
}

export const batchCount = (ctx: Pick<PlanContext, 'learners' | 'batchSize'>) =>
  Math.ceil(ctx.learners / ctx.batchSize);

/** The learners of batch `batch` and everything they did. */
export function planBatch(ctx: PlanContext, batch: number): BatchPlan {
  const random = rng(ctx.seed, 3, batch);
  const first = batch * ctx.batchSize;
  const last = Math.min(ctx.learners, first + ctx.batchSize);
  const learners: BatchPlan['learners'] = [];
  const records: PlannedRecord[] = [];
  const copies = ctx.copies.length;
  for (let index = first; index < last; index++) {
    const person = syntheticLearner(ctx.seed, index, index !== first);
    const position = index - first;
    const registered = ctx.now - person.registeredDaysAgo * DAY;
    const { counts, offsets, dropouts } = ctx.allocation;
    const mine: PlannedRecord[] = [];
    for (let j = 0; j < counts[index]!; j++)
      mine.push(
        plannedRecord(ctx, random, position, registered, (offsets[index]! + j) % copies, Stage.claimed),
      );
    if (dropouts[index]! > 0)
      mine.push(
        plannedRecord(
          ctx,
          random,
          position,
          registered,
          (offsets[index]! + counts[index]!) % copies,
          dropouts[index]!,
        ),
      );
    const earliest = Math.min(registered, ...mine.map((r) => r.startedAt - DAY));
    const latest = Math.max(earliest, ...mine.map((r) => r.anchor));
    learners.push({
      ...person,
      createdAt: earliest,
      leftAt: Math.min(ctx.now - SECOND, latest + random.between(1, 60) * DAY),
    });
    records.push(...mine);
  }
  return { learners, records };
}
