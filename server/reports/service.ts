// Per-activity reports: who may read which, and the figures of one activity (completions per week, the funnel,
// pass rates, mean score per objective, the evaluation's results and its free-text answers). Admins read every
// activity's report; an educator reads those of the activities they author, "author" meaning that they created
// an item or wrote an item version in it. The figures come from queries.ts, one statement each, run side by side.
import type { ActivityView } from '../catalogue/view-model';
import type { CapabilityDeps } from '../compose';
import type { Role } from '../generated/prisma/enums';
import { HttpError, NotFoundError } from '../http/errors';
import {
  evaluationResults,
  funnelSteps,
  objectiveScores,
  passRates,
  weeklyCompletions,
  type EvaluationResults,
  type FunnelStep,
  type ObjectiveScore,
  type PassRates,
  type WeekCount,
} from './figures';
import { createReportQueries, type ReportableActivityRow } from './queries';

export interface Reader {
  id: number;
  role: Role;
}

export interface ReportableActivities {
  /** Activities learners take. */
  real: ReportableActivityRow[];
  /** Synthetic copies made by `npm run seed:scale` for load tests, listed apart. */
  synthetic: ReportableActivityRow[];
}

export interface ActivityReport {
  weeks: WeekCount[];
  completions: number;
  funnel: FunnelStep[];
  passRates: PassRates;
  objectives: ObjectiveScore[];
  evaluation: EvaluationResults;
}

export interface FreeTextAnswer {
  id: number;
  submittedOn: string;
  intendedChange: string;
  biasComment: string | null;
  freeOfBias: boolean;
}

export interface FreeTextPage {
  answers: FreeTextAnswer[];
  /** The id to continue after (the next page's `before`), or null on the last page. */
  nextBefore: number | null;
}

/** Answers per page of the free-text list. */
export const ANSWERS_PER_PAGE = 25;

/** A search typed by a user as an ILIKE pattern matching it anywhere, its own % and _ taken literally. */
export const containsPattern = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createReportService(deps: CapabilityDeps) {
  const queries = createReportQueries(deps.pool);

  async function reportableActivities(reader: Reader): Promise<ReportableActivities> {
    if (reader.role !== 'admin' && reader.role !== 'educator') return { real: [], synthetic: [] };
    const rows = await queries.reportableActivities(reader.role === 'admin' ? null : reader.id);
    return { real: rows.filter((a) => !a.synthetic), synthetic: rows.filter((a) => a.synthetic) };
  }

  /**
   * Refuses a reader who may not see this activity's report. For an educator who does not author the activity the
   * report does not exist (404, as for any record that is not one's own), and the message says which reports do.
   */
  async function requireReader(reader: Reader, activity: Pick<ActivityView, 'id'>): Promise<void> {
    if (reader.role === 'admin') return;
    if (reader.role !== 'educator')
      throw new HttpError(403, 'Your account does not have access to this page.');
    const authored = await queries.reportableActivities(reader.id);
    if (authored.some((a) => a.id === activity.id)) return;
    throw new NotFoundError(
      'There is no report of this activity among yours: you can read the reports of the activities you author ' +
        '(in which you created an item or wrote a version of one).',
    );
  }

  async function activityReport(activity: Pick<ActivityView, 'id' | 'objectives'>): Promise<ActivityReport> {
    const [weeks, funnel, rates, objectives, evaluation] = await Promise.all([
      queries.completionsPerWeek(activity.id),
      queries.funnel(activity.id),
      queries.passRates(activity.id),
      queries.objectiveScores(activity.id),
      queries.evaluationAnswers(activity.id),
    ]);
    return {
      weeks: weeklyCompletions(weeks, deps.now()),
      completions: weeks.reduce((sum, week) => sum + week.completions, 0),
      funnel: funnelSteps(funnel),
      passRates: passRates(rates),
      objectives: objectiveScores(activity.objectives, objectives),
      evaluation: evaluationResults(activity.objectives, evaluation),
    };
  }

  /** A page of free-text answers, newest first, containing `search` (case-insensitive) when it is not empty. */
  async function freeTextAnswers(
    activity: Pick<ActivityView, 'id'>,
    search: string,
    before: number | null,
  ): Promise<FreeTextPage> {
    const rows = await queries.freeTextAnswers(
      activity.id,
      search === '' ? null : containsPattern(search),
      before,
      ANSWERS_PER_PAGE + 1,
    );
    const page = rows.slice(0, ANSWERS_PER_PAGE);
    return {
      answers: page.map((row) => ({
        id: row.id,
        submittedOn: row.submitted_on,
        intendedChange: row.intended_change,
        biasComment: row.bias_comment,
        freeOfBias: row.free_of_bias,
      })),
      nextBefore: rows.length > ANSWERS_PER_PAGE ? page[page.length - 1]!.id : null,
    };
  }

  return { reportableActivities, requireReader, activityReport, freeTextAnswers };
}

export type ReportService = ReturnType<typeof createReportService>;
