// Reading issued certificates: the owner's download, public verification, revocation by an admin and the
// learner's transcript. Certificates are created by the claim service and reissued by a claim correction
// (server/records/correction.ts); nothing here writes one except revocation, which sets revokedAt, revokedReason
// and revokedById.
import type { Pool } from 'pg';
import { recordAudit } from '../audit/service';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { z } from 'zod';
import { HttpError, NotFoundError } from '../http/errors';
import { freeText } from '../http/input';
import { createCertificateQueries } from './queries';
import type { CertificateSnapshot } from './snapshot';
import { CHANNELS } from '../db/notifications';
import { forgetVerificationPages } from './verification-cache';

export const REVOKE_REASON_MIN = 5;
export const REVOKE_REASON_MAX = 500;

export interface OwnedCertificate {
  code: string;
  snapshot: CertificateSnapshot;
  issuedAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  /** Set when a claim correction replaced it with a new certificate. */
  supersededAt: Date | null;
}

/** valid, revoked, or superseded: replaced by a corrected certificate (a newer code) for the same completion. */
export type CertificateStatus = 'valid' | 'revoked' | 'superseded';

export interface Verification {
  status: CertificateStatus;
  snapshot: CertificateSnapshot;
  issuedAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  supersededAt: Date | null;
}

/** A certificate's state: revocation wins (a revoked certificate is never reissued), then replacement. */
export const certificateStatus = (state: {
  revokedAt: Date | null;
  supersededAt: Date | null;
}): CertificateStatus => (state.revokedAt ? 'revoked' : state.supersededAt ? 'superseded' : 'valid');

const asSnapshot = (value: Prisma.JsonValue) => value as unknown as CertificateSnapshot;

/** The certificate with this code if it belongs to one of the user's claims; null otherwise (whoever asks). */
export async function findCertificateForOwner(
  prisma: PrismaClient,
  userId: number,
  code: string,
): Promise<OwnedCertificate | null> {
  const certificate = await prisma.certificate.findFirst({
    where: { code, claim: { userId } },
    select: {
      code: true,
      snapshot: true,
      issuedAt: true,
      revokedAt: true,
      revokedReason: true,
      supersededAt: true,
    },
  });
  return certificate ? { ...certificate, snapshot: asSnapshot(certificate.snapshot) } : null;
}

/**
 * What the public verification page may state about a code; null when no certificate has it. Read by queries.ts's
 * prepared statement on node-postgres (the page is public and busy); building its queries for the pool costs one
 * small object per call.
 */
export async function findCertificateForVerification(pool: Pool, code: string): Promise<Verification | null> {
  const certificate = await createCertificateQueries(pool).certificateByCode(code);
  if (!certificate) return null;
  const state = { revokedAt: certificate.revoked_at, supersededAt: certificate.superseded_at };
  return {
    status: certificateStatus(state),
    snapshot: certificate.snapshot,
    issuedAt: certificate.issued_at,
    revokedAt: certificate.revoked_at,
    revokedReason: certificate.revoked_reason,
    supersededAt: certificate.superseded_at,
  };
}

/** The reason, trimmed, or an error message. */
const reasonLength = `Give the reason for revoking, in ${REVOKE_REASON_MIN} to ${REVOKE_REASON_MAX} characters.`;
const revokeReasonSchema = freeText(REVOKE_REASON_MAX, 'The reason', reasonLength).pipe(
  z.string().min(REVOKE_REASON_MIN, reasonLength),
);

export function validateRevokeReason(input: unknown): { reason: string } | { error: string } {
  const parsed = revokeReasonSchema.safeParse(input);
  return parsed.success ? { reason: parsed.data } : { error: parsed.error.issues[0]!.message };
}

/**
 * Revokes a certificate and records who did it and why, in one transaction. 404 for an unknown code, 409 when it is
 * already revoked (the first revocation's date and reason stand) or was superseded by a corrected certificate (the
 * current one is what can be revoked), 422 for a missing or overlong reason. Forgets the code's cached public page.
 */
export async function revokeCertificate(
  prisma: PrismaClient,
  actor: { id: number },
  code: string,
  reason: string,
  ip: string,
  now: Date = new Date(),
): Promise<void> {
  const checked = validateRevokeReason(reason);
  if ('error' in checked) throw new HttpError(422, checked.error);
  await prisma.$transaction(async (tx) => {
    const certificate = await tx.certificate.findUnique({
      where: { code },
      select: { id: true, claimId: true },
    });
    if (!certificate) throw new NotFoundError('There is no certificate with this code.');
    // The conditions make a concurrent second revocation, or a reissue, win: this update then changes nothing.
    const { count } = await tx.certificate.updateMany({
      where: { id: certificate.id, revokedAt: null, supersededAt: null },
      data: { revokedAt: now, revokedReason: checked.reason, revokedById: actor.id },
    });
    if (count === 0) {
      const current = await tx.certificate.findUniqueOrThrow({
        where: { id: certificate.id },
        select: { revokedAt: true },
      });
      throw new HttpError(
        409,
        current.revokedAt
          ? 'This certificate has already been revoked.'
          : 'This certificate was replaced by a corrected one: revoke the current certificate instead.',
      );
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'certificate.revoke',
      targetType: 'certificate',
      targetId: certificate.id,
      details: { code, claimId: certificate.claimId, reason: checked.reason },
      ip,
    });
    // Every instance drops its cached page of this code when the revocation commits (server/db/notifications.ts).
    await tx.$executeRaw`SELECT pg_notify(${CHANNELS.certificateChanged}, ${code})`;
  });
  forgetVerificationPages(code);
}

export interface TranscriptEntry {
  /** YYYY-MM-DD (UTC). */
  completedOn: string;
  activityTitle: string;
  activitySlug: string;
  /** As the certificate states it (stored; shown through certificate-text.ts's learnerName). */
  learnerName: string;
  creditCode: string;
  creditLabel: string;
  /** As stored, e.g. "0.5". */
  amount: string;
  /** e.g. "83.33", null if the attempt has no score. */
  scorePercent: string | null;
  certificateCode: string | null;
  revokedAt: Date | null;
}

export interface Transcript {
  entries: TranscriptEntry[];
  /** Per credit label, the sum of the amounts of the completions whose certificate is not revoked. */
  totals: { creditLabel: string; amount: string }[];
}

/** Every completion of the user, newest first, with its certificate code and the totals per credit type. */
export async function transcript(prisma: PrismaClient, userId: number): Promise<Transcript> {
  const claims = await prisma.creditClaim.findMany({
    where: { userId },
    orderBy: [{ completedAt: 'desc' }, { id: 'desc' }],
    select: {
      creditCode: true,
      creditLabel: true,
      amount: true,
      completedAt: true,
      activity: { select: { title: true, slug: true } },
      attempt: { select: { scorePercent: true } },
      user: { select: { fullName: true } },
      certificates: {
        where: { supersededAt: null },
        select: { code: true, snapshot: true, revokedAt: true },
      },
    },
  });
  const totals = new Map<string, Prisma.Decimal>();
  const entries = claims.map((claim): TranscriptEntry => {
    // What the certificate states (frozen at issue) wins over live data.
    const certificate = claim.certificates[0];
    const snapshot = certificate ? asSnapshot(certificate.snapshot) : null;
    const revokedAt = certificate?.revokedAt ?? null;
    if (!revokedAt)
      totals.set(
        claim.creditLabel,
        (totals.get(claim.creditLabel) ?? new Prisma.Decimal(0)).plus(claim.amount),
      );
    return {
      completedOn: claim.completedAt.toISOString().slice(0, 10),
      activityTitle: snapshot?.activityTitle ?? claim.activity.title,
      activitySlug: snapshot?.activitySlug ?? claim.activity.slug,
      learnerName: snapshot?.learnerName ?? claim.user.fullName,
      creditCode: claim.creditCode,
      creditLabel: claim.creditLabel,
      amount: claim.amount.toString(),
      scorePercent: claim.attempt.scorePercent?.toString() ?? null,
      certificateCode: certificate?.code ?? null,
      revokedAt,
    };
  });
  return {
    entries,
    totals: [...totals].map(([creditLabel, amount]) => ({ creditLabel, amount: amount.toString() })),
  };
}
