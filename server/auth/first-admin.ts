// The first admin: created from ADMIN_EMAIL/ADMIN_PASSWORD at start, only while the database has no user at all,
// or at any time with `npm run user:create`. There is no default account.
import type { PrismaClient } from '../generated/prisma/client';
import type { Role } from '../generated/prisma/enums';
import { emailSchema, passwordSchema } from '../account/validation';
import { recordAudit } from '../audit/service';
import { hashPassword } from './passwords';
import { createAuthQueries } from './queries';

export interface NewUser {
  email: string;
  password: string;
  role?: Role;
  fullName?: string;
}

export async function createUser(prisma: PrismaClient, input: NewUser, onlyIfNoUsers = false) {
  const email = emailSchema.parse(input.email);
  const password = passwordSchema.safeParse(input.password);
  if (!password.success) throw new Error(`password: ${password.error.issues[0]!.message}`);
  const passwordHash = await hashPassword(password.data);
  return prisma.$transaction(async (tx) => {
    if (onlyIfNoUsers) {
      // Serialises concurrent starts of several instances on the same empty database.
      await createAuthQueries(tx).lockUserCreation();
      if ((await tx.user.count()) > 0) return null;
    }
    const user = await tx.user.create({
      data: {
        email,
        passwordHash,
        role: input.role ?? 'admin',
        fullName: input.fullName ?? 'Administrator',
        profession: 'other',
        degree: '',
      },
      select: { id: true, email: true, role: true },
    });
    await recordAudit(tx, {
      actorId: null,
      action: 'user.create_cli',
      targetType: 'user',
      targetId: user.id,
      details: { role: user.role },
    });
    return user;
  });
}

export const createFirstAdmin = (prisma: PrismaClient, input: Omit<NewUser, 'role'>) =>
  createUser(prisma, { ...input, role: 'admin' }, true);
