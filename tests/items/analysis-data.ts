// Item-analysis test data: post-tests drawn and scored by the real post-test service, answered by a simulated
// cohort whose answers the test chooses (and therefore knows), and the figures the analysis should report,
// computed here independently from those answers with the textbook formulas.
import type { TestApp } from '../support/app';
import type { Factories } from '../support/factories';

/** One question of a started attempt, as the post-test service drew it. */
export interface DrawnQuestion {
  position: number;
  versionId: number;
  itemId: number;
  key: string;
  objectiveCode: string;
  optionIds: string[];
  correct: string[];
}

/** What the test answered for one question, and whether that answer is right (judged here, not by the app). */
export interface GivenAnswer {
  versionId: number;
  objectiveCode: string;
  optionIds: string[];
  selected: string[];
  right: boolean;
}

export type Answerer = (question: DrawnQuestion) => string[];

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** A fresh learner reads every lesson, starts the post-test, and submits `answer`'s choices to the real service. */
export async function answeredAttempt(t: TestApp, make: Factories, answer: Answerer): Promise<GivenAnswer[]> {
  const learner = await make.user();
  const attemptId = await make.startedAttempt(learner);
  const drawn = await t.db.prisma.attemptResponse.findMany({
    where: { attemptId },
    orderBy: { position: 'asc' },
    select: {
      position: true,
      itemVersion: {
        select: {
          id: true,
          options: true,
          correct: true,
          item: { select: { id: true, key: true, objective: { select: { code: true } } } },
        },
      },
    },
  });
  const questions: DrawnQuestion[] = drawn.map(({ position, itemVersion: v }) => ({
    position,
    versionId: v.id,
    itemId: v.item.id,
    key: v.item.key,
    objectiveCode: v.item.objective.code,
    optionIds: (v.options as { id: string }[]).map((o) => o.id),
    correct: v.correct,
  }));
  const given = questions.map((q) => ({ q, selected: answer(q) }));
  const result = await t.services.postTest.submit(
    learner.id,
    attemptId,
    Object.fromEntries(given.map(({ q, selected }) => [q.position, selected])),
  );
  if ('problems' in result) throw new Error(`answers refused: ${JSON.stringify(result.problems)}`);
  return given.map(({ q, selected }) => ({
    versionId: q.versionId,
    objectiveCode: q.objectiveCode,
    optionIds: q.optionIds,
    selected,
    right: sameSet(selected, q.correct),
  }));
}

/** A small seeded generator (mulberry32), so a run's cohort is the same every time. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Point-biserial correlation by its own formula, r = (M1 − M0) / s · √(p·q), with M1 and M0 the mean rest score
 * of those right and wrong, s the population standard deviation of the rest score and p the proportion right;
 * null where it is undefined (n < 2, everyone right or everyone wrong, or all rest scores equal).
 */
export function pointBiserial(pairs: readonly { right: boolean; rest: number }[]): number | null {
  const n = pairs.length;
  if (n < 2) return null;
  const right = pairs.filter((p) => p.right).map((p) => p.rest);
  const wrong = pairs.filter((p) => !p.right).map((p) => p.rest);
  if (right.length === 0 || wrong.length === 0) return null;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const all = pairs.map((p) => p.rest);
  const m = mean(all);
  const sd = Math.sqrt(all.reduce((s, x) => s + (x - m) ** 2, 0) / n);
  if (sd === 0) return null;
  const p = right.length / n;
  return ((mean(right) - mean(wrong)) / sd) * Math.sqrt(p * (1 - p));
}

export interface ExpectedVersion {
  shown: number;
  correct: number;
  difficulty: number;
  discrimination: number | null;
  chosen: Record<string, number>;
  flags: string[];
}

/** What the analysis should say about every version that was shown, from the answers the test gave. */
export function expectedFigures(attempts: readonly GivenAnswer[][]): Map<number, ExpectedVersion> {
  const pairs = new Map<number, { right: boolean; rest: number; answer: GivenAnswer }[]>();
  for (const attempt of attempts) {
    const total = attempt.filter((a) => a.right).length;
    for (const answer of attempt) {
      const list = pairs.get(answer.versionId) ?? [];
      list.push({ right: answer.right, rest: total - (answer.right ? 1 : 0), answer });
      pairs.set(answer.versionId, list);
    }
  }
  const expected = new Map<number, ExpectedVersion>();
  for (const [versionId, list] of pairs) {
    const correct = list.filter((p) => p.right).length;
    const difficulty = correct / list.length;
    const discrimination = pointBiserial(list);
    const chosen: Record<string, number> = {};
    for (const id of list[0]!.answer.optionIds)
      chosen[id] = list.filter((p) => p.answer.selected.includes(id)).length;
    // The brief's thresholds, restated here rather than imported.
    const flags = [
      ...(difficulty > 0.95 ? ['too-easy'] : []),
      ...(difficulty < 0.25 ? ['too-hard'] : []),
      ...(discrimination !== null && discrimination < 0 ? ['negative-discrimination'] : []),
      ...(discrimination !== null && discrimination >= 0 && discrimination < 0.1
        ? ['low-discrimination']
        : []),
      ...(Object.values(chosen).some((count) => count === 0) ? ['option-never-chosen'] : []),
    ];
    expected.set(versionId, { shown: list.length, correct, difficulty, discrimination, chosen, flags });
  }
  return expected;
}
