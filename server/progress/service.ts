// Reading progress: which lessons a learner has opened, and the time spent on each.
// Time is metered against one clock per learner and activity (Enrollment.lastActiveAt): a heartbeat credits the
// seconds since the last page view or heartbeat, capped, so reloads and parallel tabs never count a second twice.
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

export function createProgressService(deps: { prisma: PrismaClient; now?: () => Date }) {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());

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
  async function heartbeat(userId: number, activityId: number, lessonId: number): Promise<number | null> {
    const at = now();
    return prisma.$transaction(async (tx) => {
      // Row lock: concurrent heartbeats of one learner take turns on the single clock.
      const enrollment = await createProgressQueries(tx).lockEnrollmentClock(userId, activityId);
      const view = await tx.lessonView.findUnique({
        where: { userId_lessonId: { userId, lessonId } },
        select: { id: true },
      });
      if (!enrollment || !view) return null;
      const elapsed = Math.floor((at.getTime() - enrollment.last_active_at.getTime()) / 1000);
      const credited = Math.max(0, Math.min(elapsed, MAX_CREDIT_SECONDS));
      await tx.enrollment.update({ where: { id: enrollment.id }, data: { lastActiveAt: at } });
      if (credited > 0) {
        await tx.lessonView.update({
          where: { id: view.id },
          data: { secondsSpent: { increment: credited }, lastViewedAt: at },
        });
      }
      return credited;
    });
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
