// The exports page's summary for the filters: how many records each accreditor's file would hold, which records it
// cannot hold and every reason why, and which reportable ones are late. Read through a cursor like the files
// themselves (so the counts are the files' counts), keeping only the first records of each list in memory.
import type { Pool } from 'pg';
import type { RecordFilters } from '../records/filters';
import { cpeCandidate, parsCandidate, type ReportingIndex } from './candidates';
import { CPE_RULES } from './cpe-columns';
import { PARS_LATE_AFTER_DAYS, PARS_RULES, parsIsLate } from './pars-columns';
import {
  cpeCandidatesQuery,
  parsCandidatesQuery,
  type CpeCandidateRow,
  type ParsCandidateRow,
} from './queries';
import { isoDay, problemsOf } from './reporting';
import { createCursorRunner, type SqlQuery } from './stream';

/** Records listed on the page per list; the counts cover them all. */
export const LISTED_RECORDS = 100;

export interface ListedRecord {
  claimId: number;
  learner: string;
  email: string;
  activity: string;
  completedOn: string;
  reasons: string[];
}

export interface RecordList {
  count: number;
  shown: ListedRecord[];
}

export interface FileSummary {
  /** Why the file cannot be made at all (empty when it can). */
  blockers: string[];
  reportable: number;
  /** Reportable, but past the accreditor's expected delay (PARS: 30 days); empty for CPE Monitor. */
  late: RecordList;
  notReportable: RecordList;
}

interface Judged {
  claimId: number;
  fullName: string;
  email: string;
  activityTitle: string;
  completedAt: Date;
}

const emptyList = (): RecordList => ({ count: 0, shown: [] });
const add = (list: RecordList, record: Judged, reasons: string[]) => {
  list.count += 1;
  if (list.shown.length < LISTED_RECORDS)
    list.shown.push({
      claimId: record.claimId,
      learner: record.fullName,
      email: record.email,
      activity: record.activityTitle,
      completedOn: isoDay(record.completedAt),
      reasons,
    });
};

export function createOverview(deps: {
  pool: Pool;
  now: () => Date;
  reportingIndex: () => Promise<ReportingIndex>;
}) {
  const { withCursor } = createCursorRunner(deps.pool, Number.POSITIVE_INFINITY);

  async function scan<Row>(query: SqlQuery, visit: (row: Row) => void): Promise<void> {
    await withCursor(query, {}, async (rows) => {
      for await (const row of rows as AsyncIterable<Row>) visit(row);
    });
  }

  return async function overview(filters: RecordFilters): Promise<{ pars: FileSummary; cpe: FileSummary }> {
    const index = await deps.reportingIndex();
    const now = deps.now();
    const pars: FileSummary = {
      blockers: index.accmeProviderId
        ? []
        : ['content/provider.yaml has no accmeProviderId (the 7-digit ACCME provider ID).'],
      reportable: 0,
      late: emptyList(),
      notReportable: emptyList(),
    };
    await scan<ParsCandidateRow>(parsCandidatesQuery(filters), (row) => {
      const candidate = parsCandidate(row, index);
      const problems = problemsOf(candidate, PARS_RULES);
      if (problems.length > 0) return add(pars.notReportable, candidate, problems);
      pars.reportable += 1;
      if (parsIsLate(candidate, now))
        add(pars.late, candidate, [`Completed more than ${PARS_LATE_AFTER_DAYS} days ago`]);
    });
    const cpe: FileSummary = { blockers: [], reportable: 0, late: emptyList(), notReportable: emptyList() };
    await scan<CpeCandidateRow>(cpeCandidatesQuery(filters), (row) => {
      const candidate = cpeCandidate(row, index, now);
      const problems = problemsOf(candidate, CPE_RULES);
      if (problems.length > 0) add(cpe.notReportable, candidate, problems);
      else cpe.reportable += 1;
    });
    return { pars, cpe };
  };
}
