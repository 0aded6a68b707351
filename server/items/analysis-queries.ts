// Item analysis's hand-written SQL, on node-postgres rather than Prisma: the figures are aggregates over every
// response of every scored attempt of an activity (1.2 million rows at 100,000 attempts), computed in one pass by
// one statement with grouping and aggregate FILTERs, which Prisma's API cannot express.
// tests/items/analysis-sql.test.ts pins its tables and columns to prisma/schema.prisma and runs it.
import type { Pool } from 'pg';
import type { ItemStatus, VersionState } from '../generated/prisma/enums';
import { OPTION_IDS } from './types';

// The one pass over the responses groups them by what differs between learners: the version, right or wrong, the
// attempt's score, and for a wrong answer the options selected (as one short string). That leaves a few thousand
// groups at any scale, from which the rest follows. A right answer selected exactly the version's key (that is what
// right means: scoring.ts isCorrect, and versions never change), so its options are not read at all: turning
// `selected` into a string was the costliest step per row. (At 100,000 attempts this shape takes 2.1–2.7 times a
// count(*) of the same responses, where one FILTER … = ANY (selected) per option and corr() per row took 4.2–4.6.)
//
// Discrimination is the point-biserial correlation of the item score x (0/1) with the rest score y = the attempt's
// correct_count − x, i.e. Pearson's r over the pairs, computed from weighted sums over the groups:
//   r = (n·Σxy − Σx·Σy) / √((n·Σx² − (Σx)²) · (n·Σy² − (Σy)²))     (x² = x, as x is 0 or 1)
// The sums are exact (bigint and numeric); only the last division is in float8. r is undefined, and NULL here, when
// either variance is zero: fewer than two responses, everyone right or everyone wrong, or every rest score equal.
//
// Choices per option: one FILTER per id of OPTION_IDS (A to F by rule: types.ts, content/schema.ts).
const choiceCounts = OPTION_IDS.map(
  (id) => `coalesce(sum(g.times) FILTER (WHERE '${id}' = ANY (g.options)), 0)::int`,
).join(',\n        ');

// Every version shown in a scored attempt of the activity, and each item's published version even when nobody has
// been shown it yet (n = 0), ordered as the bank is: by objective, then key, then version.
export const ITEM_ANALYSIS_SQL = `
  WITH answers AS (
    SELECT r.item_version_id, r.correct::int AS x, a.correct_count - r.correct::int AS y,
      CASE WHEN r.correct THEN NULL ELSE array_to_string(r.selected, ',') END AS wrong_selection,
      count(*) AS times
    FROM attempts a
    JOIN attempt_responses r ON r.attempt_id = a.id
    WHERE a.activity_id = $1 AND a.status = 'scored'
    GROUP BY r.item_version_id, r.correct, a.correct_count,
      CASE WHEN r.correct THEN NULL ELSE array_to_string(r.selected, ',') END
  ), groups AS (
    SELECT w.item_version_id, w.x, w.y, w.times,
      CASE WHEN w.x = 1 THEN v.correct ELSE string_to_array(w.wrong_selection, ',') END AS options
    FROM answers w
    JOIN item_versions v ON v.id = w.item_version_id
  ), sums AS (
    SELECT g.item_version_id, sum(g.times) AS n, sum(g.times * g.x) AS sx, sum(g.times * g.y) AS sy,
      sum(g.times * g.y * g.y) AS syy, sum(g.times * g.x * g.y) AS sxy,
      ARRAY[
        ${choiceCounts}
      ] AS chosen
    FROM groups g
    GROUP BY g.item_version_id
  ), shown AS (
    SELECT item_version_id, n::int AS shown, sx::int AS correct, chosen,
      (n * sxy - sx * sy)::float8
        / nullif(sqrt(((n * sx - sx * sx)::float8) * ((n * syy - sy * sy)::float8)), 0) AS discrimination
    FROM sums
  )
  SELECT i.id AS item_id, i.key, i.status AS item_status, o.code AS objective_code,
    v.id AS version_id, v.version, v.state AS version_state, v.options, v.correct AS correct_options,
    coalesce(s.shown, 0) AS shown, coalesce(s.correct, 0) AS correct, s.discrimination, s.chosen
  FROM items i
  JOIN objectives o ON o.id = i.objective_id
  JOIN item_versions v ON v.item_id = i.id
  LEFT JOIN shown s ON s.item_version_id = v.id
  WHERE i.activity_id = $1 AND (s.item_version_id IS NOT NULL OR v.id = i.published_version_id)
  ORDER BY o.position, i.key, v.version`;

/** One item version: items i, objectives o, item_versions v, and its figures over attempt_responses. */
export interface ItemAnalysisRow {
  item_id: number;
  key: string;
  item_status: ItemStatus;
  objective_code: string;
  version_id: number;
  version: number;
  version_state: VersionState;
  /** [{ id, text }, …] as stored. */
  options: unknown;
  correct_options: string[];
  /** Responses to this version in scored attempts. */
  shown: number;
  /** Of which correct. */
  correct: number;
  /** Point-biserial r with the rest score; null when undefined (n < 2, or no variance). */
  discrimination: number | null;
  /** How often each option id of OPTION_IDS was selected, in that order; null when never shown. */
  chosen: number[] | null;
}

export const SCORED_ATTEMPTS_SQL = `
  SELECT count(*)::int AS scored FROM attempts WHERE activity_id = $1 AND status = 'scored'`;

export interface ScoredAttemptsRow {
  scored: number;
}

/** The analysis statements on `pool` (anything with the pool's query). */
export function createItemAnalysisQueries(pool: Pick<Pool, 'query'>) {
  async function itemVersionFigures(activityId: number): Promise<ItemAnalysisRow[]> {
    const { rows } = await pool.query<ItemAnalysisRow>({
      name: 'item-analysis',
      text: ITEM_ANALYSIS_SQL,
      values: [activityId],
    });
    return rows;
  }

  async function scoredAttempts(activityId: number): Promise<number> {
    const { rows } = await pool.query<ScoredAttemptsRow>({
      name: 'item-analysis-attempts',
      text: SCORED_ATTEMPTS_SQL,
      values: [activityId],
    });
    return rows[0]!.scored;
  }

  return { itemVersionFigures, scoredAttempts };
}

export type ItemAnalysisQueries = ReturnType<typeof createItemAnalysisQueries>;
