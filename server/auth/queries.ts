// Account creation's hand-written SQL, through Prisma's raw SQL: creating the first admin takes a transaction-scoped
// advisory lock, which Prisma's API cannot take, so that concurrent starts of several instances on an empty
// database create exactly one. It runs inside the caller's transaction, so the queries are built on that
// transaction's client. (The session and its user are read by session-store.ts and session-user.ts, on
// node-postgres.) tests/db/hand-written-sql.test.ts runs it.
import { Prisma } from '../generated/prisma/client';

/** The one lock that serialises "create a user only if there is none". */
export const USER_CREATION_LOCK_SQL = Prisma.sql`SELECT pg_advisory_xact_lock(727274)`;

/** Account creation's statements, on the client of the transaction they must run in. */
export function createAuthQueries(tx: Prisma.TransactionClient) {
  /** Waits for any other transaction holding the lock, then holds it until this transaction ends. */
  async function lockUserCreation(): Promise<void> {
    await tx.$executeRaw(USER_CREATION_LOCK_SQL);
  }

  return { lockUserCreation };
}

export type AuthQueries = ReturnType<typeof createAuthQueries>;
