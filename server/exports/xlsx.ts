// A spreadsheet written as it streams: exceljs's streaming WorkbookWriter commits each row into the zip as soon as it
// is added, so a workbook of any length never sits in memory. exceljs does not wait for a slow client by itself: the
// sheet's buffer writes into the zip regardless, so rows pile up in front of the compressor while the client is slow.
// So every few rows the compressor gets its turn, and no row is added while the zip's output is blocked.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortedExport } from './stream';

/** Rows added between two looks at the zip's output (the compressor works between them, off the main thread). */
const ROWS_PER_LOOK = 100;

/** The parts of exceljs's zip (an archiver Transform) that tell whether its output flows; not in exceljs's types. */
interface Zip {
  readableLength: number;
  readableHighWaterMark: number;
  abort(): void;
}

export interface SheetContent<Row> {
  sheetName: string;
  /** Rows written before the data, e.g. guidance text then the header. */
  leading: string[][];
  /** The data rows (a cursor); `cells` gives a row's cells, or null to leave the row out. */
  rows: AsyncIterable<Row>;
  cells: (row: Row) => string[] | null;
  counted: () => void;
}

/**
 * Writes one worksheet of text cells (never formulas: a cell holding "=cmd" is the text "=cmd") to `out`, row by row.
 * Rejects with AbortedExport when `out` closes before the workbook is complete.
 */
export async function streamWorkbook<Row>(content: SheetContent<Row>, out: Writable): Promise<void> {
  // Loaded on the first workbook, not at start: exceljs costs a third of a second and ~28 MB that most processes
  // never need.
  const { default: excel } = await import('exceljs');
  const zipped = new PassThrough();
  const workbook = new excel.stream.xlsx.WorkbookWriter({
    stream: zipped,
    useStyles: false,
    useSharedStrings: false,
  });
  const zip = (workbook as unknown as { zip: Zip }).zip;
  const sent = pipeline(zipped, out);
  let outcome: unknown = null;
  sent.catch((error: unknown) => (outcome = error));
  const abandoned = () => outcome !== null || out.destroyed;
  // Output waiting to be read: the client is slower than the compressor.
  const blocked = () => zip.readableLength >= zip.readableHighWaterMark || zipped.writableNeedDrain;

  try {
    const sheet = workbook.addWorksheet(content.sheetName);
    for (const leading of content.leading) sheet.addRow(leading).commit();
    let sinceLook = 0;
    for await (const row of content.rows) {
      const cells = content.cells(row);
      if (cells) {
        content.counted();
        sheet.addRow(cells).commit();
      }
      if (++sinceLook < ROWS_PER_LOOK) continue;
      sinceLook = 0;
      await nextTurn();
      while (blocked() && !abandoned()) await sleep(5);
      if (abandoned()) throw new AbortedExport(outcome);
    }
    sheet.commit();
    await workbook.commit();
    await sent;
  } catch (error) {
    zip.abort();
    zipped.destroy();
    await sent.catch(() => {});
    throw error instanceof AbortedExport ? error : new AbortedExport(error);
  }
}
