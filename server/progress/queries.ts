// Reading progress's hand-written SQL, on node-postgres: the heartbeat is the most frequent write of the product
// (every 30 s from each reading learner), and as a Prisma interactive transaction it took five round trips, each a
// Prisma query, where one statement does. tests/db/hand-written-sql.test.ts pins the tables and columns it names to
// prisma/schema.prisma and runs it.
import type { Pool } from 'pg';

/**
 * Credits the seconds since the learner's clock (enrollments.last_active_at) last moved, capped at $5, to the
 * lesson's view, and moves the clock to $4; nothing at all when the learner has no enrollment or never opened the
 * lesson. The clock row is locked (FOR UPDATE), so concurrent heartbeats of one learner take turns on it, and the
 * one that waited reads the clock the other one moved: reloads and parallel tabs never count a second twice.
 */
export const HEARTBEAT_SQL = `
  WITH clock AS (
    SELECT id, last_active_at FROM enrollments WHERE user_id = $1 AND activity_id = $2 FOR UPDATE
  ), viewed AS (
    SELECT id FROM lesson_views WHERE user_id = $1 AND lesson_id = $3
  ), credit AS (
    SELECT c.id AS enrollment_id, v.id AS view_id,
      least(greatest(floor(date_part('epoch', $4::timestamp - c.last_active_at)), 0), $5)::int AS seconds
    FROM clock c CROSS JOIN viewed v
  ), ticked AS (
    UPDATE enrollments e SET last_active_at = $4 FROM credit WHERE e.id = credit.enrollment_id RETURNING e.id
  ), spent AS (
    UPDATE lesson_views l SET seconds_spent = l.seconds_spent + credit.seconds, last_viewed_at = $4
    FROM credit WHERE l.id = credit.view_id AND credit.seconds > 0 RETURNING l.id
  )
  SELECT seconds FROM credit`;

export interface HeartbeatRow {
  /** The seconds credited (0 when the clock had not moved). */
  seconds: number;
}

/** Reading progress's statements on `pool`. */
export function createProgressQueries(pool: Pick<Pool, 'query'>) {
  /** The seconds credited, or null when the lesson was never opened (or the learner has no enrollment). */
  async function creditHeartbeat(
    userId: number,
    activityId: number,
    lessonId: number,
    at: Date,
    maxSeconds: number,
  ): Promise<number | null> {
    const { rows } = await pool.query<HeartbeatRow>({
      name: 'heartbeat',
      text: HEARTBEAT_SQL,
      values: [userId, activityId, lessonId, at, maxSeconds],
    });
    return rows[0]?.seconds ?? null;
  }

  return { creditHeartbeat };
}

export type ProgressQueries = ReturnType<typeof createProgressQueries>;
