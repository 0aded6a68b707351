// Before anything is written: a database with real learners is never touched, and a database that already holds a
// synthetic seed is only ever completed with the same options (a re-run adds what an interrupted run lacked, and
// nothing twice), never mixed with a seed of other sizes.
import type { Client } from 'pg';

export class SeedRefused extends Error {
  override readonly name = 'SeedRefused';
}

/** How a seed was made, kept in each synthetic copy's details (details.synthetic.seed). */
export interface SeedMarker {
  version: number;
  source: string;
  learners: number;
  records: number;
  copies: number;
  batchSize: number;
  seed: number;
}

/** Bumped when the data a seed makes changes shape: an older seed is then refused, not completed differently. */
export const SEED_VERSION = 1;

export interface Found {
  realLearners: number;
  syntheticUsers: number;
  marker: SeedMarker | null;
}

export async function inspect(client: Client): Promise<Found> {
  const { rows } = await client.query<{ real: number; synthetic: number; marker: SeedMarker | null }>(`
    SELECT (SELECT count(*) FROM users WHERE NOT synthetic AND role = 'learner')::int AS real,
      (SELECT count(*) FROM users WHERE synthetic)::int AS synthetic,
      (SELECT details->'synthetic'->'seed' FROM activities WHERE synthetic ORDER BY slug LIMIT 1) AS marker`);
  const row = rows[0]!;
  return { realLearners: row.real, syntheticUsers: row.synthetic, marker: row.marker };
}

const describe = (m: SeedMarker) =>
  `${m.learners.toLocaleString('en-US')} learners, ${m.records.toLocaleString('en-US')} records, ` +
  `${m.copies} copies of ${m.source}, batches of ${m.batchSize}, seed ${m.seed} (seed format ${m.version})`;

/** Why this database must not be seeded with `wanted`, or null when it may be. */
export function refusal(found: Found, wanted: SeedMarker): string | null {
  if (found.realLearners > 0) {
    return (
      `Refusing to seed: this database holds ${found.realLearners.toLocaleString('en-US')} real learner ` +
      `account${found.realLearners === 1 ? '' : 's'} (users with synthetic = false and role learner). ` +
      'seed:scale only fills a database without real learners: point DATABASE_URL at a new, empty database.'
    );
  }
  if (!found.marker && found.syntheticUsers > 0) {
    return (
      `Refusing to seed: this database holds ${found.syntheticUsers.toLocaleString('en-US')} synthetic users but no ` +
      'synthetic activity copies, so it was not made by this seed. Use a new, empty database.'
    );
  }
  const m = found.marker;
  if (m && describe(m) !== describe(wanted)) {
    return (
      `Refusing to seed: this database already holds a synthetic seed of ${describe(m)}; you asked for ` +
      `${describe(wanted)}. Re-running with the same options completes that seed; other options need a new database.`
    );
  }
  return null;
}
