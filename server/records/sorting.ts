// How the records page sorts, and its keyset cursors. Each sort is a list of keys ending in a unique one (the claim's
// or the attempt's id), all in one direction, so that "the rows after this one" is a single row comparison that an
// index can answer: `(k1, k2, id) < ($1, $2, $3)`. The last page is then as cheap as the first, and rows sharing a
// sort value (many completions in the same second) are neither repeated nor skipped at a page boundary.
import { z } from 'zod';
import { isStorableText } from '../http/input';

export const SORT_KEYS = ['date', 'name', 'activity', 'amount', 'score'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type Direction = 'asc' | 'desc';

/** What a cursor value must look like for its key's type (it is cast back with the same type in SQL). */
type KeyType = 'timestamp' | 'int' | 'numeric' | 'text';

interface SortDefinition {
  label: string;
  /** The first click on a column sorts this way. */
  initial: Direction;
  /** SQL expressions over RECORD_SOURCE_SQL's aliases, the unique one last; each is indexed (the records migration). */
  keys: { sql: string; type: KeyType }[];
}

// A claim always references its passed, scored attempt (credit/service.ts), so t.score_percent is never null, and
// t.id (= c.attempt_id) is as unique per record as c.id: the score sort can walk the attempts' index alone.
export const SORTS: Record<SortKey, SortDefinition> = {
  date: {
    label: 'Completed',
    initial: 'desc',
    keys: [
      { sql: 'c.completed_at', type: 'timestamp' },
      { sql: 'c.id', type: 'int' },
    ],
  },
  name: {
    label: 'Learner',
    initial: 'asc',
    keys: [
      { sql: `coalesce(c.learner->>'fullName', '')`, type: 'text' },
      { sql: 'c.id', type: 'int' },
    ],
  },
  activity: {
    label: 'Activity',
    initial: 'asc',
    keys: [
      { sql: 'a.title', type: 'text' },
      { sql: 'a.id', type: 'int' },
      { sql: 'c.completed_at', type: 'timestamp' },
      { sql: 'c.id', type: 'int' },
    ],
  },
  amount: {
    label: 'Amount',
    initial: 'desc',
    keys: [
      { sql: 'c.amount', type: 'numeric' },
      { sql: 'c.id', type: 'int' },
    ],
  },
  score: {
    label: 'Score',
    initial: 'desc',
    keys: [
      { sql: 't.score_percent', type: 'numeric' },
      { sql: 't.id', type: 'int' },
    ],
  },
};

export interface RecordSort {
  key: SortKey;
  direction: Direction;
}

export const DEFAULT_SORT: RecordSort = { key: 'date', direction: 'desc' };

const VALUE_PATTERN: Record<KeyType, RegExp> = {
  timestamp: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/,
  int: /^(?:0|[1-9]\d{0,9})$/,
  numeric: /^-?\d{1,12}(?:\.\d{1,12})?$/,
  text: /^[\s\S]{0,1000}$/,
};

const valueFits = (type: KeyType, value: string) =>
  VALUE_PATTERN[type].test(value) &&
  (type !== 'int' || Number(value) <= 2_147_483_647) &&
  (type !== 'text' || isStorableText(value));

/** The sort key's values of one row, as text, in a URL-safe string. */
export const encodeCursor = (values: readonly string[]) =>
  Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');

/** The values of a cursor made by encodeCursor for this sort; null when it cannot be one (edited or stale link). */
export function decodeCursor(sort: RecordSort, cursor: string): string[] | null {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const keys = SORTS[sort.key].keys;
  if (!Array.isArray(values) || values.length !== keys.length) return null;
  const fits = keys.every((key, i) => typeof values[i] === 'string' && valueFits(key.type, values[i]));
  return fits ? (values as string[]) : null;
}

/** The query parameters of the page's order and position (the filters are read by filters.ts). */
export const pagingSchema = z.object({
  sort: z.enum(SORT_KEYS).optional().catch(undefined),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  /** Rows after this cursor (the "Next" link) … */
  after: z.string().max(4000).optional().catch(undefined),
  /** … or before it (the "Previous" link). */
  before: z.string().max(4000).optional().catch(undefined),
});

export type Paging = z.infer<typeof pagingSchema>;

/** The sort a query asks for: its key, and its direction or the key's first-click direction. */
export function sortOf(paging: Paging): RecordSort {
  if (!paging.sort) return { key: DEFAULT_SORT.key, direction: paging.dir ?? DEFAULT_SORT.direction };
  return { key: paging.sort, direction: paging.dir ?? SORTS[paging.sort].initial };
}
