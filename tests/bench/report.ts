// The printed results: one row per scenario, then each ratio against its target.
import type { Measurement } from './measure';

export interface Ratio {
  /** Scenario names: numerator requests/s divided by denominator requests/s. */
  numerator: string;
  denominator: string;
  /** The ratio the issue asks for; missing it is reported, never a failed run. Null: shown for context only. */
  target: number | null;
}

export interface RatioResult extends Ratio {
  value: number;
  met: boolean;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function measurementTable(results: { name: string; measurement: Measurement }[]): string {
  return table(
    ['scenario', 'req/s (avg)', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
    results.map(({ name, measurement: m }) => [
      name,
      m.requestsPerSecond.toFixed(1),
      m.latencyP50.toFixed(0),
      m.latencyP99.toFixed(0),
      String(m.requests),
      String(m.non2xx),
      String(m.errors),
    ]),
  );
}

export function computeRatios(ratios: readonly Ratio[], results: Map<string, Measurement>): RatioResult[] {
  return ratios.map((ratio) => {
    const numerator = results.get(ratio.numerator);
    const denominator = results.get(ratio.denominator);
    if (!numerator || !denominator)
      throw new Error(`ratio ${ratio.numerator}/${ratio.denominator}: no such scenario`);
    const value = numerator.requestsPerSecond / denominator.requestsPerSecond;
    return { ...ratio, value, met: ratio.target === null || value >= ratio.target };
  });
}

export function ratioLines(ratios: readonly RatioResult[]): string {
  return ratios
    .map(
      (r) =>
        `ratio ${r.numerator}/${r.denominator} (req/s): ${r.value.toFixed(2)}  ` +
        (r.target === null
          ? '(no target)'
          : `target ≥ ${r.target.toFixed(2)}  ${r.met ? 'met' : 'below target'}`),
    )
    .join('\n');
}

/** Why the run is a failure: errored requests, non-2xx answers or wrong bodies (a benchmark of error pages proves nothing). */
export function failures(results: { name: string; measurement: Measurement }[]): string[] {
  return results.flatMap(({ name, measurement: m }) => {
    const problems: string[] = [];
    if (m.errors > 0) problems.push(`${m.errors} errored requests (${m.timeouts} timeouts)`);
    if (m.mismatches > 0) problems.push(`${m.mismatches} responses with an unexpected body`);
    if (m.non2xx > 0) {
      const codes = Object.entries(m.statusCodes)
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, count]) => `${count}× ${code}`)
        .join(', ');
      problems.push(`${m.non2xx} non-2xx responses (${codes})`);
    }
    return problems.map((problem) => `${name}: ${problem}`);
  });
}
