// The floor with the cheapest durable write: a signed-in POST that stores the form's answers in one INSERT and
// answers 303 (servers.ts). No product route does so little. Measured in turn with the floor, it shows how much
// of the floor's rate a route keeps by committing one row on this host: a ceiling for the submissions' ratio.
import { checkTarget } from '../measure';
import { warmUp, type Scenario } from '../bench';
import { inTurn, mainThreadLine, perRoundLine, ROUNDS_IN_TURN, turnProblems, type Turn } from '../in-turn';
import { FLOOR_WRITE_PATH, FLOOR_WRITES_TABLE } from '../servers';
import { floorTarget } from './floor';

/** The rate of the floor measured in turn with the write, for its ratio (run.ts). */
export const FLOOR_IN_TURN_WITH_WRITE = 'floor in turn with write-floor';

export const writeFloor: Scenario = {
  name: 'write-floor',
  async run(bench) {
    const { config, prisma } = bench;
    const target = await floorTarget(bench, FLOOR_WRITE_PATH);
    await checkTarget(target);
    const problems = await warmUp(target, config);
    const floorLoad = bench.rates.has('floor') ? await floorTarget(bench) : null;
    const rounds = floorLoad ? ROUNDS_IN_TURN : 1;
    const duration = Math.max(1, Math.round(config.duration / rounds));
    const countRows = async () =>
      Number(
        (await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${FLOOR_WRITES_TABLE}`))[0]!
          .n,
      );
    const rowsBefore = await countRows();
    console.log(
      `measuring write-floor: ${target.url}${floorLoad ? `, in turn with the floor: ${rounds} rounds` : ''}`,
    );
    const turns = await inTurn(target, floorLoad, { rounds, duration, connections: config.connections });
    problems.push(...turns.flatMap(turnProblems));

    const seconds = duration * rounds;
    const written = (turn: Turn) => turn.target.measurement.statusCodes['303'] ?? 0;
    const answered = turns.reduce((sum, turn) => sum + written(turn), 0);
    // Requests answered after the load stopped are stored but not counted, so there may be more rows, never fewer.
    const stored = (await countRows()) - rowsBefore;
    if (stored < answered)
      problems.push(`${answered} writes answered 303 but only ${stored} rows were stored`);
    const lines = [
      `signed-in write: ${answered} answered 303 in ${seconds} s = ${(answered / seconds).toFixed(1)} req/s`,
    ];
    const rates: Record<string, number> = {};
    if (floorLoad) {
      rates[FLOOR_IN_TURN_WITH_WRITE] =
        turns.reduce((sum, turn) => sum + turn.baseline!.measurement.requests, 0) / seconds;
      lines.push(perRoundLine('writes', turns, duration, written));
    }
    const mainThread = mainThreadLine([
      { label: 'floor', phases: turns.flatMap((turn) => (turn.baseline ? [turn.baseline] : [])) },
      { label: 'write-floor', phases: turns.map((turn) => turn.target) },
    ]);
    if (mainThread) lines.push(mainThread);
    return { rate: answered / seconds, rates, lines, problems };
  },
};
