// The post-test: who may start it, drawing and storing a form, idempotent scoring, results by objective.
import type { Pool } from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import type { ActivityView } from '../catalogue/view-model';
import { availability } from '../catalogue/view-model';
import { HttpError, NotFoundError } from '../http/errors';
import { summariseProgress, type ProgressService } from '../progress/service';
import { createPostTestQueries } from './queries';
import {
  answerProblems,
  cryptoRandom,
  drawForm,
  scoreByObjective,
  shortObjectives,
  type Random,
} from './scoring';

export type Answers = Record<number, string[]>;

export function createPostTestService(deps: {
  prisma: PrismaClient;
  /** node-postgres, for the submission's statements (queries.ts). */
  pool: Pool;
  progress: ProgressService;
  now?: () => Date;
  random?: Random;
}) {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? cryptoRandom;
  const queries = createPostTestQueries(deps.pool);

  async function publishedBank(activityId: number) {
    const items = await prisma.item.findMany({
      // The published version is drawn; a newer version still in review is not.
      where: { activityId, status: 'published', publishedVersionId: { not: null } },
      select: {
        objective: { select: { code: true } },
        publishedVersion: { select: { id: true, options: true } },
      },
    });
    return items.flatMap(({ objective, publishedVersion: version }) =>
      version
        ? [
            {
              itemVersionId: version.id,
              objectiveCode: objective.code,
              optionIds: (version.options as { id: string }[]).map((o) => o.id),
            },
          ]
        : [],
    );
  }

  /** Everything the learner needs to know before starting, and whether they may. */
  async function status(userId: number, activity: ActivityView) {
    const details = activity.postTest;
    const [progress, bank, attempts] = await Promise.all([
      deps.progress.lessonProgress(
        userId,
        activity.lessons.map((l) => l.id),
      ),
      publishedBank(activity.id),
      prisma.attempt.findMany({
        where: { userId, activityId: activity.id },
        orderBy: { number: 'asc' },
        select: { id: true, number: true, status: true, passed: true, scorePercent: true, submittedAt: true },
      }),
    ]);
    const reading = summariseProgress(activity.lessons, progress);
    const short = shortObjectives(
      bank,
      activity.objectives.map((o) => o.code),
      details.itemsPerObjective,
    );
    const open = availability(activity, now());
    const scored = attempts.filter((a) => a.status === 'scored');
    const inProgress = attempts.find((a) => a.status === 'in_progress') ?? null;
    const passedAttempt = scored.filter((a) => a.passed).at(-1) ?? null;
    const attemptsLeft =
      details.maxAttempts === null ? null : Math.max(0, details.maxAttempts - scored.length);
    const reasons: string[] = [];
    if (!open.open)
      reasons.push(
        open.reason === 'expired'
          ? 'This activity has expired: the post-test is closed.'
          : 'This activity is not open yet.',
      );
    if (short.length > 0) {
      reasons.push(
        `The post-test is not available yet: the item bank has too few published questions for objective${short.length > 1 ? 's' : ''} ${short.map((s) => s.code).join(', ')}.`,
      );
    }
    if (details.requireAllLessonsViewed && !reading.allViewed) {
      reasons.push(`Read every lesson first (${reading.viewedCount} of ${reading.total} opened).`);
    }
    if (passedAttempt) reasons.push('You have passed the post-test.');
    else if (attemptsLeft === 0) reasons.push('You have used all the attempts this activity allows.');
    return {
      reading,
      attempts: scored,
      inProgress,
      passedAttempt,
      attemptsLeft,
      maxAttempts: details.maxAttempts,
      itemCount: details.itemsPerObjective * activity.objectives.length,
      reasons,
      canStart: reasons.length === 0,
      canContinue: inProgress !== null && open.open,
    };
  }

  /** Returns the attempt to show: the one in progress (a reload shows the same form), or a newly drawn one. */
  async function start(userId: number, activity: ActivityView): Promise<number> {
    const current = await status(userId, activity);
    if (current.canContinue) return current.inProgress!.id;
    if (current.reasons.length > 0) throw new HttpError(409, current.reasons.join(' '));
    const form = drawForm(
      await publishedBank(activity.id),
      activity.objectives.map((o) => o.code),
      activity.postTest.itemsPerObjective,
      random,
    );
    try {
      const attempt = await prisma.attempt.create({
        data: {
          userId,
          activityId: activity.id,
          number: current.attempts.length + 1,
          itemCount: form.length,
          passingScorePercent: activity.postTest.passingScorePercent,
          startedAt: now(),
          responses: { create: form },
        },
        select: { id: true },
      });
      return attempt.id;
    } catch (error) {
      // A concurrent start (double click) took this attempt number: show that attempt.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        const existing = await prisma.attempt.findFirst({
          where: { userId, activityId: activity.id, status: 'in_progress' },
        });
        if (existing) return existing.id;
      }
      throw error;
    }
  }

  /** The attempt with its items in the stored order; only its owner may see it. */
  async function load(userId: number, attemptId: number) {
    const attempt = await prisma.attempt.findFirst({
      where: { id: attemptId, userId },
      include: {
        activity: { select: { slug: true, title: true } },
        responses: {
          orderBy: { position: 'asc' },
          include: { itemVersion: { include: { item: { include: { objective: true } } } } },
        },
      },
    });
    if (!attempt) throw new NotFoundError('There is no such attempt.');
    return attempt;
  }

  /**
   * Scores the attempt once. A double click, a resubmission or a concurrent submission finds the attempt already
   * scored (the conditional updates let exactly one through) and gets the same result. Wrong answers are a list
   * of problems that changes nothing.
   */
  async function submit(userId: number, attemptId: number, answers: Answers) {
    if (await queries.scoreIfAccepted(userId, attemptId, answers, now()))
      return { attemptId, alreadyScored: false as const };
    // Declined: say why (no such attempt, already scored, or which answers are wrong).
    const sheet = await queries.loadAnswerSheet(userId, attemptId);
    if (!sheet) throw new NotFoundError('There is no such attempt.');
    if (sheet.status === 'scored') return { attemptId, alreadyScored: true as const };
    const problems = answerProblems(sheet.questions, answers);
    if (Object.keys(problems).length > 0) return { problems };
    // The statement applies the rules of scoring.ts (tests/learning/scoring-statement.test.ts): declining answers
    // those rules accept is a bug, not a learner's mistake.
    throw new Error(`attempt ${attemptId}: the scoring statement declined answers that scoring.ts accepts`);
  }

  async function result(userId: number, attemptId: number) {
    const attempt = await load(userId, attemptId);
    if (attempt.status !== 'scored') return null;
    const responses = attempt.responses.map((response) => {
      const version = response.itemVersion;
      const options = version.options as { id: string; text: string }[];
      return {
        position: response.position,
        objectiveCode: version.item.objective.code,
        objectiveText: version.item.objective.text,
        objectivePosition: version.item.objective.position,
        correct: response.correct ?? false,
        type: version.type,
        stem: version.stem,
        rationale: version.rationale,
        sectionSlug: version.sectionSlug,
        references: version.references,
        options: response.optionOrder.map((id, index) => {
          const option = options.find((o) => o.id === id)!;
          return {
            label: String.fromCharCode(65 + index),
            text: option.text,
            chosen: response.selected.includes(id),
            isCorrect: version.correct.includes(id),
          };
        }),
      };
    });
    return {
      attempt,
      responses,
      byObjective: scoreByObjective(responses),
      score: {
        correctCount: attempt.correctCount ?? 0,
        itemCount: attempt.itemCount,
        percent: Number(attempt.scorePercent),
        passed: attempt.passed ?? false,
      },
    };
  }

  return { status, start, load, submit, result };
}

export type PostTestService = ReturnType<typeof createPostTestService>;
