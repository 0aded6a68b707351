// Ending a user's sessions server-side (password change, reset, deactivation, account deletion).
import type { Prisma, PrismaClient } from '../generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

/** Deletes every session of the user except `keepSid`. Passport keeps the user id at sess.passport.user. */
export function endSessionsOf(db: Db, userId: number, keepSid: string | null = null) {
  return db.$executeRaw`
    DELETE FROM "session"
    WHERE sess -> 'passport' ->> 'user' = ${String(userId)} AND sid IS DISTINCT FROM ${keepSid}`;
}
