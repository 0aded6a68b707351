// User administration: search, role changes, deactivation. Every change is audited in its own transaction.
import type { PrismaClient } from '../generated/prisma/client';
import type { Role } from '../generated/prisma/enums';
import { recordAudit } from '../audit/service';
import { endSessionsOf } from '../auth/session-store';
import { NotFoundError, HttpError } from '../http/errors';

export const PAGE_SIZE = 25;

export function createAdminService(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;

  async function listUsers(query: string, page: number) {
    // % and _ are LIKE wildcards: a search means the characters typed.
    const q = query.trim().replace(/[\\%_]/g, '\\$&');
    const where = {
      deletedAt: null,
      ...(q
        ? {
            OR: [
              { email: { contains: q, mode: 'insensitive' as const } },
              { fullName: { contains: q, mode: 'insensitive' as const } },
            ],
          }
        : {}),
    };
    const [users, total] = await Promise.all([
      prisma.user.findMany({
        where,
        orderBy: { id: 'asc' },
        skip: (page - 1) * PAGE_SIZE,
        take: PAGE_SIZE,
        select: {
          id: true,
          email: true,
          fullName: true,
          role: true,
          profession: true,
          active: true,
          createdAt: true,
        },
      }),
      prisma.user.count({ where }),
    ]);
    return { users, total, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }

  async function target(tx: Parameters<Parameters<PrismaClient['$transaction']>[0]>[0], userId: number) {
    const user = await tx.user.findUnique({
      where: { id: userId },
      select: { id: true, role: true, active: true, deletedAt: true },
    });
    if (!user || user.deletedAt) throw new NotFoundError('There is no such user.');
    return user;
  }

  async function setRole(actor: { id: number }, userId: number, role: Role, ip: string) {
    if (actor.id === userId) throw new HttpError(409, 'You cannot change your own role; ask another admin.');
    await prisma.$transaction(async (tx) => {
      const user = await target(tx, userId);
      if (user.role === role) return;
      await tx.user.update({ where: { id: userId }, data: { role } });
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'admin.role_change',
        targetType: 'user',
        targetId: userId,
        details: { from: user.role, to: role },
        ip,
      });
    });
  }

  async function setActive(actor: { id: number }, userId: number, active: boolean, ip: string) {
    if (actor.id === userId) throw new HttpError(409, 'You cannot deactivate your own account.');
    await prisma.$transaction(async (tx) => {
      const user = await target(tx, userId);
      if (user.active === active) return;
      await tx.user.update({ where: { id: userId }, data: { active } });
      if (!active) {
        await endSessionsOf(tx, userId);
        await tx.passwordResetToken.updateMany({
          where: { userId, usedAt: null },
          data: { usedAt: new Date() },
        });
      }
      await recordAudit(tx, {
        actorId: actor.id,
        action: active ? 'admin.user_reactivate' : 'admin.user_deactivate',
        targetType: 'user',
        targetId: userId,
        ip,
      });
    });
  }

  return { listUsers, setRole, setActive };
}

export type AdminService = ReturnType<typeof createAdminService>;
