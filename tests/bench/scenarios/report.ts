// The activity report, GET /reports/<slug> (charts drawn on the server), one request at a time, on a synthetic copy
// of the small and of the large seeded database (scale-data.ts): with 20 copies, 500 and 50,000 completions of that
// activity. Its p50 at both sizes is printed, without a target.
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../bench';
import { scaleApps, type ScaleApp } from '../scale-data';

const WARMUP = 3;
const REQUESTS = 20;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

async function timeReport(app: ScaleApp): Promise<{ line: string; problems: string[] }> {
  const url = `${app.url}/reports/${app.activitySlug}`;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie: app.cookie }, redirect: 'manual' });
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200)
      return { line: '', problems: [`${url} answered ${response.status}: ${body.slice(0, 300)}`] };
    if (i >= WARMUP) times.push(elapsed);
    bytes = Buffer.byteLength(body);
  }
  times.sort((a, b) => a - b);
  return {
    line:
      `activity report (${app.size.label}: ${(app.size.records / app.size.copies).toLocaleString('en-US')} completions of ` +
      `${app.activitySlug}), ${REQUESTS} requests one at a time after ${WARMUP}: p50 ${percentile(times, 0.5).toFixed(0)} ms, ` +
      `p99 ${percentile(times, 0.99).toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} kB`,
    problems: [],
  };
}

export const report: Scenario = {
  name: 'report',
  async run(bench) {
    const apps = await scaleApps(bench);
    console.log(`measuring report: /reports/${apps.small.activitySlug} on both sizes`);
    const results = [await timeReport(apps.small), await timeReport(apps.large)];
    return {
      lines: results.map((r) => r.line).filter(Boolean),
      problems: results.flatMap((r) => r.problems),
    };
  },
};
