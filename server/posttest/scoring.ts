// Pure post-test logic: drawing a form, judging an answer, scoring by objective.
import crypto from 'node:crypto';

export type Random = (maxExclusive: number) => number;
export const cryptoRandom: Random = (max) => crypto.randomInt(max);

export function shuffle<T>(list: readonly T[], random: Random): T[] {
  const copy = list.slice();
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = random(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export interface BankItem {
  itemVersionId: number;
  objectiveCode: string;
  optionIds: string[];
}

export interface DrawnItem {
  itemVersionId: number;
  position: number;
  optionOrder: string[];
}

/** Objectives whose bank has fewer published items than a form needs. */
export function shortObjectives(
  bank: readonly BankItem[],
  objectiveCodes: readonly string[],
  perObjective: number,
) {
  return objectiveCodes
    .map((code) => ({ code, available: bank.filter((item) => item.objectiveCode === code).length }))
    .filter((entry) => entry.available < perObjective);
}

/** `perObjective` items for each objective, in a random order, each with its options in a random order. */
export function drawForm(
  bank: readonly BankItem[],
  objectiveCodes: readonly string[],
  perObjective: number,
  random: Random = cryptoRandom,
): DrawnItem[] {
  const chosen = objectiveCodes.flatMap((code) =>
    shuffle(
      bank.filter((item) => item.objectiveCode === code),
      random,
    ).slice(0, perObjective),
  );
  return shuffle(chosen, random).map((item, index) => ({
    itemVersionId: item.itemVersionId,
    position: index + 1,
    optionOrder: shuffle(item.optionIds, random),
  }));
}

/** Single best answer: the one correct option. Multiple response: exactly the correct set, no partial credit. */
export function isCorrect(correct: readonly string[], selected: readonly string[]): boolean {
  const chosen = new Set(selected);
  return (
    chosen.size === selected.length && chosen.size === correct.length && correct.every((id) => chosen.has(id))
  );
}

export interface ScoredResponse {
  objectiveCode: string;
  objectiveText: string;
  objectivePosition: number;
  correct: boolean;
}

const percentOf = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10000) / 100;

export function scoreByObjective(responses: readonly ScoredResponse[]) {
  const byCode = new Map<
    string,
    { code: string; text: string; position: number; correct: number; total: number }
  >();
  for (const response of responses) {
    const entry = byCode.get(response.objectiveCode) ?? {
      code: response.objectiveCode,
      text: response.objectiveText,
      position: response.objectivePosition,
      correct: 0,
      total: 0,
    };
    entry.total += 1;
    if (response.correct) entry.correct += 1;
    byCode.set(response.objectiveCode, entry);
  }
  return [...byCode.values()]
    .sort((a, b) => a.position - b.position)
    .map((entry) => ({ ...entry, percent: percentOf(entry.correct, entry.total) }));
}

export function overallScore(responses: readonly { correct: boolean }[], passingScorePercent: number) {
  const correctCount = responses.filter((r) => r.correct).length;
  const percent = percentOf(correctCount, responses.length);
  return { correctCount, itemCount: responses.length, percent, passed: percent >= passingScorePercent };
}

/** One question of an attempt as submission needs it: where it is, its type, the options shown, the key. */
export interface SheetQuestion {
  position: number;
  /** single and true_false take one answer; multiple takes one or more. */
  type: 'single' | 'multiple' | 'true_false';
  optionOrder: readonly string[];
  correct: readonly string[];
}

/** Checks answers (position → option ids) against the stored form; returns a message per wrong position. */
export function answerProblems(
  questions: readonly SheetQuestion[],
  answers: Readonly<Record<number, readonly string[]>>,
): Record<number, string> {
  const problems: Record<number, string> = {};
  for (const question of questions) {
    const selected = answers[question.position] ?? [];
    if (selected.length === 0) problems[question.position] = 'Answer this question.';
    else if (selected.some((id) => !question.optionOrder.includes(id)))
      problems[question.position] = 'That option is not part of this question.';
    else if (new Set(selected).size !== selected.length)
      problems[question.position] = 'An option was sent twice.';
    else if (question.type !== 'multiple' && selected.length > 1)
      problems[question.position] = 'Choose one answer.';
  }
  const known = new Set(questions.map((q) => q.position));
  for (const position of Object.keys(answers).map(Number)) {
    if (!known.has(position)) problems[position] = 'This attempt has no such question.';
  }
  return problems;
}
