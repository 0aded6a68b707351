// A fingerprint of everything a request could change in the database, taken in ONE SQL statement so that the
// hostile-input suite can afford one per request: per table, its row count and the md5 of its rows (each row as
// PostgreSQL's text form of the whole record, every column) in primary-key order.
//
// Tables are discovered from the catalogue, so a table added by a later migration is covered without editing
// this file. Left out, on purpose:
//  - "session": express-session's store. A refused request may still write to it legitimately: a re-rendered
//    form saves a CSRF token in the visitor's session, every request pushes the idle expiry forward, a sign-out
//    or a sign-in regenerates it.
//  - "rate_limits": the throttles count refused attempts on purpose (a wrong password answers 401/422 AND
//    counts towards the lockout; a 429 is itself counted).
//  - "_prisma_migrations": written by `prisma migrate deploy` only.
// Everything else (users with role/active/email/profile, password_reset_tokens, audit_log, enrollments,
// lesson_views, attempts, attempt_responses, evaluations, credit_claims, certificates, and the synced content
// tables) must be byte-for-byte unchanged after a 4xx.
import type { Pool } from 'pg';

export const EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  session: 'CSRF tokens and idle expiry are saved on refused requests too',
  rate_limits: 'the throttles count refused attempts on purpose',
  _prisma_migrations: 'written only by migrate deploy',
};

/** Per table: "<row count>:<md5 of the rows in key order>". */
export type Fingerprint = Record<string, string>;

/** What one statement reads besides the fingerprint: the state of the sessions the suite signs its personas in with. */
export interface SessionState {
  sid: string;
  /** passport.user of the session (a user id as text), null for a visitor who is not signed in. */
  userId: string | null;
  csrfToken: string | null;
  role: string | null;
  active: boolean | null;
  deleted: boolean | null;
}

export interface FingerprintReader {
  tables: readonly string[];
  /** How many readings were taken, and how many of them had to hash the tables (the WAL had moved). */
  stats: { reads: number; hashed: number };
  /**
   * The fingerprint, and the rows of the given sessions (a missing sid was destroyed: a sign-out, a sign-in).
   * `force` hashes the tables even when the WAL has not moved (to measure the full cost).
   */
  read(
    sids?: readonly string[],
    options?: { force?: boolean },
  ): Promise<{ fingerprint: Fingerprint; sessions: SessionState[] }>;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function fingerprintReader(pool: Pool): Promise<FingerprintReader> {
  const { rows } = await pool.query<{ table: string; key: string[] | null }>(`
    SELECT c.relname AS "table",
           (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
              FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = c.oid AND i.indisprimary) AS key
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
     ORDER BY c.relname`);
  const tables = rows.filter((row) => !(row.table in EXCLUDED_TABLES));
  for (const { table, key } of tables)
    if (!key?.length)
      throw new Error(`table ${table} has no primary key: the fingerprint cannot order its rows`);
  // The WAL insert position moves with every write to a logged table. When it has not moved since the last
  // reading, nothing can have changed, and the statement skips the md5s: CASE evaluates its (uncorrelated)
  // subqueries only when the branch is taken. Sound for logged tables only, so an unlogged one is refused. (A
  // write committed between the statement's snapshot and its reading of the WAL position would be missed until the
  // next write; nothing writes concurrently here: the suite sends one request at a time and reads after the
  // response, and express-session saves the session before it ends the response.)
  const persistence = await pool.query<{ relname: string; relpersistence: string }>(
    `SELECT relname, relpersistence FROM pg_class
      WHERE relnamespace = current_schema()::regnamespace AND relname = ANY ($1::text[])`,
    [tables.map((t) => t.table)],
  );
  const unlogged = persistence.rows.filter((row) => row.relpersistence !== 'p').map((row) => row.relname);
  if (unlogged.length > 0) throw new Error(`unlogged tables escape the WAL check: ${unlogged.join(', ')}`);
  const moved = `($2::pg_lsn IS NULL OR pg_current_wal_insert_lsn() <> $2::pg_lsn)`;
  const columns = tables.map(({ table, key }, index) => {
    const order = key!.map((column) => `t.${quoteIdent(column)}`).join(', ');
    return `CASE WHEN ${moved} THEN (
              SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY ${order})), '')
                FROM ${quoteIdent(table)} t) END AS c${index}`;
  });
  const sql = `
    SELECT pg_current_wal_insert_lsn()::text AS lsn,
           ${columns.join(',\n           ')},
           (SELECT coalesce(json_agg(json_build_object(
                     'sid', s.sid, 'userId', s.sess->'passport'->>'user', 'csrfToken', s.sess->>'csrfToken',
                     'role', u.role, 'active', u.active, 'deleted', u.deleted_at IS NOT NULL)), '[]'::json)
              FROM session s LEFT JOIN users u ON u.id::text = s.sess->'passport'->>'user'
             WHERE s.sid = ANY ($1::text[])) AS sessions`;
  const names = tables.map(({ table }) => table);
  let last: { lsn: string; fingerprint: Fingerprint } | null = null;
  const stats = { reads: 0, hashed: 0 };
  return {
    tables: names,
    stats,
    async read(sids = [], options: { force?: boolean } = {}) {
      const previous = options.force ? null : last;
      const result = await pool.query({
        name: 'hostile-input-fingerprint',
        text: sql,
        values: [sids, previous?.lsn ?? null],
      });
      const row = result.rows[0] as Record<string, unknown>;
      stats.reads += 1;
      let fingerprint: Fingerprint;
      if (previous && row.c0 === null) fingerprint = previous.fingerprint;
      else {
        stats.hashed += 1;
        fingerprint = {};
        names.forEach((table, index) => {
          fingerprint[table] = String(row[`c${index}`]);
        });
      }
      last = { lsn: String(row.lsn), fingerprint };
      return { fingerprint, sessions: row.sessions as SessionState[] };
    },
  };
}

/** The tables whose rows differ between two fingerprints. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...tables].filter((table) => before[table] !== after[table]).sort();
}
