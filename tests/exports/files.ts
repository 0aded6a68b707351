// Reading the exported files back as a spreadsheet program would: CSV and tab-delimited text cell by cell (RFC 4180
// quoting), and xlsx with exceljs's reader, with each cell's type.
import ExcelJS from 'exceljs';
import type { Agent } from '../support/client';
import { getBinary } from '../support/client';

/** Cells of CSV or tab-delimited text: quoted fields may hold the delimiter, "" and line breaks. */
export function parseDelimited(text: string, delimiter: ',' | '\t'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (quoted && char === '"') {
      quoted = false;
    } else if (quoted) {
      cell += char;
    } else if (char === '"' && cell === '') {
      quoted = true;
    } else if (char === delimiter) {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
      i += 1;
    } else {
      cell += char;
    }
  }
  if (cell !== '' || row.length > 0)
    throw new Error(`the file does not end with CRLF: ${JSON.stringify(cell)}`);
  return rows;
}

export interface Downloaded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body as UTF-8, without a byte-order mark. */
  text: string;
  bom: boolean;
}

export async function download(agent: Agent, url: string): Promise<Downloaded> {
  const res = await getBinary(agent, url);
  const body = res.body as Buffer;
  const bom = body.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
  return {
    status: res.status,
    headers: res.headers,
    body,
    bom,
    text: body.subarray(bom ? 3 : 0).toString('utf8'),
  };
}

export interface SheetCell {
  value: string;
  type: 'string' | 'other';
}

/** Every row of the first worksheet, each cell with whether the reader sees it as a string. */
export async function readXlsx(body: Buffer): Promise<{ sheetName: string; rows: SheetCell[][] }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const rows: SheetCell[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const cells: SheetCell[] = [];
    for (let column = 1; column <= row.cellCount; column += 1) {
      const cell = row.getCell(column);
      cells.push({
        value: cell.value === null ? '' : cell.text,
        type:
          cell.type === ExcelJS.ValueType.String || cell.type === ExcelJS.ValueType.Null ? 'string' : 'other',
      });
    }
    rows.push(cells);
  });
  return { sheetName: sheet.name, rows };
}

/** The cell values only. */
export const values = (rows: SheetCell[][]) => rows.map((row) => row.map((cell) => cell.value));
