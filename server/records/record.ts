// One completion record as an admin reads it: the learner's reading (lessons viewed, time spent), every attempt with
// its score per objective (scored by posttest/scoring.ts), the evaluation, the claim as claimed, its corrections, and
// every certificate issued for it (the current one and those a correction superseded). Read with Prisma: a handful
// of small queries for one record.
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { NotFoundError } from '../http/errors';
import { scoreByObjective } from '../posttest/scoring';
import type { CertificateSnapshot } from '../certificates/snapshot';

const claimSelect = {
  id: true,
  userId: true,
  activityId: true,
  attemptId: true,
  creditCode: true,
  creditLabel: true,
  amount: true,
  maxAmount: true,
  completedAt: true,
  attestedAt: true,
  learner: true,
  synthetic: true,
  user: { select: { id: true, email: true, deletedAt: true, consentToShare: true } },
  activity: { select: { id: true, slug: true, title: true } },
  evaluation: {
    select: {
      objectiveRatings: true,
      relevance: true,
      freeOfBias: true,
      biasComment: true,
      intendedChange: true,
      overallQuality: true,
      createdAt: true,
    },
  },
  corrections: {
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      fromAmount: true,
      toAmount: true,
      fromCreditCode: true,
      toCreditCode: true,
      reason: true,
      createdAt: true,
      actor: { select: { fullName: true, email: true } },
    },
  },
  certificates: {
    orderBy: [{ issuedAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      code: true,
      snapshot: true,
      issuedAt: true,
      revokedAt: true,
      revokedReason: true,
      revokedBy: { select: { fullName: true, email: true } },
      supersededAt: true,
      supersededBy: { select: { code: true } },
    },
  },
} satisfies Prisma.CreditClaimSelect;

/** The learner's data as claimed (credit/service.ts writes it); every field may be missing on older rows. */
export interface ClaimedLearner {
  fullName?: string;
  degree?: string;
  profession?: string;
  nabpEProfileId?: string | null;
  birthMonth?: number | null;
  birthDay?: number | null;
  npi?: string | null;
  licenseState?: string | null;
  licenseNumber?: string | null;
  certifyingBoard?: string | null;
  boardId?: string | null;
  consentToShare?: boolean;
}

export type RecordClaim = Prisma.CreditClaimGetPayload<{ select: typeof claimSelect }>;

export async function readRecord(prisma: PrismaClient, claimId: number) {
  const claim = await prisma.creditClaim.findUnique({ where: { id: claimId }, select: claimSelect });
  if (!claim) throw new NotFoundError('There is no such completion record.');
  const { userId, activityId } = claim;
  const [lessons, attempts] = await Promise.all([
    prisma.lesson.findMany({
      where: { activityId },
      orderBy: { position: 'asc' },
      select: {
        position: true,
        title: true,
        views: {
          where: { userId },
          select: { firstViewedAt: true, lastViewedAt: true, secondsSpent: true },
        },
      },
    }),
    prisma.attempt.findMany({
      where: { userId, activityId },
      orderBy: { number: 'asc' },
      select: {
        id: true,
        number: true,
        status: true,
        startedAt: true,
        submittedAt: true,
        correctCount: true,
        itemCount: true,
        scorePercent: true,
        passed: true,
        passingScorePercent: true,
        responses: {
          select: {
            correct: true,
            itemVersion: { select: { item: { select: { objective: true } } } },
          },
        },
      },
    }),
  ]);

  return {
    claim: { ...claim, learner: (claim.learner ?? {}) as ClaimedLearner },
    lessons: lessons.map((lesson) => ({
      position: lesson.position,
      title: lesson.title,
      view: lesson.views[0] ?? null,
    })),
    attempts: attempts.map(({ responses, ...attempt }) => ({
      ...attempt,
      isClaimed: attempt.id === claim.attemptId,
      byObjective:
        attempt.status === 'scored'
          ? scoreByObjective(
              responses.map((response) => {
                const objective = response.itemVersion.item.objective;
                return {
                  objectiveCode: objective.code,
                  objectiveText: objective.text,
                  objectivePosition: objective.position,
                  correct: response.correct ?? false,
                };
              }),
            )
          : [],
    })),
    certificates: claim.certificates.map((certificate) => ({
      ...certificate,
      snapshot: certificate.snapshot as unknown as CertificateSnapshot,
    })),
  };
}

export type CompletionRecord = Awaited<ReturnType<typeof readRecord>>;
