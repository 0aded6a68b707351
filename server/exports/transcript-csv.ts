// The learner's own CSV on My CE: their completions as the transcript shows them, written by the exports' one CSV
// module (server/exports/csv.ts: quoting, CRLF, byte-order mark, formula neutralising). Dates stay ISO: a
// spreadsheet sorts and parses them.
import { completionText } from '../certificates/certificate-text';
import type { TranscriptEntry } from '../certificates/service';
import { CSV, textDocument, type Column } from './csv';

interface TranscriptRow {
  entry: TranscriptEntry;
  shown: ReturnType<typeof completionText>;
  verifyUrl: string | null;
}

export const TRANSCRIPT_COLUMNS: readonly Column<TranscriptRow>[] = [
  { header: 'Completed on', cell: (r) => r.entry.completedOn },
  { header: 'Learner', cell: (r) => r.shown.learnerName },
  { header: 'Activity', cell: (r) => r.entry.activityTitle },
  { header: 'Credit type', cell: (r) => r.entry.creditLabel },
  { header: 'Amount', cell: (r) => r.shown.amount },
  { header: 'Score (%)', cell: (r) => r.entry.scorePercent },
  { header: 'Certificate code', cell: (r) => r.shown.code },
  { header: 'Verification URL', cell: (r) => r.verifyUrl },
  {
    header: 'Status',
    cell: (r) => (r.entry.revokedAt ? `revoked ${r.entry.revokedAt.toISOString().slice(0, 10)}` : 'valid'),
  },
];

/** The whole file (a learner has a few dozen completions at most), with a byte-order mark for Excel. */
export const transcriptCsv = (
  entries: readonly TranscriptEntry[],
  verifyUrl: (code: string) => string,
): string =>
  textDocument(
    entries.map((entry) => ({
      entry,
      shown: completionText(entry),
      verifyUrl: entry.certificateCode ? verifyUrl(entry.certificateCode) : null,
    })),
    TRANSCRIPT_COLUMNS,
    { ...CSV, bom: true },
  );
