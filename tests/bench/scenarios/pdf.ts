// Certificate PDF generation: renderCertificatePdf called directly, one at a time (no HTTP), timed per call.
import { performance } from 'node:perf_hooks';
import { renderCertificatePdf } from '../../../server/certificates/pdf';
import type { Scenario } from '../bench';

const ITERATIONS = 300;
const WARMUP = 20;
const TARGET_P50_MS = 20;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const pdf: Scenario = {
  name: 'pdf',
  async run(bench) {
    const { snapshot, code } = await bench.certificate();
    const verifyUrl = `https://cme.example.org/verify/${code}`;
    for (let i = 0; i < WARMUP; i++) await renderCertificatePdf(snapshot, code, verifyUrl);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const start = performance.now();
      const rendered = await renderCertificatePdf(snapshot, code, verifyUrl);
      times.push(performance.now() - start);
      bytes = rendered.length;
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 0.5);
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    return {
      lines: [
        `certificate PDF (renderCertificatePdf, ${ITERATIONS} calls after ${WARMUP} warm-up, one at a time): ` +
          `p50 ${p50.toFixed(1)} ms, p99 ${percentile(times, 0.99).toFixed(1)} ms, mean ${mean.toFixed(1)} ms, ` +
          `min ${times[0]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms, ${bytes} bytes`,
        `p50 ${p50.toFixed(1)} ms  target ≤ ${TARGET_P50_MS} ms  ${p50 <= TARGET_P50_MS ? 'met' : 'below target'}`,
      ],
      problems: [],
    };
  },
};
