// Reading progress's hand-written SQL, through Prisma's raw SQL: a heartbeat locks the learner's enrollment row
// (SELECT … FOR UPDATE) so that concurrent heartbeats take turns on its single clock, and Prisma's API has no row
// locks. It runs inside the caller's transaction, so the queries are built on that transaction's client.
// tests/db/hand-written-sql.test.ts pins the table and columns it names to prisma/schema.prisma and runs it.
import { Prisma } from '../generated/prisma/client';

export const enrollmentClockSql = (userId: number, activityId: number) =>
  Prisma.sql`SELECT id, last_active_at FROM enrollments WHERE user_id = ${userId} AND activity_id = ${activityId} FOR UPDATE`;

/** The clock of a learner's enrollment: enrollments. */
export interface EnrollmentClockRow {
  id: number;
  last_active_at: Date;
}

/** Reading progress's statements, on the client of the transaction they must run in. */
export function createProgressQueries(tx: Prisma.TransactionClient) {
  /** The enrollment's clock, locked until the transaction ends; null when the learner has no enrollment. */
  async function lockEnrollmentClock(userId: number, activityId: number): Promise<EnrollmentClockRow | null> {
    const [row] = await tx.$queryRaw<EnrollmentClockRow[]>(enrollmentClockSql(userId, activityId));
    return row ?? null;
  }

  return { lockEnrollmentClock };
}

export type ProgressQueries = ReturnType<typeof createProgressQueries>;
