// The post-test's hand-written SQL, on node-postgres rather than Prisma: a submission is the busiest write of the
// product (a cohort finishing a course together), it is validated and scored in one statement that Prisma's API
// cannot express, and each Prisma query costs about six times the CPU of a prepared pg query here (README,
// Benchmarks). Each statement is named, so it is prepared once per connection. tests/db/hand-written-sql.test.ts
// pins the tables and columns they name to prisma/schema.prisma and runs each one.
//
// A well-formed submission is scored by scoreIfAccepted in one round trip. For anything it declines (an unknown
// or scored attempt, a missing or foreign answer), service.ts loads the answer sheet to say what is wrong. The
// SQL applies the rules of scoring.ts (answerProblems, isCorrect, overallScore);
// tests/learning/scoring-statement.test.ts checks that the two agree.
import type { Pool } from 'pg';
import type { SheetQuestion } from './scoring';

// Accepted only when every question has an answer, every answer names options of its question, none twice, one
// only for a single-best-answer item, and no answer is for a position the attempt does not have. The per-answer
// checks avoid subqueries where an operator does: a one-option answer has no duplicate, and isCorrect is a count and
// a containment, not two sorted aggregates (as many options as the key and all of the key; only a valid, so
// duplicate-free, answer is ever stored). Mean execution on the bench data went from 0.62 to 0.49 ms.
export const SCORE_IF_ACCEPTED_SQL = `
  WITH target AS (
    SELECT id FROM attempts WHERE id = $1 AND user_id = $2 AND status = 'in_progress'
  ), given AS (
    SELECT g.position, g.selected FROM jsonb_to_recordset($3::jsonb) AS g(position int, selected text[])
  ), judged AS (
    SELECT r.id, g.selected,
      g.selected IS NOT NULL
        AND cardinality(g.selected) > 0
        AND g.selected <@ r.option_order
        AND (cardinality(g.selected) = 1 OR v.type = 'multiple'
          AND cardinality(g.selected) = (SELECT count(DISTINCT s) FROM unnest(g.selected) AS s)) AS valid,
      coalesce(cardinality(g.selected) = cardinality(v.correct) AND v.correct <@ g.selected, false) AS correct
    FROM target t
    JOIN attempt_responses r ON r.attempt_id = t.id
    JOIN item_versions v ON v.id = r.item_version_id
    LEFT JOIN given g ON g.position = r.position
  ), verdict AS (
    SELECT count(*) AS item_count, count(*) FILTER (WHERE correct) AS correct_count,
      coalesce(bool_and(valid), false) AND count(selected) = (SELECT count(*) FROM given) AS accepted
    FROM judged
  ), claimed AS (
    UPDATE attempts a
    SET status = 'scored', submitted_at = $4, correct_count = v.correct_count,
      score_percent = round(v.correct_count * 100.0 / v.item_count, 2),
      passed = round(v.correct_count * 100.0 / v.item_count, 2) >= a.passing_score_percent
    FROM verdict v
    WHERE a.id = (SELECT id FROM target) AND a.status = 'in_progress' AND v.accepted AND v.item_count > 0
    RETURNING a.id
  ), answered AS (
    UPDATE attempt_responses r SET selected = j.selected, correct = j.correct
    FROM judged j
    WHERE r.id = j.id AND EXISTS (SELECT 1 FROM claimed)
    RETURNING r.id
  )
  SELECT (SELECT count(*) FROM claimed)::int AS claimed`;

export interface ScoreRow {
  /** 1 when this statement scored the attempt, 0 otherwise. */
  claimed: number;
}

export const ANSWER_SHEET_SQL = `
  SELECT a.status, a.passing_score_percent, r.position, r.option_order, v.type, v.correct
  FROM attempts a
  JOIN attempt_responses r ON r.attempt_id = a.id
  JOIN item_versions v ON v.id = r.item_version_id
  WHERE a.id = $1 AND a.user_id = $2
  ORDER BY r.position`;

/** One question of the sheet: attempts a, attempt_responses r, item_versions v. */
export interface AnswerSheetRow {
  status: AnswerSheet['status'];
  passing_score_percent: number;
  position: number;
  option_order: string[];
  type: SheetQuestion['type'];
  correct: string[];
}

export interface AnswerSheet {
  status: 'in_progress' | 'scored';
  passingScorePercent: number;
  questions: SheetQuestion[];
}

/** The post-test's statements on `pool` (anything with the pool's query, e.g. a recording wrapper in a test). */
export function createPostTestQueries(pool: Pick<Pool, 'query'>) {
  /**
   * Scores the attempt in one statement if it is the user's, still in progress, and every answer is acceptable;
   * true when it did. Exactly one of concurrent submissions of an attempt can get true.
   */
  async function scoreIfAccepted(
    userId: number,
    attemptId: number,
    answers: Readonly<Record<number, readonly string[]>>,
    submittedAt: Date,
  ): Promise<boolean> {
    const given = JSON.stringify(
      Object.entries(answers).map(([position, selected]) => ({ position: Number(position), selected })),
    );
    const { rows } = await pool.query<ScoreRow>({
      name: 'score-if-accepted',
      text: SCORE_IF_ACCEPTED_SQL,
      values: [attemptId, userId, given, submittedAt],
    });
    return rows[0]!.claimed === 1;
  }

  /** The attempt's questions with their keys; null when the user has no such attempt. */
  async function loadAnswerSheet(userId: number, attemptId: number): Promise<AnswerSheet | null> {
    const { rows } = await pool.query<AnswerSheetRow>({
      name: 'answer-sheet',
      text: ANSWER_SHEET_SQL,
      values: [attemptId, userId],
    });
    const first = rows[0];
    if (!first) return null;
    return {
      status: first.status,
      passingScorePercent: first.passing_score_percent,
      questions: rows.map((row) => ({
        position: row.position,
        type: row.type,
        optionOrder: row.option_order,
        correct: row.correct,
      })),
    };
  }

  return { scoreIfAccepted, loadAnswerSheet };
}

export type PostTestQueries = ReturnType<typeof createPostTestQueries>;
