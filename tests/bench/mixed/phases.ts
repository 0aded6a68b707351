// One configuration of the mixed load (one instance, or several behind client-side round robin): a short mixed
// warm-up, the mix, then each type alone with the connections it had in the mix, all for the same time. The mix
// goes first and the two types that add rows (submissions, claims) go last among the solo runs, so that the types
// whose cost grows with the data (item analysis) are measured alone on the data the mix saw.
import type { PrismaClient } from '../../../server/generated/prisma/client';
import type { Cast } from './cast';
import type { AppInstance } from './instances';
import type { ConfigurationResult } from './report';
import { runLoad, type TrafficResult } from './run-load';
import { meterCpu, type CpuShares } from './cpu';
import { connectionsOf, rssMb, settle } from './sampling';
import type { TrafficName, TrafficType } from './traffic';

const SOLO_ORDER: TrafficName[] = [
  'lesson',
  'heartbeat',
  'verify',
  'analysis',
  'export',
  'submission',
  'claim',
];

/** Rates assumed for the single-use requests before any was measured (per instance; generous, not a target). */
const ASSUMED_PER_SECOND: Partial<Record<TrafficName, number>> = { submission: 1500, claim: 600 };

/** Keeps the single-use queues ahead of what a phase can take, from the best rate seen so far. */
export class Provisioner {
  private readonly best = new Map<TrafficName, number>();
  constructor(private readonly cast: Cast) {}

  observe(results: readonly TrafficResult[], instances: number): void {
    for (const r of results)
      this.best.set(r.name, Math.max(this.best.get(r.name) ?? 0, r.okPerSecond / instances));
  }

  /** Per second, per instance: the best rate seen, with a margin, or the assumption. */
  estimate(name: TrafficName): number {
    return Math.max(ASSUMED_PER_SECOND[name] ?? 0, 1.5 * (this.best.get(name) ?? 0));
  }

  async before(names: readonly TrafficName[], seconds: number, instances: number): Promise<void> {
    for (const queue of [this.cast.submissions, this.cast.claims]) {
      const name = queue.name as TrafficName;
      if (!names.includes(name)) continue;
      const need = Math.ceil(this.estimate(name) * instances * (seconds + 5));
      if (queue.remaining() < need) await queue.topUp(need - queue.remaining());
    }
  }
}

export interface PhaseContext {
  prisma: PrismaClient;
  types: readonly TrafficType[];
  connections: Record<TrafficName, number>;
  provisioner: Provisioner;
  /** The local PostgreSQL's postmaster (cpu.ts), or null. */
  postmaster: number | null;
  problems: string[];
  /** Connections found busy long after a phase ended (leaked by the app): reported once, then not waited for. */
  stuck: Set<number>;
  log(line: string): void;
}

export interface PhaseResult {
  results: TrafficResult[];
  cpu: CpuShares;
}

/** Waits for the instances' connections to be idle; one still busy 15 s later is a leak, reported once. */
async function settleOrReport(context: PhaseContext, names: string[], when: string) {
  const busy = await settle(context.prisma, names, { ignore: context.stuck });
  for (const connection of busy) {
    context.stuck.add(connection.pid);
    context.problems.push(
      `a connection was still busy 15 s after the load stopped (${when}): ${connection.text}`,
    );
    context.log(`    still busy ${when}: ${connection.text}`);
  }
}

async function phase(
  context: PhaseContext,
  label: string,
  instances: readonly AppInstance[],
  names: readonly TrafficName[],
  seconds: number,
): Promise<PhaseResult> {
  const { provisioner } = context;
  await provisioner.before(names, seconds, instances.length);
  const appNames = instances.map((i) => i.name);
  await settleOrReport(context, appNames, `before ${label}`);
  const connections = Object.fromEntries(
    context.types.map((t) => [t.name, names.includes(t.name) ? context.connections[t.name] : 0]),
  ) as Record<TrafficName, number>;
  const cpu = meterCpu(instances, context.postmaster);
  const results = await runLoad(context.types, { urls: instances.map((i) => i.url), seconds, connections });
  const shares = cpu();
  provisioner.observe(results, instances.length);
  for (const r of results) {
    const m = r.measurement;
    if (m.errors > 0)
      context.problems.push(`${label}, ${r.name}: ${m.errors} errored requests (${m.timeouts} timeouts)`);
    if (m.unexpected > 0) {
      const statuses = Object.entries(m.statusCodes)
        .map(([code, n]) => `${n}× ${code}`)
        .join(', ');
      context.problems.push(
        `${label}, ${r.name}: ${m.unexpected} answers with an unexpected status (${statuses})`,
      );
    }
  }
  return { results, cpu: shares };
}

export async function measureConfiguration(
  context: PhaseContext,
  label: string,
  instances: readonly AppInstance[],
  seconds: number,
  warmupSeconds: number,
): Promise<ConfigurationResult> {
  const all = context.types.map((t) => t.name);
  const { prisma } = context;
  if (warmupSeconds > 0) await phase(context, `${label}, warm-up`, instances, all, warmupSeconds);

  context.log(`  ${label}: the mix for ${seconds} s`);
  const from = new Date();
  const { results: mix, cpu: mixCpu } = await phase(context, `${label}, mix`, instances, all, seconds);
  const to = new Date();
  const footprint = await Promise.all(
    instances.map(async (instance) => {
      const pools = (await connectionsOf(prisma, [instance.name])).get(instance.name)!;
      return (
        `  ${instance.name} (pid ${instance.pid}) at the end of the mix: RSS ${rssMb(instance.pid).toFixed(0)} MB, ` +
        `${pools.total} pool connections (${Object.entries(pools.byState)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')})`
      );
    }),
  );
  await settleOrReport(
    context,
    instances.map((i) => i.name),
    `after the mix, ${label}`,
  );
  // Counted by time: requests cut at the end and committed after `to` are left out, as in scenarios/submissions.
  const [scored, claimed] = await Promise.all([
    prisma.attempt.count({ where: { status: 'scored', submittedAt: { gte: from, lte: to } } }),
    prisma.creditClaim.count({ where: { completedAt: { gte: from, lte: to } } }),
  ]);

  const alone = new Map<TrafficName, TrafficResult>();
  const aloneCpu = new Map<TrafficName, CpuShares>();
  for (const name of SOLO_ORDER) {
    context.log(`  ${label}: ${name} alone for ${seconds} s`);
    const solo = await phase(context, `${label}, ${name} alone`, instances, [name], seconds);
    if (solo.results[0]) alone.set(name, solo.results[0]);
    aloneCpu.set(name, solo.cpu);
  }
  return {
    label,
    instances: instances.length,
    seconds,
    mix,
    mixCpu,
    alone,
    aloneCpu,
    stored: { scored, claimed },
    footprint,
  };
}

/** One request of each type on each instance before any load: a broken page fails the run at once, with its body. */
export async function checkTraffic(types: readonly TrafficType[], instances: readonly AppInstance[]) {
  for (const instance of instances) {
    for (const type of types) {
      const request = type.next();
      const response = await fetch(`${instance.url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.method === 'GET' ? undefined : request.body,
        redirect: 'manual',
      });
      const body = await response.text();
      if (response.status !== type.expectStatus)
        throw new Error(
          `${type.name}: ${request.method} ${request.path} on ${instance.name} answered ${response.status}, ` +
            `not ${type.expectStatus}:\n${body.slice(0, 500)}`,
        );
    }
  }
}
