// The mixed load's tables: per request type under the mix beside the same type alone, for one configuration; and
// one instance against two.
import type { CpuShares } from './cpu';
import type { TrafficResult } from './run-load';
import type { TrafficName } from './traffic';

export interface ConfigurationResult {
  label: string;
  instances: number;
  seconds: number;
  mix: TrafficResult[];
  mixCpu: CpuShares;
  alone: Map<TrafficName, TrafficResult>;
  aloneCpu: Map<TrafficName, CpuShares>;
  /** Database counts during the mix (scored attempts, claims made): what the 303s stand for. */
  stored: { scored: number; claimed: number };
  /** Per instance at the end of the mix: resident memory and pool connections. */
  footprint: string[];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const rate = (value: number) => value.toFixed(value < 10 ? 2 : 1);
const ms = (value: number) => value.toFixed(0);

const appPercent = (cpu: CpuShares) => Object.values(cpu.apps).reduce((sum, p) => sum + p, 0);

/** App CPU milliseconds per expected answer: percent of a CPU × 10 ms per second, over answers per second. */
const cpuMsPer = (cpu: CpuShares | undefined, okPerSecond: number | undefined) =>
  cpu && okPerSecond ? (appPercent(cpu) * 10) / okPerSecond : undefined;

function cpuLine(label: string, cpu: CpuShares): string {
  const apps = Object.entries(cpu.apps).map(([name, p]) => `${name} ${p.toFixed(0)} %`);
  const postgres = cpu.postgres === null ? 'not on this machine' : `${cpu.postgres.toFixed(0)} %`;
  return (
    `${label}: app ${apps.join(', ')}; PostgreSQL ${postgres}; load generator ${cpu.loadGenerator.toFixed(0)} % ` +
    `(of one CPU; load average ${cpu.loadAverage.toFixed(1)} on ${cpu.cpus} CPUs)`
  );
}

export function configurationTable(result: ConfigurationResult): string {
  const rows = result.mix.map((mixed) => {
    const alone = result.alone.get(mixed.name);
    const aloneCpu = result.aloneCpu.get(mixed.name);
    const m = mixed.measurement;
    const cost = cpuMsPer(aloneCpu, alone?.okPerSecond);
    return [
      mixed.name,
      String(mixed.connections),
      rate(mixed.okPerSecond),
      ms(m.latencyP50),
      ms(m.latencyP99),
      alone ? rate(alone.okPerSecond) : '—',
      alone ? ms(alone.measurement.latencyP50) : '—',
      alone ? ms(alone.measurement.latencyP99) : '—',
      alone && alone.okPerSecond > 0 ? (mixed.okPerSecond / alone.okPerSecond).toFixed(2) : '—',
      aloneCpu
        ? `${appPercent(aloneCpu).toFixed(0)}/${aloneCpu.postgres === null ? '—' : aloneCpu.postgres.toFixed(0)}`
        : '—',
      cost === undefined ? '—' : cost.toFixed(1),
      `${m.unexpected}/${alone?.measurement.unexpected ?? 0}`,
      `${m.errors}/${alone?.measurement.errors ?? 0}`,
    ];
  });
  const total = result.mix.reduce((sum, r) => sum + r.okPerSecond, 0);
  const connections = result.mix.reduce((s, r) => s + r.connections, 0);
  rows.push([
    'all',
    String(connections),
    rate(total),
    '',
    '',
    '',
    '',
    '',
    '',
    appPercent(result.mixCpu).toFixed(0),
    '',
    '',
    '',
  ]);
  // What the mix's answers would have cost at each type's cost alone, against what the app spent: above 1, the
  // types slow each other down beyond sharing the CPU (locks, pool waits, cache misses).
  const expected = result.mix.reduce(
    (sum, r) =>
      sum +
      r.okPerSecond * (cpuMsPer(result.aloneCpu.get(r.name), result.alone.get(r.name)?.okPerSecond) ?? 0),
    0,
  );
  const spent = appPercent(result.mixCpu) * 10;
  return [
    `mixed load, ${result.label} (${result.seconds} s each; "alone": the same type with the same connections, ` +
      'nothing else running; CPU: app processes, percent of one CPU):',
    table(
      [
        'type',
        'conns',
        'mix ok/s',
        'p50 ms',
        'p99 ms',
        'alone ok/s',
        'p50 ms',
        'p99 ms',
        'mix ÷ alone',
        'CPU % alone app/PG',
        'CPU ms/answer alone',
        'unexpected mix/alone',
        'errors mix/alone',
      ],
      rows,
    ),
    `stored during the mix: ${result.stored.scored} attempts scored, ${result.stored.claimed} claims with certificates`,
    cpuLine('CPU during the mix', result.mixCpu),
    // Each type's share of what it does alone, added up: 1 when the types share the machine without slowing each
    // other down beyond sharing it (the one-connection types are latency-bound alone, which flatters theirs).
    `the mix's throughput in units of each type alone: Σ mix ÷ alone = ${result.mix
      .reduce((sum, r) => sum + r.okPerSecond / (result.alone.get(r.name)?.okPerSecond || Infinity), 0)
      .toFixed(2)}`,
    `the mix's answers at each type's own cost: ${expected.toFixed(0)} CPU ms per second; the app spent ` +
      `${spent.toFixed(0)} (${expected > 0 ? (spent / expected).toFixed(2) : '—'} × )`,
    ...result.footprint,
  ].join('\n');
}

/** Each type's throughput under the mix and alone, two instances against one. */
export function scalingTable(one: ConfigurationResult, two: ConfigurationResult): string {
  const rows = one.mix.map((mixedOne) => {
    const mixedTwo = two.mix.find((r) => r.name === mixedOne.name);
    const aloneOne = one.alone.get(mixedOne.name);
    const aloneTwo = two.alone.get(mixedOne.name);
    const ratio = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : '—');
    return [
      mixedOne.name,
      rate(mixedOne.okPerSecond),
      mixedTwo ? rate(mixedTwo.okPerSecond) : '—',
      ratio(mixedTwo?.okPerSecond, mixedOne.okPerSecond),
      aloneOne ? rate(aloneOne.okPerSecond) : '—',
      aloneTwo ? rate(aloneTwo.okPerSecond) : '—',
      ratio(aloneTwo?.okPerSecond, aloneOne?.okPerSecond),
    ];
  });
  const sum = (result: ConfigurationResult) => result.mix.reduce((s, r) => s + r.okPerSecond, 0);
  rows.push(['all (mix)', rate(sum(one)), rate(sum(two)), (sum(two) / sum(one)).toFixed(2), '', '', '']);
  return [
    'two instances against one (ok/s):',
    table(['type', 'mix, one', 'mix, two', 'two ÷ one', 'alone, one', 'alone, two', 'two ÷ one'], rows),
  ].join('\n');
}
