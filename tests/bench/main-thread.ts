// The bench process's main thread (where the servers under test run their event loops): its time on a CPU and
// its time runnable but waiting for one, from Linux's schedstat. On a small host the one event loop shares the
// CPUs with PostgreSQL's backends and the load generator, and the waiting says how much that costs it.
import fs from 'node:fs';

export interface ThreadTimes {
  onCpuNs: number;
  waitingNs: number;
}

const schedstat = `/proc/self/task/${process.pid}/schedstat`;

/** The main thread's times so far; null where the kernel does not keep them (not Linux, no schedstats). */
function mainThreadTimes(): ThreadTimes | null {
  try {
    const [onCpuNs, waitingNs] = fs.readFileSync(schedstat, 'utf8').split(' ').map(Number);
    return Number.isFinite(onCpuNs) && Number.isFinite(waitingNs)
      ? { onCpuNs: onCpuNs!, waitingNs: waitingNs! }
      : null;
  } catch {
    return null;
  }
}

/** `work`'s result and the main thread's times while it ran. */
export async function withThreadTimes<T>(
  work: () => Promise<T>,
): Promise<{ result: T; thread: ThreadTimes | null }> {
  const before = mainThreadTimes();
  const result = await work();
  const after = mainThreadTimes();
  const thread =
    before && after
      ? { onCpuNs: after.onCpuNs - before.onCpuNs, waitingNs: after.waitingNs - before.waitingNs }
      : null;
  return { result, thread };
}

/** "290 µs on a CPU + 40 µs waiting for one", per request over phases; null when any phase has no times. */
export function perRequest(phases: { thread: ThreadTimes | null; requests: number }[]): string | null {
  if (phases.some((p) => !p.thread)) return null;
  const requests = phases.reduce((sum, p) => sum + p.requests, 0);
  const sum = (field: keyof ThreadTimes) => phases.reduce((total, p) => total + p.thread![field], 0);
  const micros = (ns: number) => (requests > 0 ? Math.round(ns / requests / 1000) : 0);
  return `${micros(sum('onCpuNs'))} µs on a CPU + ${micros(sum('waitingNs'))} µs waiting for one`;
}
