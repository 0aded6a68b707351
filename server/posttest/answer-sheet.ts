// The two statements of a post-test submission, on node-postgres rather than Prisma: a submission is the
// busiest write of the product (a cohort finishing a course together), and each Prisma query costs about six
// times the CPU of a prepared pg query here (README, Benchmark). Both are prepared once per connection.
import type { Pool } from 'pg';
import type { SheetQuestion } from './scoring';

export interface AnswerSheet {
  status: 'in_progress' | 'scored';
  passingScorePercent: number;
  questions: SheetQuestion[];
}

const SHEET_SQL = `
  SELECT a.status, a.passing_score_percent, r.id AS response_id, r.position, r.option_order, v.type, v.correct
  FROM attempts a
  JOIN attempt_responses r ON r.attempt_id = a.id
  JOIN item_versions v ON v.id = r.item_version_id
  WHERE a.id = $1 AND a.user_id = $2
  ORDER BY r.position`;

interface SheetRow {
  status: AnswerSheet['status'];
  passing_score_percent: number;
  response_id: number;
  position: number;
  option_order: string[];
  type: SheetQuestion['type'];
  correct: string[];
}

/** The attempt's questions with their keys; null when the user has no such attempt. */
export async function loadAnswerSheet(
  pool: Pool,
  userId: number,
  attemptId: number,
): Promise<AnswerSheet | null> {
  const { rows } = await pool.query<SheetRow>({
    name: 'answer-sheet',
    text: SHEET_SQL,
    values: [attemptId, userId],
  });
  const first = rows[0];
  if (!first) return null;
  return {
    status: first.status,
    passingScorePercent: first.passing_score_percent,
    questions: rows.map((row) => ({
      responseId: row.response_id,
      position: row.position,
      type: row.type,
      optionOrder: row.option_order,
      correct: row.correct,
    })),
  };
}

// One statement, so one transaction and one round trip: the conditional update lets exactly one submission of
// an attempt through; the responses are written only if it did.
const SCORE_SQL = `
  WITH claimed AS (
    UPDATE attempts
    SET status = 'scored', submitted_at = $3, correct_count = $4, score_percent = $5, passed = $6
    WHERE id = $1 AND user_id = $2 AND status = 'in_progress'
    RETURNING id
  ), answered AS (
    UPDATE attempt_responses AS r
    SET selected = string_to_array(v.selected, ','), correct = v.correct
    FROM jsonb_to_recordset($7::jsonb) AS v(id int, selected text, correct boolean)
    WHERE r.id = v.id AND r.attempt_id IN (SELECT id FROM claimed)
    RETURNING r.id
  )
  SELECT (SELECT count(*) FROM claimed)::int AS claimed`;

export interface ScoredSheet {
  submittedAt: Date;
  correctCount: number;
  percent: number;
  passed: boolean;
  responses: { responseId: number; selected: readonly string[]; correct: boolean }[];
}

/** Records the score and answers if the attempt is still in progress; false when another submission won. */
export async function recordScore(
  pool: Pool,
  userId: number,
  attemptId: number,
  scored: ScoredSheet,
): Promise<boolean> {
  const responses = JSON.stringify(
    scored.responses.map((r) => ({ id: r.responseId, selected: r.selected.join(','), correct: r.correct })),
  );
  const { rows } = await pool.query<{ claimed: number }>({
    name: 'record-score',
    text: SCORE_SQL,
    values: [
      attemptId,
      userId,
      scored.submittedAt,
      scored.correctCount,
      scored.percent,
      scored.passed,
      responses,
    ],
  });
  return rows[0]!.claimed === 1;
}
