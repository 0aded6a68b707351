// The activity report's hand-written SQL, on node-postgres rather than Prisma: every figure is an aggregate over an
// activity's whole history (at the scale seed's 1,000,000 records: 50,000 completion records, 740,000 lesson views
// and 780,000 post-test answers per activity), computed set-based by one statement each, with grouping, FILTERs
// and JSON expansion that Prisma's API cannot express. Each statement names the activity through activity_id
// (attempts, credit_claims, lessons, enrollments, evaluations) or reaches rows through an indexed key (answers by
// attempt_id). Three indexes the schema lacks make the funnel and the free-text list index-only at that scale:
// lesson_views (lesson_id, user_id), enrollments (activity_id, user_id), evaluations (activity_id, id); without
// them those scans read every activity's rows (measured: whole report 2.1–2.9 s with them, 3.5 s without, on a
// loaded 2-CPU machine). tests/reports/report-sql.test.ts pins the tables and columns they name to prisma/schema.prisma and
// runs each one.
//
// Every figure counts learner accounts only (users.role = 'learner'): staff who try an activity out are not its
// audience. Times are UTC (timestamps are stored in UTC); weeks are ISO weeks, Monday to Sunday.
import type { Pool } from 'pg';

// The activities a user may read reports of: all for $1 = NULL (admins), otherwise those in which the user created
// an item or wrote an item version (educators). Real activities first, then the scale seed's synthetic copies.
export const REPORTABLE_ACTIVITIES_SQL = `
  SELECT a.id, a.slug, a.title, a.synthetic
  FROM activities a
  WHERE $1::int IS NULL OR EXISTS (
    SELECT 1 FROM items i
    WHERE i.activity_id = a.id
      AND (i.created_by_id = $1 OR EXISTS (
        SELECT 1 FROM item_versions v WHERE v.item_id = i.id AND v.created_by_id = $1))
  )
  ORDER BY a.synthetic, a.title, a.id`;

/** An activity whose report the user may read: activities. */
export interface ReportableActivityRow {
  id: number;
  slug: string;
  title: string;
  synthetic: boolean;
}

// Completion records (credit claims) per ISO week of their completion date. Weeks without any are not returned;
// the service fills them in.
export const COMPLETIONS_PER_WEEK_SQL = `
  SELECT to_char(date_trunc('week', c.completed_at), 'YYYY-MM-DD') AS week_start, count(*)::int AS completions
  FROM credit_claims c
  JOIN users u ON u.id = c.user_id
  WHERE c.activity_id = $1 AND u.role = 'learner'
  GROUP BY 1
  ORDER BY 1`;

/** One ISO week with completions: credit_claims per date_trunc('week', completed_at). */
export interface CompletionsPerWeekRow {
  /** The Monday starting the week, YYYY-MM-DD (text: node-postgres would read a date in the server's zone). */
  week_start: string;
  completions: number;
}

// The funnel, each step counting the learners who reached it:
//   registered = learner accounts on the platform (any learner may take any activity);
//   started    = learners with an enrollment (made when they open their first lesson);
//   read_all   = learners who started and opened every lesson the activity has now;
//   passed     = learners with a passed scored attempt;
//   evaluated  = learners who submitted the evaluation;
//   claimed    = learners with a completion record (credit claim).
// Lesson views are counted per learner first (an activity's lessons were made together, so their ids are a short
// range, which bounds the scan of a lesson_id index), and only the learners who read them all are joined.
export const FUNNEL_SQL = `
  WITH learner AS (
    SELECT id FROM users WHERE role = 'learner'
  ), started AS (
    SELECT e.user_id FROM enrollments e JOIN learner l ON l.id = e.user_id WHERE e.activity_id = $1
  ), own_lessons AS (
    SELECT array_agg(id) AS ids, min(id) AS first_id, max(id) AS last_id, count(*) AS total
    FROM lessons WHERE activity_id = $1
  ), read_every_lesson AS (
    SELECT v.user_id
    FROM lesson_views v CROSS JOIN own_lessons o
    WHERE v.lesson_id BETWEEN o.first_id AND o.last_id AND v.lesson_id = ANY (o.ids)
    GROUP BY v.user_id, o.total
    HAVING count(*) = o.total
  )
  SELECT
    (SELECT count(*) FROM learner)::int AS registered,
    (SELECT count(*) FROM started)::int AS started,
    (SELECT count(*) FROM read_every_lesson r JOIN started s ON s.user_id = r.user_id)::int AS read_all,
    (SELECT count(DISTINCT a.user_id) FROM attempts a JOIN learner l ON l.id = a.user_id
      WHERE a.activity_id = $1 AND a.status = 'scored' AND a.passed)::int AS passed,
    (SELECT count(*) FROM evaluations ev JOIN learner l ON l.id = ev.user_id WHERE ev.activity_id = $1)::int AS evaluated,
    (SELECT count(*) FROM credit_claims c JOIN learner l ON l.id = c.user_id WHERE c.activity_id = $1)::int AS claimed`;

/** The funnel's counts (computed over users, enrollments, lessons, lesson_views, attempts, evaluations, credit_claims). */
export interface FunnelRow {
  registered: number;
  started: number;
  read_all: number;
  passed: number;
  evaluated: number;
  claimed: number;
}

// Pass rates and attempts to pass, over scored attempts. A learner starts a new attempt only once the open one is
// scored, so the number of the first passed attempt is how many attempts it took to pass.
export const PASS_RATES_SQL = `
  WITH per_learner AS (
    SELECT a.user_id,
      count(*) AS scored,
      count(*) FILTER (WHERE a.passed) AS passed,
      min(a.number) FILTER (WHERE a.passed) AS attempts_to_pass
    FROM attempts a
    JOIN users u ON u.id = a.user_id
    WHERE a.activity_id = $1 AND a.status = 'scored' AND u.role = 'learner'
    GROUP BY a.user_id
  )
  SELECT coalesce(sum(scored), 0)::int AS scored_attempts,
    coalesce(sum(passed), 0)::int AS passed_attempts,
    count(*)::int AS learners_attempted,
    count(*) FILTER (WHERE passed > 0)::int AS learners_passed,
    avg(attempts_to_pass)::float8 AS mean_attempts_to_pass
  FROM per_learner`;

/** Pass rates over attempts. */
export interface PassRatesRow {
  scored_attempts: number;
  passed_attempts: number;
  learners_attempted: number;
  learners_passed: number;
  /** Null when nobody passed. */
  mean_attempts_to_pass: number | null;
}

// Answers per objective in scored attempts: each answer's item version, its item, the item's objective. The
// answers are reached through their attempt_id index from the activity's scored attempts (an array of ids, so the
// planner cannot turn it into a scan of every activity's answers) and counted per item version before the joins.
export const OBJECTIVE_SCORES_SQL = `
  WITH per_version AS (
    SELECT r.item_version_id, count(*) AS answered, count(*) FILTER (WHERE r.correct) AS correct
    FROM attempt_responses r
    WHERE r.attempt_id = ANY (ARRAY(
      SELECT a.id FROM attempts a JOIN users u ON u.id = a.user_id
      WHERE a.activity_id = $1 AND a.status = 'scored' AND u.role = 'learner'))
    GROUP BY r.item_version_id
  )
  SELECT o.code, sum(p.answered)::int AS answered, sum(p.correct)::int AS correct
  FROM per_version p
  JOIN item_versions v ON v.id = p.item_version_id
  JOIN items i ON i.id = v.item_id
  JOIN objectives o ON o.id = i.objective_id
  GROUP BY o.code`;

/** Answers to one objective's items: objectives o, attempt_responses r. */
export interface ObjectiveScoreRow {
  code: string;
  answered: number;
  correct: number;
}

// How often each answer was given to each rated question of the evaluation, in one pass over the evaluations:
// objective:<code> (how well the objective was met, 1–5), relevance (1–5), overall_quality (1–5) and free_of_bias
// (1 = yes, 0 = no).
export const EVALUATION_ANSWERS_SQL = `
  SELECT q.question, q.rating, count(*)::int AS answers
  FROM evaluations ev
  JOIN users u ON u.id = ev.user_id
  CROSS JOIN LATERAL (
    SELECT 'relevance' AS question, ev.relevance AS rating
    UNION ALL SELECT 'overall_quality', ev.overall_quality
    UNION ALL SELECT 'free_of_bias', CASE WHEN ev.free_of_bias THEN 1 ELSE 0 END
    UNION ALL SELECT 'objective:' || given.code, given.rating::int
      FROM jsonb_each_text(ev.objective_ratings) AS given(code, rating)
  ) AS q
  WHERE ev.activity_id = $1 AND u.role = 'learner'
  GROUP BY q.question, q.rating`;

/** How many evaluations gave `rating` to `question` (computed from evaluations). */
export interface EvaluationAnswersRow {
  question: string;
  rating: number;
  answers: number;
}

// The free-text answers, newest first, keyset-paged by id: $2 is an ILIKE pattern (wildcards in the search escaped
// by the caller) or NULL for all, $3 the id the previous page ended at or NULL, $4 the page size. Only
// evaluations with something written: the intended change is required, the bias comment optional. Learners are
// not named: the evaluation is the learner's candid view of the activity.
export const FREE_TEXT_ANSWERS_SQL = `
  SELECT ev.id, to_char(ev.created_at, 'YYYY-MM-DD') AS submitted_on, ev.intended_change, ev.bias_comment, ev.free_of_bias
  FROM evaluations ev
  JOIN users u ON u.id = ev.user_id
  WHERE ev.activity_id = $1 AND u.role = 'learner'
    AND ($3::int IS NULL OR ev.id < $3)
    AND ($2::text IS NULL OR ev.intended_change ILIKE $2 OR ev.bias_comment ILIKE $2)
  ORDER BY ev.id DESC
  LIMIT $4`;

/** One evaluation's free-text answers: evaluations. */
export interface FreeTextAnswerRow {
  id: number;
  /** UTC day, YYYY-MM-DD. */
  submitted_on: string;
  intended_change: string;
  bias_comment: string | null;
  free_of_bias: boolean;
}

/** The report's statements on `pool` (anything with the pool's query, e.g. a recording wrapper in a test). */
export function createReportQueries(pool: Pick<Pool, 'query'>) {
  const rowsOf = async <Row extends object>(name: string, text: string, values: unknown[]) =>
    (await pool.query<Row>({ name, text, values })).rows;

  return {
    /** $1 = the educator's id, or null for every activity (admins). */
    reportableActivities: (authorId: number | null) =>
      rowsOf<ReportableActivityRow>('report-activities', REPORTABLE_ACTIVITIES_SQL, [authorId]),
    completionsPerWeek: (activityId: number) =>
      rowsOf<CompletionsPerWeekRow>('report-completions-per-week', COMPLETIONS_PER_WEEK_SQL, [activityId]),
    funnel: async (activityId: number) =>
      (await rowsOf<FunnelRow>('report-funnel', FUNNEL_SQL, [activityId]))[0]!,
    passRates: async (activityId: number) =>
      (await rowsOf<PassRatesRow>('report-pass-rates', PASS_RATES_SQL, [activityId]))[0]!,
    objectiveScores: (activityId: number) =>
      rowsOf<ObjectiveScoreRow>('report-objective-scores', OBJECTIVE_SCORES_SQL, [activityId]),
    evaluationAnswers: (activityId: number) =>
      rowsOf<EvaluationAnswersRow>('report-evaluation-answers', EVALUATION_ANSWERS_SQL, [activityId]),
    freeTextAnswers: (activityId: number, pattern: string | null, beforeId: number | null, limit: number) =>
      rowsOf<FreeTextAnswerRow>('report-free-text', FREE_TEXT_ANSWERS_SQL, [
        activityId,
        pattern,
        beforeId,
        limit,
      ]),
  };
}

export type ReportQueries = ReturnType<typeof createReportQueries>;
