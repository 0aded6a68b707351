// What an app process holds, read from outside, with nothing added to the product: its resident memory from
// /proc/<pid>/status, and its database connections from pg_stat_activity (its pools' connections carry its name as
// application_name, instances.ts; the LISTEN connection is named cme-notifications by the app itself).
import fs from 'node:fs';
import type { PrismaClient } from '../../../server/generated/prisma/client';

/** VmRSS of a process, in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return kb / 1024;
}

export interface Connections {
  /** Connections of the instance's two pools, in total and by state (active, idle, idle in transaction…). */
  total: number;
  byState: Record<string, number>;
}

/** The connections each named instance holds on the current database. */
export async function connectionsOf(
  prisma: PrismaClient,
  names: readonly string[],
): Promise<Map<string, Connections>> {
  const rows = await prisma.$queryRaw<{ application_name: string; state: string | null; n: number }[]>`
    SELECT application_name, state, count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = ANY(${[...names]}::text[])
    GROUP BY application_name, state`;
  const found = new Map<string, Connections>(names.map((name) => [name, { total: 0, byState: {} }]));
  for (const row of rows) {
    const entry = found.get(row.application_name)!;
    entry.total += row.n;
    entry.byState[row.state ?? 'unknown'] = (entry.byState[row.state ?? 'unknown'] ?? 0) + row.n;
  }
  return found;
}

/** LISTEN connections of app instances on the current database (one per instance). */
export async function listenerCount(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'cme-notifications'`;
  return row?.n ?? 0;
}

export interface BusyConnection {
  pid: number;
  /** Instance, state, for how long, and its statement. */
  text: string;
}

/** The instances' connections that are not idle (other than `ignore`): what each is doing, and for how long. */
export async function busyConnections(
  prisma: PrismaClient,
  names: readonly string[],
  ignore: ReadonlySet<number> = new Set(),
): Promise<BusyConnection[]> {
  const rows = await prisma.$queryRaw<
    { pid: number; application_name: string; state: string; seconds: number; query: string }[]
  >`
    SELECT pid, application_name, state,
      extract(epoch FROM now() - coalesce(xact_start, query_start))::float8 AS seconds,
      left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 160) AS query
    FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = ANY(${[...names]}::text[]) AND state <> 'idle'`;
  return rows
    .filter((r) => !ignore.has(r.pid))
    .map((r) => ({
      pid: r.pid,
      text: `${r.application_name}: ${r.state} for ${r.seconds.toFixed(1)} s, statement: ${r.query}`,
    }));
}

/**
 * Waits (at most `timeoutMs`) until none of the instances' connections (but `ignore`) is running a statement or
 * inside a transaction: the requests a stopped load left in flight have finished, and the next phase starts on idle
 * servers. Returns the connections still busy at the deadline (none when it settled).
 */
export async function settle(
  prisma: PrismaClient,
  names: readonly string[],
  {
    timeoutMs = 15_000,
    ignore = new Set<number>(),
  }: { timeoutMs?: number; ignore?: ReadonlySet<number> } = {},
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = await busyConnections(prisma, names, ignore);
    if (busy.length === 0 || Date.now() > deadline) return busy;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
