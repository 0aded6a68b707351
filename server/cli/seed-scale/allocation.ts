// Which activities each learner completed, and which one they left unfinished: an uneven spread (most learners do
// a few activities, some many), exactly the number of records asked for, each learner at most once per activity.
import { rng } from './random';

/** How far a learner got in one activity. 6 = claimed: a completion record; 1–5 are journeys left unfinished. */
export const Stage = { reading: 1, read: 2, failed: 3, passed: 4, evaluated: 5, claimed: 6 } as const;

export interface Allocation {
  /** Completion records per learner (each at most the number of copies). */
  counts: Uint8Array;
  /** The copy (slot) of each learner's first record; the next records take the following slots, wrapping. */
  offsets: Uint8Array;
  /** The stage of each learner's one unfinished journey (in the slot after the records), 0 for none. */
  dropouts: Uint8Array;
}

/**
 * Spreads `records` over `learners` unevenly (a log-normal weight: most do a few activities, some many), each at
 * most `copies`, with exactly `records` in total; then gives about a tenth as many unfinished journeys.
 */
export function allocate(o: { seed: number; learners: number; records: number; copies: number }): Allocation {
  const random = rng(o.seed, 2);
  const weights = Float64Array.from({ length: o.learners }, () => Math.exp(0.8 * random.normal()));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const counts = new Uint8Array(o.learners);
  let placed = 0;
  for (let i = 0; i < o.learners; i++) {
    counts[i] = Math.min(o.copies, Math.floor((o.records * weights[i]!) / total));
    placed += counts[i]!;
  }
  // The remainder, one at a time to random learners with room; a full scan when random tries keep missing.
  for (let misses = 0; placed < o.records;) {
    const i = misses < 50 ? random.int(o.learners) : counts.findIndex((c) => c < o.copies);
    if (counts[i]! < o.copies) {
      counts[i]! += 1;
      placed += 1;
      misses = 0;
    } else misses += 1;
  }
  const offsets = Uint8Array.from({ length: o.learners }, () => random.int(o.copies));
  const eligible = counts.reduce((n, c) => n + (c < o.copies ? 1 : 0), 0);
  const share = eligible === 0 ? 0 : Math.min(1, Math.round(o.records / 10) / eligible);
  const dropouts = Uint8Array.from(counts, (c) =>
    c < o.copies && random.chance(share)
      ? random.weighted([
          [Stage.reading, 40],
          [Stage.read, 25],
          [Stage.failed, 20],
          [Stage.passed, 10],
          [Stage.evaluated, 5],
        ])
      : 0,
  );
  return { counts, offsets, dropouts };
}
