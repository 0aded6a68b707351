// Sign-in, registration and password reset as plain functions over Prisma; routes only translate HTTP.
import crypto from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import type { RegistrationInput } from '../account/validation';
import { recordAudit } from '../audit/service';
import type { SendMail } from '../mail/mailer';
import { hashPassword, verifyPassword } from './passwords';
import { sessionUserSelect } from './session-user';
import { endSessionsOf } from './session-store';
import type { Throttle } from './throttle';

export const LOGIN_FAILED = 'The email or password is incorrect.';
export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

const minutes = (seconds: number) => `${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}`;

export function createAuthService(deps: {
  prisma: PrismaClient;
  throttle: Throttle;
  sendMail: SendMail;
  appUrl: string;
  now?: () => Date;
}) {
  const { prisma, throttle } = deps;
  const now = deps.now ?? (() => new Date());

  async function authenticate(
    emailTyped: string,
    password: string,
    ip: string,
  ): Promise<Express.User | { rejected: string }> {
    const email = emailTyped.trim().toLowerCase();
    const locked = await throttle.lockedFor(email, ip);
    if (locked > 0) {
      return {
        rejected: `Too many failed sign-in attempts for this email address. Try again in ${minutes(locked)}.`,
      };
    }
    const user = await prisma.user.findUnique({
      where: { email },
      select: { ...sessionUserSelect, passwordHash: true },
    });
    // Unknown email and wrong password take the same path and the same time.
    const valid = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !valid) {
      await throttle.recordFailure(email, ip);
      return { rejected: LOGIN_FAILED };
    }
    if (!user.active)
      return { rejected: 'This account has been deactivated. Contact us if you think this is a mistake.' };
    await throttle.recordSuccess(email, ip);
    const { passwordHash: _hash, ...sessionUser } = user;
    return sessionUser;
  }

  async function register(input: RegistrationInput, ip: string) {
    const { password, ...profile } = input;
    const passwordHash = await hashPassword(password);
    try {
      return await prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { ...profile, passwordHash, role: 'learner' },
          select: sessionUserSelect,
        });
        await recordAudit(tx, {
          actorId: user.id,
          action: 'user.register',
          targetType: 'user',
          targetId: user.id,
          ip,
        });
        return { user };
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        return {
          fieldErrors: {
            email: 'An account with this email address already exists. Sign in or reset your password.',
          },
        };
      }
      throw error;
    }
  }

  /** Always succeeds from the caller's point of view, so the form reveals nothing about which accounts exist. */
  async function requestPasswordReset(emailTyped: string, ip: string): Promise<void> {
    const email = emailTyped.trim().toLowerCase();
    const user = await prisma.user.findUnique({
      where: { email },
      select: { id: true, active: true, deletedAt: true },
    });
    if (!user || !user.active || user.deletedAt) return;
    const token = crypto.randomBytes(32).toString('base64url');
    await prisma.$transaction(async (tx) => {
      // Only the newest link works.
      await tx.passwordResetToken.updateMany({
        where: { userId: user.id, usedAt: null },
        data: { usedAt: now() },
      });
      await tx.passwordResetToken.create({
        data: {
          userId: user.id,
          tokenHash: sha256(token),
          expiresAt: new Date(now().getTime() + RESET_TOKEN_TTL_MS),
        },
      });
      await recordAudit(tx, {
        actorId: user.id,
        action: 'user.password_reset_requested',
        targetType: 'user',
        targetId: user.id,
        ip,
      });
    });
    // Not awaited: a slow or failing mail server must not make existing accounts answer differently.
    // The mailer logs a failure; the learner can ask again.
    void deps
      .sendMail({
        to: email,
        subject: 'Reset your password',
        text: [
          'Someone (hopefully you) asked to reset the password of your continuing-education account.',
          '',
          `Choose a new password here within the next hour: ${deps.appUrl}/reset-password/${token}`,
          '',
          'If you did not ask for this, ignore this email: your password stays as it is.',
        ].join('\n'),
      })
      .catch(() => undefined);
  }

  /** Returns false when the token is unknown, used or expired. */
  async function findResetToken(token: string) {
    const found = await prisma.passwordResetToken.findUnique({ where: { tokenHash: sha256(token) } });
    return found && !found.usedAt && found.expiresAt > now() ? found : null;
  }

  async function resetPassword(token: string, newPassword: string, ip: string): Promise<boolean> {
    const passwordHash = await hashPassword(newPassword);
    return prisma.$transaction(async (tx) => {
      // The conditional update makes the token single-use even under concurrent submissions.
      const claimed = await tx.passwordResetToken.updateMany({
        where: { tokenHash: sha256(token), usedAt: null, expiresAt: { gt: now() } },
        data: { usedAt: now() },
      });
      if (claimed.count !== 1) return false;
      const { userId } = await tx.passwordResetToken.findUniqueOrThrow({
        where: { tokenHash: sha256(token) },
      });
      const user = await tx.user.update({
        where: { id: userId },
        data: { passwordHash, passwordChangedAt: now() },
        select: { email: true },
      });
      await endSessionsOf(tx, userId);
      await recordAudit(tx, {
        actorId: userId,
        action: 'user.password_reset',
        targetType: 'user',
        targetId: userId,
        ip,
      });
      // The link proves the owner: the email's lock is lifted everywhere, and for the network it was used from.
      await throttle.recordSuccess(user.email, ip);
      return true;
    });
  }

  return { authenticate, register, requestPasswordReset, findResetToken, resetPassword };
}

export type AuthService = ReturnType<typeof createAuthService>;

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');
