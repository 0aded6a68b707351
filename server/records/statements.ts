// The records page's statements, built from the filters (filters.ts), the sort and the cursor; run by queries.ts.
//
// How a page stays as fast at a million records as at ten thousand (indexes: the records_indexes migration):
// 1. The probe counts the matching records up to PROBE_CAP + 1, through whichever index suits the filters: that is
//    the count shown ("more than PROBE_CAP" beyond), and counting never reads a million rows.
// 2. When at most PROBE_CAP match (one learner, an activity at ten thousand records), the page is sorted from all
//    the matches, found through the filters' index (the "few" statement). Otherwise, the page walks the sort's index
//    from the cursor (the "walk" statement): with more than PROBE_CAP matches, 25 of them turn up within a few
//    thousand index entries at a million records, wherever the cursor is.
// 3. Revoked certificates are few by nature but can exceed PROBE_CAP at a million records (0.2 % is 2,000), and a
//    walk would then test one certificate per record walked: they are always sorted from all the matches, found
//    through the partial index of revoked certificates.
import {
  RECORD_SOURCE_SQL,
  likePattern,
  recordConditionSql,
  recordFilterSourceSql,
  type RecordFilters,
  type RecordJoin,
} from './filters';
import type { ProbeRow } from './queries';
import { SORTS, type RecordSort } from './sorting';

/** The most records counted; beyond it the page says "more than" and walks the sort's index. */
export const PROBE_CAP = 1_000;

/**
 * A row count written into the statement rather than sent as a parameter. The app's pool plans every statement
 * generically (db/database.ts: plan_cache_mode=force_generic_plan), and a LIMIT the planner cannot see is taken
 * for a large one: it would sort a million rows rather than walk an index for 26. Only integers from this code
 * are written so.
 */
function count(rows: number): string {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new Error(`not a row count: ${rows}`);
  return String(rows);
}

export const CAST = { timestamp: 'timestamp', int: 'int', numeric: 'numeric', text: 'text' } as const;

// attempt_count: the learner's scored attempts at the activity, a few rows through attempts' unique index
// (user_id, activity_id, number), for the rows of one page only.
export const RECORD_COLUMNS_SQL = `c.id, coalesce(c.learner->>'fullName', '') AS learner_name, u.email,
    c.learner->>'profession' AS profession, c.learner->>'degree' AS degree, a.title AS activity_title,
    c.completed_at, c.credit_code, c.credit_label, c.amount, t.score_percent,
    (SELECT count(*) FROM attempts x
      WHERE x.user_id = c.user_id AND x.activity_id = c.activity_id AND x.status = 'scored')::int AS attempt_count,
    cert.code AS certificate_code, cert.revoked_at, c.synthetic`;

export interface PageRequest {
  filters: RecordFilters;
  sort: RecordSort;
  /** Rows after (`after`) or before (`before`) the row whose sort values these are; the first page without. */
  cursor: { values: string[]; toward: 'after' | 'before' } | null;
  limit: number;
  /** The probe found every match (at most PROBE_CAP): sort them all instead of walking an index. */
  few: boolean;
}

export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * SELECT `columns` of the matching records from the tables the filters and `also` need. A learner search is two
 * branches, one per trigram index (name as claimed, account email), because PostgreSQL uses no index for an OR across
 * two tables; together they match exactly what recordConditionSql's learner condition matches.
 */
function matchingSql(
  filters: RecordFilters,
  values: unknown[],
  columns: string,
  also: RecordJoin[] = [],
): string[] {
  if (!filters.learner) {
    const condition = recordConditionSql(filters, values);
    return [`SELECT ${columns} FROM ${recordFilterSourceSql(filters, also)}\n  WHERE ${condition}`];
  }
  const others = { ...filters, learner: undefined };
  const condition = recordConditionSql(others, values);
  const pattern = `$${values.push(likePattern(filters.learner))}`;
  const source = recordFilterSourceSql(others, also);
  return [
    `SELECT ${columns} FROM ${source}\n  WHERE ${condition} AND c.learner->>'fullName' ILIKE ${pattern}`,
    `SELECT ${columns} FROM ${source}\n  WHERE ${condition}` +
      ` AND c.user_id IN (SELECT u2.id FROM users u2 WHERE u2.email ILIKE ${pattern})`,
  ];
}

/**
 * Counts matching records up to `cap` + 1 (a record found by both learner branches is read twice). Without a learner
 * search, the newest matches are counted: every filter's index ends with (completed_at, id), so the planner walks
 * one and reads cap + 1 entries that stay in shared buffers. Unordered, it chose a sequential scan, which on a table
 * larger than a quarter of shared_buffers reads through a small ring of buffers and so from the kernel every time
 * (a probe cost 3.1 ms at a million records against 1.8 ms at ten thousand, 0.5 ms ordered).
 */
export function recordProbeStatement(filters: RecordFilters, cap = PROBE_CAP): Statement {
  const values: unknown[] = [];
  const branches = matchingSql(filters, values, 'c.id');
  const records = branches.length > 1 ? 'count(DISTINCT probe.id)' : 'count(*)';
  const order = branches.length > 1 ? '' : '\n  ORDER BY c.completed_at DESC, c.id DESC';
  return {
    text: `SELECT count(*)::int AS found, ${records}::int AS records FROM (
  ${branches.join('\n  UNION ALL\n  ')}${order}
  LIMIT ${count(branches.length * (cap + 1))}
) AS probe`,
    values,
  };
}

/** The number of matching records, or null when more than `cap` match. */
export function probeTotal(row: ProbeRow, filters: RecordFilters, cap = PROBE_CAP): number | null {
  const limit = (filters.learner ? 2 : 1) * (cap + 1);
  return row.found >= limit || row.records > cap ? null : row.records;
}

/** Whether a page is sorted from all the matches (see the top of this file) rather than walked. */
export const sortsAllMatches = (filters: RecordFilters, total: number | null) =>
  total !== null || filters.certificate === 'revoked';

/** Which way the statement reads: rows "before" a cursor are read backwards (and reversed by the caller). */
export const readsDescending = (page: PageRequest) =>
  (page.sort.direction === 'desc') !== (page.cursor?.toward === 'before');

/** The row comparison placing a row past the cursor, its values appended to `values`. */
function seekSql(keys: readonly string[], page: PageRequest, values: unknown[]): string | null {
  if (!page.cursor) return null;
  const types = SORTS[page.sort.key].keys.map((key) => CAST[key.type]);
  const bounds = types.map((type, i) => `$${values.push(page.cursor!.values[i])}::${type}`);
  return `(${keys.join(', ')}) ${readsDescending(page) ? '<' : '>'} (${bounds.join(', ')})`;
}

const orderSql = (keys: readonly string[], page: PageRequest) =>
  keys.map((key) => `${key} ${readsDescending(page) ? 'DESC' : 'ASC'}`).join(', ');

/** The statement of one page (see the top of this file). */
export function recordPageStatement(page: PageRequest): Statement {
  if (page.few) return fewPageStatement(page);
  if (page.sort.key === 'activity') return activityWalkStatement(page);
  const values: unknown[] = [];
  const keys = SORTS[page.sort.key].keys.map((key) => key.sql);
  const where = [recordConditionSql(page.filters, values)];
  // Claims reference passed attempts only: saying so lets the score sort walk attempts' partial index.
  if (page.sort.key === 'score') where.push('t.passed');
  const seek = seekSql(keys, page, values);
  if (seek) where.push(seek);
  return {
    text: `SELECT ${RECORD_COLUMNS_SQL},
    json_build_array(${keys.map((key) => `${key}::text`).join(', ')}) AS sort_values
FROM ${RECORD_SOURCE_SQL}
WHERE ${where.join('\n  AND ')}
ORDER BY ${orderSql(keys, page)}
LIMIT ${count(page.limit)}`,
    values,
  };
}

/**
 * By activity (title, then id), then completion: no index spans the two tables, so the statement walks the few
 * activities in order and, for each, its records through (activity_id, completed_at, id), stopping at the page's
 * end. In the cursor's activity the walk starts at the cursor: an index bound, not a filter.
 */
function activityWalkStatement(page: PageRequest): Statement {
  const values: unknown[] = [];
  const condition = recordConditionSql(page.filters, values);
  const down = readsDescending(page);
  const order = down ? 'DESC' : 'ASC';
  const past = down ? '<' : '>';
  let activityBound = '';
  let recordBound = '';
  if (page.cursor) {
    const [title, activityId, completedAt, id] = page.cursor.values.map((value) => `$${values.push(value)}`);
    activityBound = `\n  WHERE (o.title, o.id) ${past}= (${title}::text, ${activityId}::int)`;
    const here = `ordered.id = ${activityId}::int`;
    const [first, last] = down ? [`'infinity'`, '2147483647'] : [`'-infinity'`, '0'];
    recordBound = `\n    AND (c.completed_at, c.id) ${past} (
      CASE WHEN ${here} THEN ${completedAt}::timestamp ELSE ${first}::timestamp END,
      CASE WHEN ${here} THEN ${id}::int ELSE ${last} END)`;
  }
  const limit = count(page.limit);
  return {
    text: `SELECT r.* FROM (
  SELECT o.id, o.title FROM activities o${activityBound}
  ORDER BY o.title ${order}, o.id ${order}
) AS ordered
CROSS JOIN LATERAL (
  SELECT ${RECORD_COLUMNS_SQL},
    json_build_array(a.title, a.id::text, c.completed_at::text, c.id::text) AS sort_values
  FROM ${RECORD_SOURCE_SQL}
  WHERE c.activity_id = ordered.id AND ${condition}${recordBound}
  ORDER BY c.completed_at ${order}, c.id ${order}
  LIMIT ${limit}
) AS r
ORDER BY ordered.title ${order}, ordered.id ${order}, r.completed_at ${order}, r.id ${order}
LIMIT ${limit}`,
    values,
  };
}

/**
 * Few matches: all of them, with their sort keys, from a subquery that OFFSET 0 keeps apart (planned to read all
 * its rows, through the filters' index), sorted; then the page's columns for the chosen ids. The planner is never
 * offered the sort's index, which it could otherwise walk past a million rows looking for a few.
 */
function fewPageStatement(page: PageRequest): Statement {
  const values: unknown[] = [];
  const definition = SORTS[page.sort.key].keys;
  const keyColumns = definition.map((key, i) => `${key.sql} AS k${i + 1}`).join(', ');
  const also: RecordJoin[] = page.sort.key === 'score' ? ['t'] : page.sort.key === 'activity' ? ['a'] : [];
  const matching = matchingSql(page.filters, values, `c.id, ${keyColumns}`, also).join('\n  UNION\n  ');
  const keys = definition.map((_, i) => `matched.k${i + 1}`);
  const seek = seekSql(keys, page, values);
  return {
    text: `SELECT ${RECORD_COLUMNS_SQL},
    json_build_array(${definition.map((key) => `${key.sql}::text`).join(', ')}) AS sort_values
FROM ${RECORD_SOURCE_SQL}
WHERE c.id IN (
  SELECT matched.id FROM (
  ${matching}
  OFFSET 0) AS matched${seek ? `\n  WHERE ${seek}` : ''}
  ORDER BY ${orderSql(keys, page)}
  LIMIT ${count(page.limit)})
ORDER BY ${orderSql(
      definition.map((key) => key.sql),
      page,
    )}`,
    values,
  };
}
