// The printed results: one row per measured scenario, then each ratio against its target.
import type { Measurement } from './measure';

export interface Ratio {
  /** Scenario names: the numerator's rate divided by the denominator's. */
  numerator: string;
  denominator: string;
  /** The ratio the issue asks for; missing it is reported, never a failed run. Null: shown for context only. */
  target: number | null;
  /** What is divided, when not req/s by req/s. */
  unit?: string;
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
    ['scenario', 'req/s (avg)', 'p50 ms', 'p99 ms', 'requests', 'unexpected status', 'errors'],
    results.map(({ name, measurement: m }) => [
      name,
      m.requestsPerSecond.toFixed(1),
      m.latencyP50.toFixed(0),
      m.latencyP99.toFixed(0),
      String(m.requests),
      String(m.unexpected),
      String(m.errors),
    ]),
  );
}

/** Each ratio from its scenarios' rates (req/s, or scored/s for submissions). */
export function computeRatios(ratios: readonly Ratio[], rates: ReadonlyMap<string, number>): RatioResult[] {
  return ratios.map((ratio) => {
    const numerator = rates.get(ratio.numerator);
    const denominator = rates.get(ratio.denominator);
    if (numerator === undefined || denominator === undefined)
      throw new Error(`ratio ${ratio.numerator}/${ratio.denominator}: no such scenario`);
    const value = numerator / denominator;
    return { ...ratio, value, met: ratio.target === null || value >= ratio.target };
  });
}

export function ratioLines(ratios: readonly RatioResult[]): string {
  return ratios
    .map(
      (r) =>
        `ratio ${r.numerator}/${r.denominator} (${r.unit ?? 'req/s'}): ${r.value.toFixed(2)}  ` +
        (r.target === null
          ? '(no target)'
          : `target ≥ ${r.target.toFixed(2)}  ${r.met ? 'met' : 'below target'}`),
    )
    .join('\n');
}

export const statusList = (m: Measurement) =>
  Object.entries(m.statusCodes)
    .map(([code, n]) => `${n}× ${code}`)
    .join(', ') || 'none';

/** Why a measurement fails the run: errored requests or unexpected answers (error pages prove nothing). */
export function problemsOf(m: Measurement): string[] {
  const problems: string[] = [];
  if (m.errors > 0) problems.push(`${m.errors} errored requests (${m.timeouts} timeouts)`);
  if (m.unexpected > 0) problems.push(`${m.unexpected} answers with an unexpected status (${statusList(m)})`);
  return problems;
}
