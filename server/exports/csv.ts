// The one way text exports are written (the admins' CSV of completion records, of a whole activity, the
// accreditors' tab-delimited files, the learner's own CSV on My CE): each export declares its columns once, as a
// header and a cell per row, and gets the same quoting, line endings, optional byte-order mark and, above all, the
// same neutralising of cells that a spreadsheet would otherwise run as a formula.
import { Transform, type TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { withoutInvisibleFormat } from '../http/input';

/** A column of a text export: its header, and its cell for a row (null and undefined are empty cells). */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => string | null | undefined;
}

/**
 * A cell starting with = + - @, a tab or a carriage return is read by Excel, LibreOffice or Google Sheets as a
 * formula (CSV injection); a single quote in front makes it text, as OWASP advises.
 */
export function neutralise(value: string): string {
  // Compared by code (= + - @ tab CR): this runs for every cell of a million-row export.
  const first = value.charCodeAt(0);
  const formula = first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13;
  return formula ? `'${value}` : value;
}

/** A cell as written: text stored before invisible format characters were refused shows without them. */
export const cellText = (value: string | null | undefined): string =>
  value ? neutralise(withoutInvisibleFormat(value)) : '';

export interface TextFormat {
  /** Comma-separated (CSV) or tab-delimited text. */
  delimiter: ',' | '\t';
  /** A UTF-8 byte-order mark first, so that Excel reads accents and "™" right. */
  bom: boolean;
}

export const CSV: TextFormat = { delimiter: ',', bom: false };
export const TAB_DELIMITED: TextFormat = { delimiter: '\t', bom: false };

const stringifyOptions = (format: TextFormat) => ({
  delimiter: format.delimiter,
  bom: format.bom,
  // CRLF, as RFC 4180 says and as Excel and ACCME's Windows-made templates expect.
  record_delimiter: 'windows' as const,
  // csv-stringify quotes a field holding the whole record delimiter; a lone CR or LF must be quoted too.
  quoted_match: /[\r\n]/,
});

/**
 * Rows in (objects, or whatever a cursor gives), text out: the `leading` lines (the header, after any guidance line),
 * then one line per row whose cells `cells` returns (null leaves the row out, e.g. a record that is not
 * reportable). `counted` is told of every row written.
 */
export function textWriter<Row>(
  leading: readonly (readonly string[])[],
  cells: (row: Row) => string[] | null,
  format: TextFormat,
  counted: () => void = () => {},
): NodeJS.ReadWriteStream[] {
  const toCells = new Transform({
    writableObjectMode: true,
    readableObjectMode: true,
    construct(callback) {
      for (const line of leading) this.push(line);
      callback();
    },
    transform(row: Row, _encoding, callback: TransformCallback) {
      const line = cells(row);
      if (line) {
        counted();
        this.push(line);
      }
      callback();
    },
  });
  return [toCells, stringify(stringifyOptions(format))];
}

/** The cells of a row by its declared columns, each neutralised. */
export const cellsOf =
  <Row>(columns: readonly Column<Row>[]) =>
  (row: Row): string[] =>
    columns.map((column) => cellText(column.cell(row)));

/** The cells of a row as a spreadsheet cell holds them: text as it is (a cell's type, not a quote, keeps it text). */
export const plainCellsOf =
  <Row>(columns: readonly Column<Row>[]) =>
  (row: Row): string[] =>
    columns.map((column) => withoutInvisibleFormat(column.cell(row) ?? ''));

/** A whole document at once, for small exports (a learner's own records). */
export function textDocument<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  format: TextFormat,
): string {
  const toCells = cellsOf(columns);
  return stringifySync(
    [columns.map((column) => column.header), ...rows.map(toCells)],
    stringifyOptions(format),
  );
}
