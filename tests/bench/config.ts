// Benchmark settings from the environment: BENCH_DURATION and BENCH_WARMUP (seconds), BENCH_CONNECTIONS, and
// BENCH_ONLY (comma-separated scenario names, for working on one figure; ratios need both of their scenarios).
export interface BenchConfig {
  /** Seconds each scenario is measured for. */
  duration: number;
  /** Seconds of warm-up before each measurement (JIT, view cache, catalogue cache, keep-alive sockets). */
  warmup: number;
  /** Concurrent keep-alive connections, the same for every scenario. */
  connections: number;
  /** Scenario names to run; null runs them all. */
  only: ReadonlySet<string> | null;
}

export class BenchConfigError extends Error {}

function positiveInteger(name: string, fallback: number, allowZero = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new BenchConfigError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not "${raw}"`,
    );
  }
  return value;
}

function scenarioNames(raw: string | undefined): ReadonlySet<string> | null {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? new Set(names) : null;
}

export function loadBenchConfig(): BenchConfig {
  return {
    duration: positiveInteger('BENCH_DURATION', 10),
    warmup: positiveInteger('BENCH_WARMUP', 2, true),
    connections: positiveInteger('BENCH_CONNECTIONS', 50),
    only: scenarioNames(process.env.BENCH_ONLY),
  };
}
