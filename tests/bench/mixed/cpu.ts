// Where the CPU went during a phase, from /proc: each app process, the PostgreSQL server (its postmaster and every
// child, the finished ones included through the postmaster's cutime/cstime) and this process (the load generator).
// On a machine shared with other work, throughput alone cannot say whether a phase was limited by the app or by
// the CPU it was given: these figures can, and the CPU milliseconds per answer compare across runs and machines.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { PrismaClient } from '../../../server/generated/prisma/client';

let ticksPerSecond: number | undefined;
const clockTicks = () =>
  (ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100);

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): index 0 is field 3 (state). */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone
  }
}

/** CPU seconds a process used (user + system), with its waited-for children's when `children`. */
export function cpuSeconds(pid: number, children = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  // utime, stime, cutime, cstime are fields 14-17.
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / clockTicks();
}

const parentOf = (pid: number) => Number(statFields(pid)?.[1] ?? NaN);

/** The local PostgreSQL postmaster serving `prisma`, or null when the server is not a process of this machine. */
export async function localPostmaster(prisma: PrismaClient): Promise<number | null> {
  const [row] = await prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const backend = row?.pid;
  if (!backend) return null;
  try {
    if (fs.readFileSync(`/proc/${backend}/comm`, 'utf8').trim() !== 'postgres') return null;
  } catch {
    return null;
  }
  const postmaster = parentOf(backend);
  return Number.isInteger(postmaster) ? postmaster : null;
}

/** The postmaster's CPU and its children's, finished or running. */
function serverCpuSeconds(postmaster: number): number {
  let total = cpuSeconds(postmaster, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentOf(pid) === postmaster) total += cpuSeconds(pid);
  }
  return total;
}

export interface CpuShares {
  seconds: number;
  /** Percent of one CPU, per app instance, by name. */
  apps: Record<string, number>;
  /** Percent of one CPU for the whole PostgreSQL server, or null when it is not on this machine. */
  postgres: number | null;
  loadGenerator: number;
  /** The 1-minute load average at the end, and the machine's CPUs. */
  loadAverage: number;
  cpus: number;
}

/** Starts measuring; the returned function ends the measurement. */
export function meterCpu(apps: readonly { name: string; pid: number }[], postmaster: number | null) {
  const started = performance.now();
  const appStart = apps.map((app) => cpuSeconds(app.pid));
  const serverStart = postmaster === null ? 0 : serverCpuSeconds(postmaster);
  const selfStart = process.cpuUsage();
  return (): CpuShares => {
    const seconds = (performance.now() - started) / 1000;
    const percent = (cpu: number) => (100 * cpu) / seconds;
    const self = process.cpuUsage(selfStart);
    return {
      seconds,
      apps: Object.fromEntries(apps.map((app, i) => [app.name, percent(cpuSeconds(app.pid) - appStart[i]!)])),
      postgres: postmaster === null ? null : percent(serverCpuSeconds(postmaster) - serverStart),
      loadGenerator: percent((self.user + self.system) / 1e6),
      loadAverage: os.loadavg()[0]!,
      cpus: os.cpus().length,
    };
  };
}
