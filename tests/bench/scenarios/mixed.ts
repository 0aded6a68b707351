// A mixed load held by the app as production runs it (issue 12): real app processes (node dist/server/main.js,
// NODE_ENV=production) on the bench database, sharing the bench's session secret, under many learners reading
// lessons and heart-beating, submitting post-tests and claiming credit, verifications from outside, an educator on
// the item analysis and an admin exporting, for BENCH_MIXED_SECONDS (default 20). Each type is also run alone, in
// the same run, for the same time, with the connections it had in the mix. Once against one instance, once against
// two (client-side round robin of connections, see mixed/run-load.ts).
//
//   BENCH_ONLY=mixed npm run bench
//   BENCH_MIXED_SECONDS=20 BENCH_CONNECTIONS=50 BENCH_WARMUP=2
//   BENCH_MIXED_READERS=120 BENCH_MIXED_RECORDS=10000 BENCH_MIXED_ATTEMPTS=20000   (the cast, mixed/cast.ts)
import type { Scenario } from '../bench';
import { BenchConfigError } from '../config';
import { prepareCast, type CastSizes } from '../mixed/cast';
import { localPostmaster } from '../mixed/cpu';
import { logSummary, startInstance } from '../mixed/instances';
import { checkTraffic, measureConfiguration, Provisioner, type PhaseContext } from '../mixed/phases';
import { configurationTable, scalingTable } from '../mixed/report';
import { busyConnections } from '../mixed/sampling';
import { splitConnections, trafficTypes, type TrafficName } from '../mixed/traffic';

function positive(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new BenchConfigError(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

export function castSizes(connections: Record<TrafficName, number>): CastSizes {
  return {
    readers: positive('BENCH_MIXED_READERS', 120),
    // Four learners per submitting connection: concurrent submissions are mostly different learners.
    submitters: Math.max(8, 4 * connections.submission),
    records: positive('BENCH_MIXED_RECORDS', 10_000),
    scoredAttempts: positive('BENCH_MIXED_ATTEMPTS', 20_000),
  };
}

export const mixed: Scenario = {
  name: 'mixed',
  async run(bench) {
    const seconds = positive('BENCH_MIXED_SECONDS', 20);
    const connections = splitConnections(bench.config.connections);
    const options = {
      projectRoot: bench.projectRoot,
      databaseUrl: bench.databaseUrl,
      sessionSecret: bench.servers.sessionSecret,
      cleanup: bench.cleanup,
    };
    console.log('mixed load: starting two app processes (node dist/server/main.js, NODE_ENV=production)');
    const instances = await Promise.all([
      startInstance('cme-bench-1', options),
      startInstance('cme-bench-2', options),
    ]);
    const log = (line: string) => console.log(line);
    const cast = await prepareCast(
      { prisma: bench.prisma, databaseUrl: bench.databaseUrl, sessionSecret: options.sessionSecret, log },
      instances[0].url,
      castSizes(connections),
    );
    const problems: string[] = [];
    const types = trafficTypes(cast);
    await cast.submissions.topUp(4 * instances.length);
    await cast.claims.topUp(4 * instances.length);
    await checkTraffic(types, instances);
    const context: PhaseContext = {
      prisma: bench.prisma,
      types,
      connections,
      provisioner: new Provisioner(cast),
      postmaster: await localPostmaster(bench.prisma),
      problems,
      stuck: new Set(),
      log,
    };
    console.log(
      `  connections: ${Object.entries(connections)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}`,
    );
    const one = await measureConfiguration(
      context,
      'one instance',
      instances.slice(0, 1),
      seconds,
      bench.config.warmup,
    );
    const two = await measureConfiguration(context, 'two instances', instances, seconds, bench.config.warmup);

    const leaked = await busyConnections(
      bench.prisma,
      instances.map((i) => i.name),
    );
    for (const connection of leaked.filter((c) => context.stuck.has(c.pid)))
      problems.push(`still busy at the end of the run: ${connection.text}`);
    for (const queue of [cast.submissions, cast.claims])
      if (queue.ranDry()) problems.push(`the ${queue.name} queue ran dry (${queue.taken()} used)`);
    const logLines = instances.flatMap((instance) => logSummary(instance));
    for (const instance of instances)
      if (instance.log.counts.error > 0)
        problems.push(`${instance.name} logged ${instance.log.counts.error} errors`);
    return {
      lines: [
        '',
        configurationTable(one),
        '',
        configurationTable(two),
        '',
        scalingTable(one, two),
        '',
        'Connections are dealt round robin over the two instances by the client (a load balancer with keep-alive ' +
          'connections); all processes share this machine with PostgreSQL and the load generator.',
        ...logLines,
      ],
      problems,
    };
  },
};
