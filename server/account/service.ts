// The signed-in user's own account: profile, password, data export, deletion.
import type { PrismaClient } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import { recordAudit } from '../audit/service';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { endSessionsOf } from '../auth/session-store';
import type { Throttle } from '../auth/throttle';
import { profileSelect } from './form';
import type { ProfileInput } from './validation';

export function createAccountService(deps: { prisma: PrismaClient; throttle: Throttle; now?: () => Date }) {
  const { prisma, throttle } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * Checks the user's own password before a sensitive change. Wrong guesses count against the same locks as
   * sign-in (this network's and the email's), so an open session cannot be used to guess the password either.
   * Returns null when the password is right, otherwise the message to show (`wrong`, or how long the lock lasts).
   */
  async function confirmPassword(
    user: { email: string; passwordHash: string | null },
    password: string,
    wrong: string,
    ip: string,
  ): Promise<string | null> {
    const wait = await throttle.lockedFor(user.email, ip);
    if (wait > 0) return `Too many wrong passwords. Try again in ${wait} seconds.`;
    if (!(await verifyPassword(user.passwordHash, password))) {
      await throttle.recordFailure(user.email, ip);
      return wrong;
    }
    await throttle.recordSuccess(user.email, ip);
    return null;
  }

  const getProfile = (userId: number) =>
    prisma.user.findUniqueOrThrow({ where: { id: userId }, select: profileSelect });

  /**
   * Saves the profile. A new email address is the sign-in name and where reset links go, so changing it takes
   * the current password: a session left open on a shared computer must not be enough to take the account over.
   * Reset links already sent to the old address stop working.
   */
  async function updateProfile(userId: number, input: ProfileInput, password: string, ip: string) {
    const current = await prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { email: true, passwordHash: true },
    });
    const emailChanged = input.email !== current.email;
    if (emailChanged) {
      const problem = password
        ? await confirmPassword(current, password, 'Your password is not correct.', ip)
        : 'Enter your password to change your email address.';
      if (problem) return { fieldErrors: { emailPassword: problem } };
    }
    try {
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: userId }, data: input });
        if (emailChanged)
          await tx.passwordResetToken.updateMany({
            where: { userId, usedAt: null },
            data: { usedAt: now() },
          });
        await recordAudit(tx, {
          actorId: userId,
          action: 'user.profile_update',
          targetType: 'user',
          targetId: userId,
          details: emailChanged ? { emailChanged: true } : undefined,
          ip,
        });
      });
      return { ok: true as const };
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        return { fieldErrors: { email: 'Another account already uses this email address.' } };
      }
      throw error;
    }
  }

  /** Changes the password and ends every other session of the user; the current one stays signed in. */
  async function changePassword(
    userId: number,
    current: string,
    next: string,
    currentSid: string,
    ip: string,
  ) {
    const user = await prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { email: true, passwordHash: true },
    });
    const problem = await confirmPassword(user, current, 'Your current password is not correct.', ip);
    if (problem) return { fieldErrors: { currentPassword: problem } };
    const passwordHash = await hashPassword(next);
    await prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordChangedAt: now() } });
      await tx.passwordResetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now() } });
      await endSessionsOf(tx, userId, currentSid);
      await recordAudit(tx, {
        actorId: userId,
        action: 'user.password_change',
        targetType: 'user',
        targetId: userId,
        ip,
      });
    });
    return { ok: true as const };
  }

  /** The user's own data, as a JSON document: profile, reading progress, attempts, evaluations, claims, certificates. */
  async function exportData(userId: number) {
    const [profile, audit, enrollments, lessonViews, attempts, evaluations, claims] = await Promise.all([
      getProfile(userId),
      prisma.auditEntry.findMany({
        where: { actorId: userId },
        orderBy: { id: 'asc' },
        select: { action: true, createdAt: true, ip: true },
      }),
      prisma.enrollment.findMany({
        where: { userId },
        select: { startedAt: true, activity: { select: { slug: true, title: true } } },
      }),
      prisma.lessonView.findMany({
        where: { userId },
        orderBy: { id: 'asc' },
        select: {
          firstViewedAt: true,
          lastViewedAt: true,
          secondsSpent: true,
          lesson: { select: { title: true, activity: { select: { slug: true } } } },
        },
      }),
      prisma.attempt.findMany({
        where: { userId },
        orderBy: { id: 'asc' },
        select: {
          number: true,
          status: true,
          startedAt: true,
          submittedAt: true,
          scorePercent: true,
          passed: true,
          activity: { select: { slug: true } },
          responses: {
            orderBy: { position: 'asc' },
            select: {
              position: true,
              selected: true,
              correct: true,
              itemVersion: { select: { stem: true } },
            },
          },
        },
      }),
      prisma.evaluation.findMany({ where: { userId }, omit: { id: true, userId: true } }),
      prisma.creditClaim.findMany({
        where: { userId },
        select: {
          creditLabel: true,
          amount: true,
          completedAt: true,
          attestedAt: true,
          activity: { select: { slug: true, title: true } },
          // Every certificate of the claim, superseded ones included: the learner's data, whole.
          certificates: {
            select: { code: true, issuedAt: true, revokedAt: true, revokedReason: true, supersededAt: true },
          },
        },
      }),
    ]);
    return {
      exportedAt: now().toISOString(),
      profile,
      enrollments,
      lessonViews,
      attempts,
      evaluations,
      // `certificate` is the current one; a corrected claim's earlier certificates follow it.
      claims: claims.map(({ certificates, ...claim }) => ({
        ...claim,
        certificate: certificates.find((c) => !c.supersededAt) ?? null,
        supersededCertificates: certificates.filter((c) => c.supersededAt),
      })),
      accountHistory: audit,
    };
  }

  /**
   * Deletes the account: sign-in and personal data go, the row stays (anonymised) because credit records
   * that accreditors require to be kept for six years refer to it and carry their own snapshot.
   */
  async function deleteAccount(userId: number, password: string, ip: string) {
    const user = await prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { email: true, passwordHash: true },
    });
    const problem = await confirmPassword(user, password, 'Your password is not correct.', ip);
    if (problem) return { fieldErrors: { password: problem } };
    await prisma.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: userId },
        data: {
          email: `deleted-user-${userId}@deleted.invalid`,
          passwordHash: null,
          fullName: 'Deleted user',
          degree: '',
          nabpEProfileId: null,
          birthMonth: null,
          birthDay: null,
          npi: null,
          licenseState: null,
          licenseNumber: null,
          certifyingBoard: null,
          boardId: null,
          consentToShare: false,
          active: false,
          deletedAt: now(),
        },
      });
      await tx.passwordResetToken.deleteMany({ where: { userId } });
      await endSessionsOf(tx, userId);
      await recordAudit(tx, {
        actorId: userId,
        action: 'user.delete_account',
        targetType: 'user',
        targetId: userId,
        ip,
      });
    });
    return { ok: true as const };
  }

  return { getProfile, updateProfile, changePassword, exportData, deleteAccount };
}

export type AccountService = ReturnType<typeof createAccountService>;
