// The admins' CSV export of every completion record, on the large seeded database (scale-data.ts), against
// PostgreSQL's own export of the same rows: `COPY (<the export's own query>) TO STDOUT WITH (FORMAT csv)`, read to its
// last byte by a client in this process, in the same run (target: export time ÷ COPY time ≤ 2.0). Meanwhile the app
// process's resident memory is watched (target: peak ≤ 150 MB): its high-water mark is reset before each download
// (/proc/<pid>/clear_refs) and read after it (VmHWM), and VmRSS is polled every 20 ms as a cross-check. The export
// runs on an app process of its own, started for it (as npm start runs it), so that the figure is the export's.
//
// The query is server/exports/queries.ts's recordsExportQuery without filters (so without parameters, which COPY
// cannot take), with the synthetic rows the seed made. COPY and download alternate, ROUNDS times; medians are
// printed. The download goes through the real app over HTTP, with the admin's session, to the last byte.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client, Query } from 'pg';
import { recordsExportQuery } from '../../../server/exports/queries';
import type { Scenario } from '../bench';
import { scaleApps, startScaleApp, type ScaleApp } from '../scale-data';

const ROUNDS = Number(process.env.BENCH_EXPORT_ROUNDS ?? 3);
/** The admins' CSV with the seed's synthetic records (they are left out unless asked for). */
const EXPORT_PATH = '/admin/exports/records.csv?synthetic=include';
const TARGET_RATIO = 2.0;
const TARGET_PEAK_MB = 150;

interface Timed {
  seconds: number;
  bytes: number;
}

/** Runs COPY … TO STDOUT and counts the bytes it sends (pg hands each CopyData message to the active query). */
async function copyToStdout(databaseUrl: string, sql: string): Promise<Timed> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const query = new Query(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`);
    let bytes = 0;
    (query as unknown as { handleCopyData(message: { chunk: Buffer }): void }).handleCopyData = (message) => {
      bytes += message.chunk.length;
    };
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      query.on('end', () => resolve());
      query.on('error', reject);
      void client.query(query);
    });
    return { seconds: (performance.now() - started) / 1000, bytes };
  } finally {
    await client.end();
  }
}

const kB = (status: string, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN);

/** Watches a process's memory: its peak resident set from the kernel's high-water mark and from polling. */
function watchMemory(pid: number) {
  const status = () => fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  let hwmReset = true;
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false; // older kernels: VmHWM is then the process's lifetime peak
  }
  const before = kB(status(), 'VmRSS');
  let polled = before;
  const timer = setInterval(() => {
    try {
      polled = Math.max(polled, kB(status(), 'VmRSS'));
    } catch {
      // the process ended: the download fails and says so
    }
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return {
        beforeMb: before / 1024,
        polledMb: polled / 1024,
        hwmMb: kB(status(), 'VmHWM') / 1024,
        hwmReset,
      };
    },
  };
}

async function download(app: ScaleApp): Promise<Timed & { status: number; head: string }> {
  const started = performance.now();
  const response = await fetch(`${app.url}${EXPORT_PATH}`, {
    headers: { cookie: app.cookie },
    redirect: 'manual',
  });
  let bytes = 0;
  let head = '';
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (head.length < 300) head += Buffer.from(chunk).toString('utf8', 0, 300);
      bytes += chunk.length;
    }
  }
  return { seconds: (performance.now() - started) / 1000, bytes, status: response.status, head };
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const csvExport: Scenario = {
  name: 'export',
  async run(bench) {
    const shared = await scaleApps(bench);
    // Its own process: the shared one has served the records page to 50 connections at once, and V8 keeps the heap
    // that grew to serve them. What the export itself takes is measured from a process that has done nothing else.
    const large = await startScaleApp(bench, shared.large.size, shared.large.databaseUrl);
    const query = recordsExportQuery({}, { synthetic: true });
    if (query.values.length > 0)
      throw new Error('the unfiltered export query has parameters: COPY cannot run it');
    console.log(
      `measuring export: ${EXPORT_PATH} on the large app vs COPY of the same query, ${ROUNDS} rounds`,
    );
    const copies: Timed[] = [];
    const exports: (Timed & { memory: ReturnType<ReturnType<typeof watchMemory>['stop']> })[] = [];
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS && problems.length === 0; round++) {
      copies.push(await copyToStdout(large.databaseUrl, query.text));
      const memory = watchMemory(large.pid);
      const result = await download(large);
      exports.push({ ...result, memory: memory.stop() });
      if (result.status !== 200) problems.push(`${EXPORT_PATH} answered ${result.status}: ${result.head}`);
      console.log(
        `  round ${round + 1}: COPY ${copies.at(-1)!.seconds.toFixed(1)} s (${(copies.at(-1)!.bytes / 2 ** 20).toFixed(0)} MB), ` +
          `export ${result.seconds.toFixed(1)} s (${(result.bytes / 2 ** 20).toFixed(0)} MB, status ${result.status}), ` +
          `app RSS ${exports.at(-1)!.memory.beforeMb.toFixed(0)} → peak ${exports.at(-1)!.memory.hwmMb.toFixed(0)} MB`,
      );
    }
    if (problems.length > 0) return { problems };
    const copySeconds = median(copies.map((c) => c.seconds));
    const exportSeconds = median(exports.map((e) => e.seconds));
    const ratio = exportSeconds / copySeconds;
    const peak = Math.max(
      ...exports.map((e) =>
        e.memory.hwmReset ? Math.max(e.memory.hwmMb, e.memory.polledMb) : e.memory.polledMb,
      ),
    );
    const verdict = (met: boolean) => (met ? 'met' : 'below target');
    return {
      lines: [
        `CSV export of ${large.size.records.toLocaleString('en-US')} records (median of ${ROUNDS}): ${exportSeconds.toFixed(2)} s, ` +
          `${(median(exports.map((e) => e.bytes)) / 2 ** 20).toFixed(0)} MB; COPY of the same query ${copySeconds.toFixed(2)} s, ` +
          `${(median(copies.map((c) => c.bytes)) / 2 ** 20).toFixed(0)} MB`,
        `ratio export/COPY (time): ${ratio.toFixed(2)}  target ≤ ${TARGET_RATIO.toFixed(2)}  ${verdict(ratio <= TARGET_RATIO)}`,
        `app peak RSS during the export: ${peak.toFixed(0)} MB (from ${median(exports.map((e) => e.memory.beforeMb)).toFixed(0)} MB ` +
          `before; ${exports[0]!.memory.hwmReset ? 'VmHWM reset before each download' : 'VmHWM not resettable: polled VmRSS'})  ` +
          `target ≤ ${TARGET_PEAK_MB} MB  ${verdict(peak <= TARGET_PEAK_MB)}`,
      ],
      problems,
    };
  },
};
