// The activity report's figures, from the rows of queries.ts: weeks filled in and named, the funnel's steps with
// their shares, rates, means. Plain functions, no I/O (tests/reports/figures.test.ts).
import type {
  CompletionsPerWeekRow,
  EvaluationAnswersRow,
  FunnelRow,
  ObjectiveScoreRow,
  PassRatesRow,
} from './queries';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

/** A ratio, or null when there is nothing to divide by (shown as "—", never as 0 %). */
export const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** The Monday (UTC midnight) of the ISO week holding `date`. */
export function isoWeekStart(date: Date): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

/** "2026-W05": the ISO 8601 week of a date (its year is the year of the week's Thursday). */
export function isoWeekLabel(date: Date): string {
  const thursday = new Date(isoWeekStart(date).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export interface WeekCount {
  /** ISO week, e.g. 2026-W05. */
  week: string;
  /** Its Monday, YYYY-MM-DD. */
  monday: string;
  completions: number;
}

/**
 * Every ISO week from the first completion's to the later of the last completion's and the current one, weeks
 * without completions as 0: a quiet spell shows as such instead of disappearing from the chart.
 */
export function weeklyCompletions(rows: readonly CompletionsPerWeekRow[], now: Date): WeekCount[] {
  if (rows.length === 0) return [];
  const mondayOf = (row: CompletionsPerWeekRow) =>
    isoWeekStart(new Date(`${row.week_start}T00:00:00Z`)).getTime();
  const byMonday = new Map(rows.map((row) => [mondayOf(row), row.completions]));
  const first = mondayOf(rows[0]!);
  const last = Math.max(mondayOf(rows[rows.length - 1]!), isoWeekStart(now).getTime());
  const weeks: WeekCount[] = [];
  for (let monday = first; monday <= last; monday += WEEK_MS) {
    const date = new Date(monday);
    weeks.push({
      week: isoWeekLabel(date),
      monday: date.toISOString().slice(0, 10),
      completions: byMonday.get(monday) ?? 0,
    });
  }
  return weeks;
}

export interface FunnelStep {
  key: keyof FunnelRow;
  label: string;
  /** What the step counts, in one line, as the page states it. */
  definition: string;
  learners: number;
  /** Share of the registered learners. */
  ofRegistered: number | null;
  /** Share of the step before (null for the first). */
  ofPrevious: number | null;
}

export const FUNNEL_STEPS: readonly { key: keyof FunnelRow; label: string; definition: string }[] = [
  { key: 'registered', label: 'Registered', definition: 'learner accounts on the platform' },
  { key: 'started', label: 'Started', definition: 'opened a first lesson' },
  { key: 'read_all', label: 'Read all lessons', definition: 'opened every lesson' },
  { key: 'passed', label: 'Passed', definition: 'passed the post-test' },
  { key: 'evaluated', label: 'Evaluated', definition: 'submitted the evaluation' },
  { key: 'claimed', label: 'Claimed credit', definition: 'claimed credit (a completion record)' },
];

export function funnelSteps(row: FunnelRow): FunnelStep[] {
  return FUNNEL_STEPS.map((step, index) => ({
    ...step,
    learners: row[step.key],
    ofRegistered: ratio(row[step.key], row.registered),
    ofPrevious: index === 0 ? null : ratio(row[step.key], row[FUNNEL_STEPS[index - 1]!.key]),
  }));
}

export interface PassRates {
  scoredAttempts: number;
  passedAttempts: number;
  /** Passed attempts ÷ scored attempts. */
  attemptPassRate: number | null;
  learnersAttempted: number;
  learnersPassed: number;
  /** Learners who passed ÷ learners with a scored attempt. */
  learnerPassRate: number | null;
  /** Mean over the learners who passed of the number of their first passed attempt. */
  meanAttemptsToPass: number | null;
}

export const passRates = (row: PassRatesRow): PassRates => ({
  scoredAttempts: row.scored_attempts,
  passedAttempts: row.passed_attempts,
  attemptPassRate: ratio(row.passed_attempts, row.scored_attempts),
  learnersAttempted: row.learners_attempted,
  learnersPassed: row.learners_passed,
  learnerPassRate: ratio(row.learners_passed, row.learners_attempted),
  meanAttemptsToPass: row.mean_attempts_to_pass,
});

export interface ObjectiveScore {
  code: string;
  text: string;
  answered: number;
  correct: number;
  /** Correct answers ÷ answers to the objective's questions (each attempt asks as many per objective). */
  meanScore: number | null;
}

/** Every objective of the activity, in its order, with its answers (none yet: 0 answered, no mean). */
export function objectiveScores(
  objectives: readonly { code: string; text: string }[],
  rows: readonly ObjectiveScoreRow[],
): ObjectiveScore[] {
  const byCode = new Map(rows.map((row) => [row.code, row]));
  return objectives.map(({ code, text }) => {
    const row = byCode.get(code);
    const answered = row?.answered ?? 0;
    const correct = row?.correct ?? 0;
    return { code, text, answered, correct, meanScore: ratio(correct, answered) };
  });
}

export const RATINGS = [1, 2, 3, 4, 5] as const;

export interface RatedQuestion {
  key: string;
  label: string;
  /** Answers giving 1, 2, 3, 4 and 5, in that order. */
  counts: number[];
  answers: number;
  mean: number | null;
}

export interface EvaluationResults {
  evaluations: number;
  rated: RatedQuestion[];
  freeOfBias: { yes: number; no: number };
}

/** The rated questions of the evaluation form, in its order, with how often each rating was given. */
export function evaluationResults(
  objectives: readonly { code: string; text: string }[],
  rows: readonly EvaluationAnswersRow[],
): EvaluationResults {
  const count = (question: string, rating: number) =>
    rows.find((row) => row.question === question && row.rating === rating)?.answers ?? 0;
  const rated = (key: string, label: string): RatedQuestion => {
    const counts = RATINGS.map((rating) => count(key, rating));
    const answers = counts.reduce((sum, n) => sum + n, 0);
    const total = counts.reduce((sum, n, i) => sum + n * RATINGS[i]!, 0);
    return { key, label, counts, answers, mean: ratio(total, answers) };
  };
  const freeOfBias = { yes: count('free_of_bias', 1), no: count('free_of_bias', 0) };
  return {
    // Every evaluation answers the bias question.
    evaluations: freeOfBias.yes + freeOfBias.no,
    rated: [
      ...objectives.map(({ code, text }) => rated(`objective:${code}`, `Objective ${code} met: ${text}`)),
      rated('relevance', 'Relevance to practice'),
      rated('overall_quality', 'Overall quality'),
    ],
    freeOfBias,
  };
}
