// Reading progress: which lessons a learner has opened, and the time spent on each.
// Time is metered against one clock per learner and activity (Enrollment.lastActiveAt): a heartbeat credits the
// seconds since the last page view or heartbeat, capped, so reloads and parallel tabs never count a second twice.
import type { Pool } from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import { createProgressQueries } from './queries';

/** Heartbeats come every 30 s from a visible page; a longer gap means the reader was away. */
export const HEARTBEAT_SECONDS = 30;
const MAX_CREDIT_SECONDS = 2 * HEARTBEAT_SECONDS;

export interface LessonProgress {
  lessonId: number;
  viewed: boolean;
  secondsSpent: number;
}

export function createProgressService(deps: {
  prisma: PrismaClient;
  /** node-postgres, for the heartbeat's statement (queries.ts). */
  pool: Pool;
  now?: () => Date;
}) {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());
  const queries = createProgressQueries(deps.pool);

  async function recordView(userId: number, activityId: number, lessonId: number): Promise<void> {
    const at = now();
    await prisma.$transaction(async (tx) => {
      await tx.enrollment.upsert({
        where: { userId_activityId: { userId, activityId } },
        create: { userId, activityId, startedAt: at, lastActiveAt: at },
        update: { lastActiveAt: at },
      });
      await tx.lessonView.upsert({
        where: { userId_lessonId: { userId, lessonId } },
        create: { userId, lessonId, firstViewedAt: at, lastViewedAt: at },
        update: { lastViewedAt: at },
      });
    });
  }

  /** Returns the seconds credited, or null when the lesson was never opened (a heartbeat without a view). */
  function heartbeat(userId: number, activityId: number, lessonId: number): Promise<number | null> {
    return queries.creditHeartbeat(userId, activityId, lessonId, now(), MAX_CREDIT_SECONDS);
  }

  async function lessonProgress(userId: number, lessonIds: number[]): Promise<Map<number, LessonProgress>> {
    const views = await prisma.lessonView.findMany({
      where: { userId, lessonId: { in: lessonIds } },
      select: { lessonId: true, secondsSpent: true },
    });
    const byLesson = new Map(views.map((v) => [v.lessonId, v]));
    return new Map(
      lessonIds.map((lessonId) => [
        lessonId,
        { lessonId, viewed: byLesson.has(lessonId), secondsSpent: byLesson.get(lessonId)?.secondsSpent ?? 0 },
      ]),
    );
  }

  return { recordView, heartbeat, lessonProgress };
}

export type ProgressService = ReturnType<typeof createProgressService>;

/** Shapes lesson progress for the pages: states per lesson, percent, and where to continue. */
export function summariseProgress<L extends { id: number; path: string }>(
  lessons: L[],
  progress: Map<number, LessonProgress>,
) {
  const items = lessons.map((lesson) => ({ ...lesson, viewed: progress.get(lesson.id)?.viewed ?? false }));
  const viewedCount = items.filter((item) => item.viewed).length;
  const firstUnread = items.find((item) => !item.viewed);
  return {
    lessons: items,
    viewedCount,
    total: items.length,
    percent: items.length === 0 ? 0 : Math.round((viewedCount / items.length) * 100),
    allViewed: viewedCount === items.length,
    continuePath: (firstUnread ?? items[items.length - 1])?.path ?? null,
    minutesSpent: Math.round([...progress.values()].reduce((sum, p) => sum + p.secondsSpent, 0) / 60),
  };
}
