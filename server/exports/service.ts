// Streaming exports for admins: completion records as CSV, the ACCME PARS learner file (xlsx or tab-delimited) and
// the ACPE CPE Monitor file (CSV or tab-delimited). Each streams a cursor into the download (stream.ts) and is
// recorded in the audit log once it ends, with its filters, the rows sent and whether the client took the whole
// file. The exports page's summary (what is reportable, what is not and why) is overview.ts.
import type { Writable } from 'node:stream';
import type { CapabilityDeps } from '../compose';
import { HttpError } from '../http/errors';
import { filterQuery, type RecordFilters } from '../records/filters';
import { auditedExports, type Download, type Requester } from './audited';
import { cpeCandidate, parsCandidate, type ReportingIndex } from './candidates';
import { CPE_COLUMNS, CPE_RULES, type CpeRow } from './cpe-columns';
import {
  CSV,
  TAB_DELIMITED,
  cellText,
  cellsOf,
  neutralise,
  plainCellsOf,
  textWriter,
  type TextFormat,
} from './csv';
import { createOverview } from './overview';
import { PARS_COLUMNS, PARS_RULES, parsGuidance, type ParsRow } from './pars-columns';
import {
  cpeCandidatesQuery,
  parsCandidatesQuery,
  recordsExportQuery,
  type CpeCandidateRow,
  type ParsCandidateRow,
} from './queries';
import { RECORD_COLUMNS } from './record-columns';
import { isoDay, problemsOf } from './reporting';
import { createCursorRunner, pipeToResponse, type SqlQuery } from './stream';
import { streamWorkbook } from './xlsx';

export interface RecordsCsvOptions {
  bom: boolean;
  /** Include rows made by `npm run seed:scale` (the benchmark's export); never for an accreditor's file. */
  synthetic: boolean;
  /** Set for the CSV of one whole activity (its slug); the filters then hold only that activity. */
  activity?: string;
}

export type ParsFormat = 'xlsx' | 'txt';
export type CpeFormat = 'csv' | 'txt';

export const PARS_NEEDS_PROVIDER_ID =
  'The PARS file cannot be made: content/provider.yaml has no accmeProviderId (the 7-digit ACCME provider ID).';

const CSV_TYPE = 'text/csv; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function createExportService(deps: CapabilityDeps) {
  const { withCursor } = createCursorRunner(deps.pool);
  const audited = auditedExports(deps);
  const today = () => isoDay(deps.now());

  async function reportingIndex(): Promise<ReportingIndex> {
    const activities = await deps.catalogue.list();
    return {
      byActivity: new Map(activities.map((activity) => [activity.id, activity.reporting])),
      accmeProviderId: activities.find((a) => a.reporting.accmeProviderId)?.reporting.accmeProviderId ?? null,
    };
  }

  /** Streams a text file (CSV or tab-delimited) of the query's rows. */
  const textExport =
    <Row>(
      query: SqlQuery,
      rowMode: 'array' | undefined,
      write: { leading: string[][]; cells: (row: Row) => string[] | null; format: TextFormat },
    ) =>
    (open: () => Writable, counted: () => void) =>
      withCursor(query, { rowMode }, (rows) =>
        pipeToResponse(rows, textWriter(write.leading, write.cells, write.format, counted), open()),
      );

  const typedColumn = RECORD_COLUMNS.map((column) => column.typed === true);
  const recordCells = (row: (string | null)[]) =>
    row.map((value, i) => (value === null ? '' : typedColumn[i] ? cellText(value) : neutralise(value)));

  /** Completion records with the records page's filters (or one whole activity), newest first. */
  function recordsCsv(
    who: Requester,
    filters: RecordFilters,
    options: RecordsCsvOptions,
    download: Download,
  ) {
    const scope = options.activity ? `-${options.activity}` : '';
    return audited(
      who,
      options.activity ? 'export.activity-records.csv' : 'export.records.csv',
      { filters: filterQuery(filters), bom: options.bom, synthetic: options.synthetic },
      { to: download, file: { name: `completion-records${scope}-${today()}.csv`, type: CSV_TYPE } },
      textExport(recordsExportQuery(filters, { synthetic: options.synthetic }), 'array', {
        leading: [RECORD_COLUMNS.map((column) => column.header)],
        cells: recordCells,
        format: { ...CSV, bom: options.bom },
      }),
    );
  }

  /** The ACCME PARS learner file: reportable physician records only (the others are listed on the exports page). */
  async function parsFile(who: Requester, filters: RecordFilters, format: ParsFormat, download: Download) {
    const index = await reportingIndex();
    if (!index.accmeProviderId) throw new HttpError(409, PARS_NEEDS_PROVIDER_ID);
    const leading = [
      [parsGuidance(index.accmeProviderId, deps.now())],
      PARS_COLUMNS.map((column) => column.header),
    ];
    const reportable = (row: ParsCandidateRow) => {
      const candidate = parsCandidate(row, index);
      return problemsOf(candidate, PARS_RULES).length === 0 ? (candidate as ParsRow) : null;
    };
    const name = `accme-pars-learners-${index.accmeProviderId}-${today()}.${format}`;
    const details = { filters: filterQuery(filters), format };
    if (format === 'txt') {
      const cells = cellsOf(PARS_COLUMNS);
      return audited(
        who,
        'export.pars.txt',
        details,
        { to: download, file: { name, type: TEXT_TYPE } },
        textExport(parsCandidatesQuery(filters), undefined, {
          leading,
          cells: (row: ParsCandidateRow) => withRow(reportable(row), cells),
          format: TAB_DELIMITED,
        }),
      );
    }
    const cells = plainCellsOf(PARS_COLUMNS);
    return audited(
      who,
      'export.pars.xlsx',
      details,
      { to: download, file: { name, type: XLSX_TYPE } },
      (open, counted) =>
        withCursor(parsCandidatesQuery(filters), {}, (rows) =>
          streamWorkbook<ParsCandidateRow>(
            {
              sheetName: 'Learners',
              leading,
              rows,
              cells: (row) => withRow(reportable(row), cells),
              counted,
            },
            open(),
          ),
        ),
    );
  }

  /** The ACPE CPE Monitor file: reportable pharmacist and technician records only. */
  async function cpeMonitorFile(
    who: Requester,
    filters: RecordFilters,
    format: CpeFormat,
    download: Download,
  ) {
    const index = await reportingIndex();
    const now = deps.now();
    const cells = cellsOf(CPE_COLUMNS);
    const reportable = (row: CpeCandidateRow) => {
      const candidate = cpeCandidate(row, index, now);
      return problemsOf(candidate, CPE_RULES).length === 0 ? (candidate as CpeRow) : null;
    };
    return audited(
      who,
      `export.cpe-monitor.${format}`,
      { filters: filterQuery(filters), format },
      {
        to: download,
        file: { name: `cpe-monitor-${today()}.${format}`, type: format === 'csv' ? CSV_TYPE : TEXT_TYPE },
      },
      textExport(cpeCandidatesQuery(filters), undefined, {
        leading: [CPE_COLUMNS.map((column) => column.header)],
        cells: (row: CpeCandidateRow) => withRow(reportable(row), cells),
        format: format === 'csv' ? CSV : TAB_DELIMITED,
      }),
    );
  }

  return {
    recordsCsv,
    parsFile,
    cpeMonitorFile,
    overview: createOverview({ pool: deps.pool, now: deps.now, reportingIndex }),
    reportingIndex,
  };
}

const withRow = <Row>(row: Row | null, cells: (row: Row) => string[]) => (row === null ? null : cells(row));

export type { Download, ExportResult, Requester } from './audited';
export type ExportService = ReturnType<typeof createExportService>;
