// The records page's hand-written SQL, on node-postgres rather than Prisma: keyset pages are row comparisons over the
// sort's keys (`(completed_at, id) < ($1, $2)`) under the shared filters of filters.ts, over joins and JSON fields,
// which Prisma's API cannot express; statements.ts builds them (and says how they stay fast at a million records).
// They vary with the filters and the sort, so they are not prepared. tests/db/hand-written-sql.test.ts pins the
// tables and columns they name to prisma/schema.prisma and runs them.
import type { Pool } from 'pg';
import type { RecordFilters } from './filters';
import {
  PROBE_CAP,
  probeTotal,
  recordPageStatement,
  recordProbeStatement,
  type PageRequest,
} from './statements';

/** One row of the records page: credit_claims c, users u, activities a, attempts t, certificates cert. */
export interface RecordRow {
  id: number;
  learner_name: string;
  email: string;
  profession: string | null;
  degree: string | null;
  activity_title: string;
  completed_at: Date;
  credit_code: string;
  credit_label: string;
  /** numeric, as text: "0.50". */
  amount: string;
  score_percent: string | null;
  attempt_count: number;
  certificate_code: string | null;
  revoked_at: Date | null;
  /** Made by `npm run seed:scale`. */
  synthetic: boolean;
  /** The row's sort key values as text, for the cursor of the next or previous page. */
  sort_values: string[];
}

/** The probe's counts over credit_claims and what the filters join. */
export interface ProbeRow {
  /** Rows read, up to the probe's limit. */
  found: number;
  /** Distinct records among them. */
  records: number;
}

/** The records statements on `pool` (a pool, a checked-out client, or a recording wrapper in a test). */
export function createRecordQueries(pool: Pick<Pool, 'query'>) {
  /** The number of matching records, or null when more than PROBE_CAP match. */
  async function probe(filters: RecordFilters, cap = PROBE_CAP): Promise<number | null> {
    const { rows } = await pool.query<ProbeRow>(recordProbeStatement(filters, cap));
    return probeTotal(rows[0]!, filters, cap);
  }

  async function page(request: PageRequest): Promise<RecordRow[]> {
    const { rows } = await pool.query<RecordRow>(recordPageStatement(request));
    return rows;
  }

  return { probe, page };
}

export type RecordQueries = ReturnType<typeof createRecordQueries>;

/**
 * Runs `read` on one connection, in one read-only REPEATABLE READ transaction, so that the count and the page it
 * reads see the same records, and with custom plans. The app's pool plans every statement generically
 * (db/database.ts: plan_cache_mode=force_generic_plan, right for its few hot prepared statements); a generic plan of
 * these statements cannot see the filters' values, and for a rare learner's name it scans a million rows where the
 * trigram index finds ten. Three more round trips than a plain query: a fraction of a millisecond.
 */
export async function inRecordsSnapshot<T>(
  pool: Pool,
  read: (queries: RecordQueries) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL plan_cache_mode = force_custom_plan');
    const result = await read(createRecordQueries(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is dropped from the pool rather than reused.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
