// Correcting a claim's amount or credit type, with a reason. One transaction: the correction row, the claim, the
// current certificate superseded, a new certificate (new code) whose snapshot states the corrected credit and keeps
// everything else of the old one, and the audit entry. The old code then verifies as superseded.
import { z } from 'zod';
import { recordAudit } from '../audit/service';
import type { ActivityView } from '../catalogue/view-model';
import { formatCredits } from '../catalogue/view-model';
import { forgetVerificationPages } from '../certificates/verification-cache';
import { CHANNELS } from '../db/notifications';
import { REVOKE_REASON_MAX, REVOKE_REASON_MIN } from '../certificates/service';
import { newCertificateCode, type CertificateSnapshot } from '../certificates/snapshot';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { HttpError, NotFoundError } from '../http/errors';
import { freeText, lineText } from '../http/input';

export const REASON_MIN = REVOKE_REASON_MIN;
export const REASON_MAX = REVOKE_REASON_MAX;

const reasonMessage = `Give the reason, in ${REASON_MIN} to ${REASON_MAX} characters.`;
/** A reason for a revocation or a correction: required, shown in the audit log (and, for a revocation, publicly). */
export const reasonSchema = freeText(REASON_MAX, 'The reason', reasonMessage).pipe(
  z.string().min(REASON_MIN, reasonMessage),
);

export interface CorrectionInput {
  amount: number;
  creditCode: string;
  reason: string;
}

/**
 * The correction form: an amount in 0.25 steps up to the claim's maximum, a credit type of the activity, a reason,
 * and at least one change. Field errors come back keyed by field.
 */
export function correctionSchema(maximum: number, creditCodes: readonly string[], current: CorrectionInput) {
  const amountMessage = `Choose an amount from 0.25 to ${formatCredits(maximum)}, in steps of 0.25.`;
  return z
    .object({
      amount: lineText(10, 'The amount', amountMessage)
        .regex(/^\d{1,2}(?:\.\d{1,2})?$/, amountMessage)
        .transform(Number)
        .refine((amount) => amount > 0 && amount <= maximum && Number.isInteger(amount * 4), amountMessage),
      creditCode: z.enum(creditCodes as [string, ...string[]], {
        error: 'Choose one of the activity’s credit types.',
      }),
      reason: reasonSchema,
    })
    .superRefine((value, ctx) => {
      if (value.amount === current.amount && value.creditCode === current.creditCode)
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'Change the amount or the credit type.' });
    });
}

/** The certificate a correction issues: the old snapshot with the corrected credit (and its designation). */
export function correctedSnapshot(
  old: CertificateSnapshot,
  input: { amount: number; creditCode: string },
  activity: Pick<ActivityView, 'creditTypes'>,
): CertificateSnapshot {
  if (input.creditCode === old.creditCode) return { ...old, amount: formatCredits(input.amount) };
  const type = activity.creditTypes.find((candidate) => candidate.code === input.creditCode);
  if (!type) throw new HttpError(422, 'Choose one of the activity’s credit types.');
  // The designation statement names the credit: a new credit type states its own.
  return {
    ...old,
    amount: formatCredits(input.amount),
    creditCode: type.code,
    creditLabel: type.label,
    designationStatement: type.designation,
  };
}

export async function correctClaim(
  prisma: PrismaClient,
  args: {
    actor: { id: number };
    claimId: number;
    activity: Pick<ActivityView, 'creditTypes'>;
    input: CorrectionInput;
    ip: string;
    now: Date;
  },
): Promise<{ code: string; supersededCode: string }> {
  const { actor, claimId, activity, input, ip, now } = args;
  const result = await prisma.$transaction(async (tx) => {
    const claim = await tx.creditClaim.findUnique({
      where: { id: claimId },
      select: {
        amount: true,
        creditCode: true,
        creditLabel: true,
        certificates: {
          where: { supersededAt: null },
          select: { id: true, code: true, snapshot: true, revokedAt: true },
        },
      },
    });
    if (!claim) throw new NotFoundError('There is no such completion record.');
    const current = claim.certificates[0];
    if (!current) throw new HttpError(409, 'This record has no certificate to reissue.');
    if (current.revokedAt)
      throw new HttpError(
        409,
        'The certificate of this record is revoked: a revoked record is not corrected.',
      );
    const snapshot = correctedSnapshot(current.snapshot as unknown as CertificateSnapshot, input, activity);
    // The conditions make a concurrent correction or revocation win: this one then changes nothing.
    const { count } = await tx.certificate.updateMany({
      where: { id: current.id, supersededAt: null, revokedAt: null },
      data: { supersededAt: now },
    });
    if (count === 0) throw new HttpError(409, 'This record changed meanwhile: reload it and try again.');
    const issued = await tx.certificate.create({
      data: {
        claimId,
        code: newCertificateCode(),
        snapshot: snapshot as unknown as Prisma.InputJsonValue,
        issuedAt: now,
      },
      select: { id: true, code: true },
    });
    await tx.certificate.update({ where: { id: current.id }, data: { supersededById: issued.id } });
    await tx.creditClaim.update({
      where: { id: claimId },
      data: { amount: input.amount, creditCode: snapshot.creditCode, creditLabel: snapshot.creditLabel },
    });
    await tx.claimCorrection.create({
      data: {
        claimId,
        actorId: actor.id,
        fromAmount: claim.amount,
        toAmount: input.amount,
        fromCreditCode: claim.creditCode,
        toCreditCode: snapshot.creditCode,
        reason: input.reason,
        createdAt: now,
      },
    });
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'record.correct',
      targetType: 'claim',
      targetId: claimId,
      details: {
        from: { amount: formatCredits(claim.amount), creditCode: claim.creditCode },
        to: { amount: formatCredits(input.amount), creditCode: snapshot.creditCode },
        reason: input.reason,
        supersededCode: current.code,
        code: issued.code,
      },
      ip,
    });
    // Every instance drops its cached page of the old code when the reissue commits (server/db/notifications.ts).
    await tx.$executeRaw`SELECT pg_notify(${CHANNELS.certificateChanged}, ${current.code})`;
    return { code: issued.code, supersededCode: current.code };
  });
  forgetVerificationPages(result.supersededCode);
  return result;
}
