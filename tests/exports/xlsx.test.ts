// The streaming workbook on its own: rows are taken from the cursor only as fast as the client takes the bytes (so a
// slow or stalled client does not make the server hold the whole workbook), and a client that leaves stops the rows.
import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedExport } from '../../server/exports/stream';
import { streamWorkbook } from '../../server/exports/xlsx';
import { readXlsx, values } from './files';

const ROWS = 200_000;

/** A cursor's stand-in: numbered rows, counting how many were taken and whether it was closed. */
function rowsSource() {
  const state = { taken: 0, closed: false };
  async function* rows() {
    try {
      for (let i = 1; i <= ROWS; i += 1) {
        state.taken = i;
        yield { n: i, name: `Learner ${i}`, id: String(i).padStart(9, '0') };
        if (i % 1000 === 0) await Promise.resolve();
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, rows: rows() };
}

type Row = { n: number; name: string; id: string };
const content = (rows: AsyncIterable<Row>, limit = ROWS) => ({
  sheetName: 'Rows',
  leading: [['guidance'], ['N', 'Name', 'ID']],
  rows,
  cells: (row: Row) => (row.n <= limit ? [String(row.n), row.name, row.id] : null),
  counted: () => {},
});

describe('the streaming workbook', () => {
  it('when the client does not read, then rows stop being taken after a bounded amount', async () => {
    const source = rowsSource();
    const stalled = new PassThrough(); // never read: its buffer fills and stays full
    const writing = streamWorkbook(content(source.rows), stalled);
    writing.catch(() => {});
    // Until no row is taken for half a second: the compressor's input and the unread output are full by then. A
    // fixed wait of 1.5 s was too short once on a loaded 2-vCPU CI run (2,600 rows, then 2,800).
    let takenWhileStalled = 0;
    for (const deadline = Date.now() + 20_000; takenWhileStalled === 0 && Date.now() < deadline;) {
      const before = source.state.taken;
      await sleep(500);
      if (before > 0 && source.state.taken === before) takenWhileStalled = before;
    }
    // Measured: about 3,000 rows (what the compressor had taken in before the output backed up). Without
    // backpressure every row would be taken.
    expect(takenWhileStalled).toBeGreaterThan(0);
    expect(takenWhileStalled).toBeLessThan(20_000);
    await sleep(500);
    expect(source.state.taken).toBe(takenWhileStalled);

    stalled.destroy();
    await expect(writing).rejects.toBeInstanceOf(AbortedExport);
    expect(source.state.closed).toBe(true);
  }, 30_000);

  it('when the client reads everything, then the workbook holds the leading rows and every row, as text', async () => {
    const source = rowsSource();
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    await streamWorkbook(content(source.rows, 3), sink);
    const sheet = await readXlsx(Buffer.concat(chunks));
    expect(values(sheet.rows)).toEqual([
      ['guidance'],
      ['N', 'Name', 'ID'],
      ['1', 'Learner 1', '000000001'],
      ['2', 'Learner 2', '000000002'],
      ['3', 'Learner 3', '000000003'],
    ]);
    expect(source.state).toEqual({ taken: ROWS, closed: true });
  }, 60_000);
});
