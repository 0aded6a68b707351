// Reads of what the app stored, for the tests' assertions.
import type { TestApp } from './app';

export const userRow = (t: TestApp, id: number) => t.db.prisma.user.findUniqueOrThrow({ where: { id } });

/** How many stored sessions are signed in as the user. */
export async function sessionsOf(t: TestApp, userId: number): Promise<number> {
  const [row] = await t.db.prisma.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) FROM "session" WHERE sess -> 'passport' ->> 'user' = ${String(userId)}`;
  return Number(row!.count);
}
