// The request types of the mixed load, their share of the connections and what each must answer. A type's
// requests are made one at a time by next() (called by autocannon for every request of one of its connections).
import type { LoadRequest } from '../load/data';
import type { Cast } from './cast';

export type TrafficName = 'lesson' | 'heartbeat' | 'verify' | 'submission' | 'claim' | 'analysis' | 'export';

export interface TrafficType {
  name: TrafficName;
  /** What it is, for the report. */
  label: string;
  /** Share of the connections, in percent. */
  weight: number;
  /** The status every answer must have. */
  expectStatus: number;
  /** Seconds before autocannon gives up on one answer. */
  timeoutSeconds: number;
  next(): LoadRequest;
}

/** The mix, by share of connections. */
export const WEIGHTS: Record<TrafficName, number> = {
  lesson: 40,
  heartbeat: 25,
  verify: 15,
  submission: 10,
  claim: 5,
  analysis: 3,
  export: 2,
};

/**
 * Connections per type for `total` connections: largest remainders of the weights, every type at least one (ties
 * to the heavier type), so the counts add up to `total` whenever total ≥ the number of types.
 */
export function splitConnections(total: number): Record<TrafficName, number> {
  const names = Object.keys(WEIGHTS) as TrafficName[];
  if (total < names.length)
    throw new Error(`the mix needs at least ${names.length} connections, not ${total}`);
  const exact = names.map((name) => ({ name, share: (WEIGHTS[name] / 100) * total }));
  const counts = new Map(exact.map(({ name, share }) => [name, Math.max(1, Math.floor(share))]));
  let left = total - [...counts.values()].reduce((sum, n) => sum + n, 0);
  const byRemainder = [...exact].sort(
    (a, b) =>
      b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)) || WEIGHTS[b.name] - WEIGHTS[a.name],
  );
  for (let i = 0; left > 0; i = (i + 1) % byRemainder.length, left--) {
    const name = byRemainder[i]!.name;
    counts.set(name, counts.get(name)! + 1);
  }
  // The minimum of one pushed the sum over (few connections): take back from the largest count (ties: lighter type).
  while (left < 0) {
    const name = [...names].reverse().reduce((a, b) => (counts.get(b)! > counts.get(a)! ? b : a));
    counts.set(name, counts.get(name)! - 1);
    left++;
  }
  return Object.fromEntries(counts) as Record<TrafficName, number>;
}

/** 0, 1, …, size − 1, 0, 1, … */
const walker = (size: number) => {
  let n = 0;
  return () => n++ % size;
};

export function trafficTypes(cast: Cast): TrafficType[] {
  const readerCount = cast.readers.length;
  const lessons = cast.lessonPaths;
  const lessonTurn = walker(readerCount * lessons.length);
  // Heartbeats walk the readers from the other end, so a learner's page view and heartbeat rarely meet on the
  // learner's one reading clock (a row lock) at the same moment.
  const beatTurn = walker(readerCount * lessons.length);
  const codeTurn = walker(cast.codes.length);
  let address = Math.floor(Math.random() * 65536);
  return [
    {
      name: 'lesson',
      label: 'lesson page, signed in',
      weight: WEIGHTS.lesson,
      expectStatus: 200,
      timeoutSeconds: 10,
      next() {
        const k = lessonTurn();
        const reader = cast.readers[k % readerCount]!;
        return {
          method: 'GET',
          path: lessons[Math.floor(k / readerCount)]!,
          headers: { cookie: reader.cookie },
          body: '',
        };
      },
    },
    {
      name: 'heartbeat',
      label: 'reading-time heartbeat (POST, JSON)',
      weight: WEIGHTS.heartbeat,
      expectStatus: 200,
      timeoutSeconds: 10,
      next() {
        const k = beatTurn();
        const reader = cast.readers[readerCount - 1 - (k % readerCount)]!;
        return {
          method: 'POST',
          path: `${lessons[Math.floor(k / readerCount)]!}/heartbeat`,
          headers: {
            cookie: reader.cookie,
            'content-type': 'application/json',
            accept: 'application/json',
            'x-csrf-token': reader.csrf,
          },
          body: '{}',
        };
      },
    },
    {
      name: 'verify',
      label: 'certificate verification, anonymous',
      weight: WEIGHTS.verify,
      expectStatus: 200,
      timeoutSeconds: 10,
      next() {
        // Each from another address of 10.100.0.0/16 (behind the one proxy the app trusts): the 120/min per
        // network limit is for guessers, not for a whole internet of verifiers.
        address = (address + 1) & 65535;
        return {
          method: 'GET',
          path: `/verify/${cast.codes[codeTurn()]}`,
          headers: { 'x-forwarded-for': `10.100.${address >> 8}.${address & 255}` },
          body: '',
        };
      },
    },
    {
      name: 'submission',
      label: 'post-test submission, scored',
      weight: WEIGHTS.submission,
      expectStatus: 303,
      timeoutSeconds: 10,
      next: () => cast.submissions.next(),
    },
    {
      name: 'claim',
      label: 'credit claim, certificate issued',
      weight: WEIGHTS.claim,
      expectStatus: 303,
      timeoutSeconds: 10,
      next: () => cast.claims.next(),
    },
    {
      name: 'analysis',
      label: 'item analysis page, educator',
      weight: WEIGHTS.analysis,
      expectStatus: 200,
      timeoutSeconds: 30,
      next: () => ({
        method: 'GET',
        path: `/items/renal-leiomyosarcoma/analysis`,
        headers: { cookie: cast.educator.cookie },
        body: '',
      }),
    },
    {
      name: 'export',
      label: 'CSV export of a month, admin, read to the end',
      weight: WEIGHTS.export,
      expectStatus: 200,
      timeoutSeconds: 60,
      next: () => ({
        method: 'GET',
        path: cast.exportPath,
        headers: { cookie: cast.admin.cookie },
        body: '',
      }),
    },
  ];
}
