// One page of the records list: the probe (count, and the ids when few match), then the page itself, keyset-paged
// both ways. "Next" carries the last row's sort values, "Previous" the first row's; both are read as one statement
// from the cursor, whatever the depth (queries.ts).
import { BadRequestError } from '../http/errors';
import type { RecordFilters } from './filters';
import type { Pool } from 'pg';
import { inRecordsSnapshot, type RecordQueries, type RecordRow } from './queries';
import { PROBE_CAP, sortsAllMatches } from './statements';
import { decodeCursor, encodeCursor, type RecordSort } from './sorting';

export const PAGE_SIZE = 25;

export interface RecordPage {
  rows: RecordRow[];
  /** The number of matching records, or null for "more than countCap". */
  total: number | null;
  countCap: number;
  /** Cursors of the neighbouring pages; null at either end. */
  next: string | null;
  previous: string | null;
}

export interface Position {
  after?: string;
  before?: string;
}

function cursorFrom(sort: RecordSort, position: Position) {
  const raw = position.before ?? position.after;
  if (raw === undefined) return null;
  const values = decodeCursor(sort, raw);
  if (!values)
    throw new BadRequestError(
      'This page link is damaged or belongs to another sort order: start again from the first page.',
    );
  return { values, toward: position.before !== undefined ? ('before' as const) : ('after' as const) };
}

/** One page of records, read in one snapshot with custom plans (queries.ts). */
export const recordPage = (pool: Pool, filters: RecordFilters, sort: RecordSort, position: Position) =>
  inRecordsSnapshot(pool, (queries) => readRecordPage(queries, filters, sort, position));

export async function readRecordPage(
  queries: RecordQueries,
  filters: RecordFilters,
  sort: RecordSort,
  position: Position,
): Promise<RecordPage> {
  const cursor = cursorFrom(sort, position);
  const total = await queries.probe(filters);
  const read = (at: typeof cursor) =>
    queries.page({ filters, sort, cursor: at, limit: PAGE_SIZE + 1, few: sortsAllMatches(filters, total) });
  const answer = (rows: RecordRow[], hasPrevious: boolean, hasNext: boolean): RecordPage => ({
    rows,
    total,
    countCap: PROBE_CAP,
    next: hasNext && rows.length > 0 ? encodeCursor(rows[rows.length - 1]!.sort_values) : null,
    previous: hasPrevious && rows.length > 0 ? encodeCursor(rows[0]!.sort_values) : null,
  });

  if (total === 0) return answer([], false, false);
  if (cursor?.toward === 'before') {
    const backwards = await read(cursor);
    // Fewer than a page before the cursor: that is the first page, shown whole.
    if (backwards.length <= PAGE_SIZE) {
      const first = await read(null);
      return answer(first.slice(0, PAGE_SIZE), false, first.length > PAGE_SIZE);
    }
    return answer(backwards.slice(0, PAGE_SIZE).reverse(), true, true);
  }
  const rows = await read(cursor);
  return answer(rows.slice(0, PAGE_SIZE), cursor !== null, rows.length > PAGE_SIZE);
}
