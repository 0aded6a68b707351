// Two targets measured in turn, in rounds: this host's other tenants take CPU for seconds at a time, and a ratio
// of two measurements 20 s apart moved between 0.47 and 0.88 in one morning. Each round measures the baseline,
// then the target, and notes the main thread's times during each (main-thread.ts).
import { perRequest, withThreadTimes, type ThreadTimes } from './main-thread';
import { measure, type Measurement, type Target } from './measure';
import { problemsOf } from './report';

/** A scenario measured in turn with the floor runs this many rounds of its duration ÷ this. */
export const ROUNDS_IN_TURN = 5;

export interface Phase {
  measurement: Measurement;
  thread: ThreadTimes | null;
}

export interface Turn {
  /** The baseline measured just before the target; null when there is none. */
  baseline: Phase | null;
  target: Phase;
  /** When the target's load started and stopped. */
  from: Date;
  to: Date;
}

const timedMeasure = async (target: Target, settings: { duration: number; connections: number }) => {
  const { result, thread } = await withThreadTimes(() => measure(target, settings));
  return { measurement: result, thread };
};

/**
 * `rounds` rounds of `duration` s each of the baseline (when given), then the target. `afterRound` runs before
 * the next round starts (e.g. to let the server settle and to check the round against the database).
 */
export async function inTurn(
  target: Target,
  baseline: Target | null,
  settings: { rounds: number; duration: number; connections: number },
  afterRound: (turn: Turn, index: number) => Promise<void> = async () => {},
): Promise<Turn[]> {
  const turns: Turn[] = [];
  const round = { duration: settings.duration, connections: settings.connections };
  for (let i = 0; i < settings.rounds; i += 1) {
    const baselinePhase = baseline ? await timedMeasure(baseline, round) : null;
    const from = new Date();
    const targetPhase = await timedMeasure(target, round);
    const turn = { baseline: baselinePhase, target: targetPhase, from, to: new Date() };
    await afterRound(turn, i);
    turns.push(turn);
  }
  return turns;
}

/** What makes a round unsound: errored requests or unexpected answers, in either phase. */
export const turnProblems = (turn: Turn): string[] =>
  [turn.baseline, turn.target].flatMap((phase) => (phase ? problemsOf(phase.measurement) : []));

/** "  in turn with the floor, <what> ÷ floor requests per 2 s round: 2257 ÷ 4338 = 0.52; …" */
export function perRoundLine(
  what: string,
  turns: Turn[],
  seconds: number,
  count: (turn: Turn) => number,
): string {
  const rounds = turns.map((turn) => {
    const floor = turn.baseline!.measurement.requests;
    return `${count(turn)} ÷ ${floor} = ${(count(turn) / floor).toFixed(2)}`;
  });
  return `  in turn with the floor, ${what} ÷ floor requests per ${seconds} s round: ${rounds.join('; ')}`;
}

/** "  main thread (the apps' event loop) per request: floor …; submissions …" for the groups measured. */
export function mainThreadLine(groups: { label: string; phases: Phase[] }[]): string | null {
  const parts = groups
    .filter((group) => group.phases.length > 0)
    .map((group) => {
      const times = perRequest(
        group.phases.map((p) => ({ thread: p.thread, requests: p.measurement.requests })),
      );
      return times && `${group.label} ${times}`;
    });
  // null without schedstat (not Linux)
  return parts.length > 0 && parts.every(Boolean)
    ? `  main thread (the apps' event loop) per request: ${parts.join('; ')}`
    : null;
}
