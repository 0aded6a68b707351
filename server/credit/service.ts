// Evaluation, attestation and credit claim. Claiming creates, in one transaction, the completion record and the
// certificate with its frozen snapshot. Every rule is enforced here, whatever the pages offer.
import type { PrismaClient } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import { availability, formatCredits, type ActivityView } from '../catalogue/view-model';
import { newCertificateCode, type CertificateSnapshot } from '../certificates/snapshot';
import { uanFor } from '../content/schema';
import { HttpError } from '../http/errors';

export interface EvaluationInput {
  objectiveRatings: Record<string, number>;
  relevance: number;
  freeOfBias: boolean;
  biasComment: string | null;
  intendedChange: string;
  overallQuality: number;
}

export function createCreditService(deps: { prisma: PrismaClient; now?: () => Date }) {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());

  const passedAttempt = (userId: number, activityId: number) =>
    prisma.attempt.findFirst({
      where: { userId, activityId, status: 'scored', passed: true },
      orderBy: { number: 'desc' },
      select: { id: true, scorePercent: true, submittedAt: true },
    });

  /** Where the learner stands on the path to credit: each step and whether it is done. */
  async function state(userId: number, activity: ActivityView) {
    const [passed, evaluation, claim] = await Promise.all([
      passedAttempt(userId, activity.id),
      prisma.evaluation.findUnique({
        where: { userId_activityId: { userId, activityId: activity.id } },
        select: { id: true },
      }),
      prisma.creditClaim.findUnique({
        where: { userId_activityId: { userId, activityId: activity.id } },
        include: { certificates: { where: { supersededAt: null }, select: { code: true, revokedAt: true } } },
      }),
    ]);
    // The current certificate: a corrected claim's earlier ones are superseded.
    const withCertificate = claim && { ...claim, certificate: claim.certificates[0] ?? null };
    return { passed, evaluation, claim: withCertificate, open: availability(activity, now()) };
  }

  function requireOpen(activity: ActivityView) {
    const open = availability(activity, now());
    if (open.reason === 'expired') {
      throw new HttpError(
        409,
        `This activity expired on ${activity.dates.expiration}: credit can no longer be claimed.`,
      );
    }
    if (!open.open) throw new HttpError(409, `This activity opens for credit on ${activity.dates.release}.`);
  }

  async function submitEvaluation(userId: number, activity: ActivityView, input: EvaluationInput) {
    requireOpen(activity);
    if (!(await passedAttempt(userId, activity.id)))
      throw new HttpError(409, 'Pass the post-test before the evaluation.');
    try {
      await prisma.evaluation.create({ data: { userId, activityId: activity.id, ...input } });
    } catch (error) {
      // One evaluation per learner and activity: a resubmission keeps the first.
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
    }
  }

  /** Creates the claim and its certificate once; a repeated or concurrent claim returns the existing one. */
  async function claim(userId: number, activity: ActivityView, amount: number) {
    requireOpen(activity);
    const current = await state(userId, activity);
    if (current.claim) return current.claim;
    if (!current.passed) throw new HttpError(409, 'Pass the post-test before claiming credit.');
    if (!current.evaluation) throw new HttpError(409, 'Complete the evaluation before claiming credit.');
    const maximum = Number(activity.credits);
    if (!(amount > 0 && amount <= maximum && Number.isInteger(amount * 4))) {
      throw new HttpError(422, `Claim between 0.25 and ${maximum} credits, in steps of 0.25.`);
    }
    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    const creditType = activity.creditTypeByProfession[user.profession];
    const completedAt = now();
    const learner = {
      fullName: user.fullName,
      degree: user.degree,
      profession: user.profession,
      nabpEProfileId: user.nabpEProfileId,
      birthMonth: user.birthMonth,
      birthDay: user.birthDay,
      npi: user.npi,
      licenseState: user.licenseState,
      licenseNumber: user.licenseNumber,
      certifyingBoard: user.certifyingBoard,
      boardId: user.boardId,
      consentToShare: user.consentToShare,
    };
    const snapshot: CertificateSnapshot = {
      learnerName: user.fullName,
      learnerDegree: user.degree,
      profession: user.profession,
      activityTitle: activity.title,
      activitySlug: activity.slug,
      activityVersion: activity.contentHash.slice(0, 12),
      completedOn: completedAt.toISOString().slice(0, 10),
      creditCode: creditType.code,
      creditLabel: creditType.label,
      amount: formatCredits(amount),
      maxAmount: activity.credits,
      scorePercent: String(Number(current.passed.scorePercent)),
      providerName: activity.provider.name,
      accreditationStatement: activity.statements.accreditation,
      designationStatement: activity.creditTypes.find((type) => type.code === creditType.code)!.designation,
      // The UAN of the learner's profession: pharmacists and technicians are credited under different ones.
      uan: uanFor(activity.reporting, user.profession),
    };
    try {
      return await prisma.$transaction(async (tx) => {
        const created = await tx.creditClaim.create({
          data: {
            userId,
            activityId: activity.id,
            attemptId: current.passed!.id,
            evaluationId: current.evaluation!.id,
            creditCode: creditType.code,
            creditLabel: creditType.label,
            amount,
            maxAmount: maximum,
            completedAt,
            attestedAt: completedAt,
            learner,
          },
        });
        const certificate = await tx.certificate.create({
          data: {
            claimId: created.id,
            code: newCertificateCode(),
            snapshot: snapshot as unknown as Prisma.InputJsonValue,
            issuedAt: completedAt,
          },
          select: { code: true, revokedAt: true },
        });
        return { ...created, certificates: [certificate], certificate };
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        const existing = (await state(userId, activity)).claim;
        if (existing) return existing;
      }
      throw error;
    }
  }

  return { state, submitEvaluation, claim };
}

export type CreditService = ReturnType<typeof createCreditService>;
