// The audit log: who did what, to what, when and from where. Written in the same transaction as the action.
import type { Prisma, PrismaClient } from '../generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export interface AuditEvent {
  actorId: number | null;
  action: string;
  targetType?: string;
  targetId?: string | number;
  details?: Prisma.InputJsonValue;
  ip?: string;
}

export function recordAudit(db: Db, event: AuditEvent) {
  return db.auditEntry.create({
    data: {
      actorId: event.actorId,
      action: event.action,
      targetType: event.targetType ?? null,
      targetId: event.targetId === undefined ? null : String(event.targetId),
      details: event.details,
      ip: event.ip ?? null,
    },
  });
}

export async function listAudit(prisma: PrismaClient, options: { page: number; pageSize: number }) {
  const [entries, total] = await Promise.all([
    prisma.auditEntry.findMany({
      orderBy: { id: 'desc' },
      skip: (options.page - 1) * options.pageSize,
      take: options.pageSize,
      include: { actor: { select: { email: true, fullName: true } } },
    }),
    prisma.auditEntry.count(),
  ]);
  return { entries, total };
}
