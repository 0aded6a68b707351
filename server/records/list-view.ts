// The records list as the page shows it: formatted rows, the count, sortable column headers and the pager's links.
// Every link keeps the filters (filters.ts's filterQuery), so paging, sorting and exporting read the same records.
import { formatCredits, formatDate } from '../catalogue/view-model';
import { formatCertificateCode } from '../certificates/snapshot';
import { withoutInvisibleFormat } from '../http/input';
import { pathWithQuery } from '../http/safe-redirect';
import { filterQuery, type RecordFilters } from './filters';
import type { RecordPage } from './listing';
import type { RecordRow } from './queries';
import { DEFAULT_SORT, SORTS, SORT_KEYS, type RecordSort, type SortKey } from './sorting';

export const PROFESSION_LABELS: Record<string, string> = {
  physician: 'Physician',
  physician_assistant: 'Physician assistant',
  nurse: 'Nurse',
  pharmacist: 'Pharmacist',
  pharmacy_technician: 'Pharmacy technician',
  other: 'Other',
};

export const professionLabel = (value: string | null | undefined) =>
  value ? (PROFESSION_LABELS[value] ?? value) : '–';

const numberFormat = new Intl.NumberFormat('en-US');

/** The sort as query parameters: none for the default, so that plain links stay plain. */
const sortQuery = (sort: RecordSort): Record<string, string> =>
  sort.key === DEFAULT_SORT.key && sort.direction === DEFAULT_SORT.direction
    ? {}
    : { sort: sort.key, dir: sort.direction };

/** The sort as hidden fields of the filter form, so that filtering keeps the order. */
export const sortFields = (sort: RecordSort) =>
  Object.entries(sortQuery(sort)).map(([name, value]) => ({ name, value }));

export const recordsPath = (filters: RecordFilters, sort: RecordSort, extra: Record<string, string> = {}) =>
  pathWithQuery('/admin/records', { ...filterQuery(filters), ...sortQuery(sort), ...extra });

function rowView(row: RecordRow) {
  return {
    id: row.id,
    href: `/admin/records/${row.id}`,
    learnerName: withoutInvisibleFormat(row.learner_name) || '(no name)',
    email: row.email,
    profession: professionLabel(row.profession),
    degree: withoutInvisibleFormat(row.degree ?? '') || '–',
    activityTitle: row.activity_title,
    completedIso: row.completed_at.toISOString().slice(0, 10),
    creditLabel: row.credit_label,
    amount: formatCredits(row.amount),
    score: row.score_percent === null ? '–' : `${Number(row.score_percent)}%`,
    attempts: row.attempt_count,
    code: row.certificate_code ? formatCertificateCode(row.certificate_code) : null,
    state: row.certificate_code ? (row.revoked_at ? 'revoked' : 'valid') : 'none',
    revokedOn: row.revoked_at ? formatDate(row.revoked_at) : null,
    synthetic: row.synthetic,
  };
}

/** "1 record", "1,234 records", "More than 1,000 records". */
export function countText(page: Pick<RecordPage, 'total' | 'countCap'>) {
  if (page.total === null) return `More than ${numberFormat.format(page.countCap)} records match.`;
  const noun = page.total === 1 ? 'record matches' : 'records match';
  return `${numberFormat.format(page.total)} ${noun}.`;
}

/** Each sortable column: its link (the other direction when it is the current sort) and its aria-sort. */
function sortColumns(filters: RecordFilters, sort: RecordSort) {
  return Object.fromEntries(
    SORT_KEYS.map((key: SortKey) => {
      const current = sort.key === key;
      const direction = current ? (sort.direction === 'asc' ? 'desc' : 'asc') : SORTS[key].initial;
      return [
        key,
        {
          href: recordsPath(filters, { key, direction }),
          ariaSort: current ? (sort.direction === 'asc' ? 'ascending' : 'descending') : null,
          arrow: current ? (sort.direction === 'asc' ? '▲' : '▼') : '',
          next: direction === 'asc' ? 'ascending' : 'descending',
        },
      ];
    }),
  );
}

const sortNames: Record<SortKey, string> = {
  date: 'completion date',
  name: 'learner',
  activity: 'activity',
  amount: 'amount',
  score: 'score',
};

const directionWords: Record<SortKey, Record<'asc' | 'desc', string>> = {
  date: { desc: 'newest first', asc: 'oldest first' },
  name: { asc: 'A to Z', desc: 'Z to A' },
  activity: { asc: 'A to Z', desc: 'Z to A' },
  amount: { desc: 'largest first', asc: 'smallest first' },
  score: { desc: 'highest first', asc: 'lowest first' },
};

/** `paged`: the page was asked for with a cursor (not the first page). */
export function recordListView(filters: RecordFilters, sort: RecordSort, page: RecordPage, paged: boolean) {
  return {
    rows: page.rows.map(rowView),
    countText: countText(page),
    sortColumns: sortColumns(filters, sort),
    sortCaption: `sorted by ${sortNames[sort.key]}, ${directionWords[sort.key][sort.direction]}`,
    nextHref: page.next ? recordsPath(filters, sort, { after: page.next }) : null,
    previousHref: page.previous ? recordsPath(filters, sort, { before: page.previous }) : null,
    firstHref: page.previous || paged ? recordsPath(filters, sort) : null,
    hasPages: page.previous !== null || page.next !== null || paged,
    csvHref: pathWithQuery('/admin/exports/records.csv', filterQuery(filters)),
    exportsHref: pathWithQuery('/admin/exports', filterQuery(filters)),
  };
}
