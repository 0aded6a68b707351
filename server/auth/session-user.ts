// The signed-in user as every request sees it: which columns, and how a request gets them. The user is read from
// the database on every request, so a role change or a deactivation applies on the very next one. The session
// store reads it in the same statement as the session (session-store.ts); the query here is the fallback for a
// request whose store read brought no user row. Both run on node-postgres, not Prisma: a Prisma query costs about
// 180 µs of CPU against 30 µs for a prepared pg query (measured; see README, Benchmarks).
import type { Request } from 'express';
import type { Pool } from 'pg';
import type { Prisma } from '../generated/prisma/client';
import type { ReadUser } from './types';

/** What a request knows about its signed-in user: never the password hash. */
export const sessionUserSelect = {
  id: true,
  email: true,
  role: true,
  fullName: true,
  profession: true,
  degree: true,
  active: true,
} as const satisfies Prisma.UserSelect;

/**
 * The users columns behind sessionUserSelect, by field, for the hand-written statements (exactly its fields,
 * checked by the compiler; the column names are checked against the schema by tests/auth/session-columns.test.ts).
 */
export const sessionUserColumns = {
  id: 'id',
  email: 'email',
  role: 'role',
  fullName: 'full_name',
  profession: 'profession',
  degree: 'degree',
  active: 'active',
} as const satisfies Record<keyof typeof sessionUserSelect, string>;

/** The row a statement returns: what Prisma would return for sessionUserSelect. */
export type SessionUserRow = Prisma.UserGetPayload<{ select: typeof sessionUserSelect }>;

/** `u.id AS "id", u.full_name AS "fullName", …`: the user columns through table alias `alias`, as Prisma names them. */
export function selectSessionUser(alias: string): string {
  return Object.entries(sessionUserColumns)
    .map(([field, column]) => `${alias}.${column} AS "${field}"`)
    .join(', ');
}

export const USER_BY_ID_SQL = `SELECT ${selectSessionUser('u')} FROM users u WHERE u.id = $1`;

export async function readSessionUser(pool: Pool, id: string): Promise<SessionUserRow | null> {
  const { rows } = await pool.query<SessionUserRow>({
    name: 'session-user',
    text: USER_BY_ID_SQL,
    values: [id],
  });
  return rows[0] ?? null;
}

/** A deactivated or deleted user is simply no longer signed in. */
export const signedInAs = (user: SessionUserRow | null): Express.User | false =>
  user?.active ? user : false;

/** Where the session store leaves the user row it read with a request's session. */
export interface UsersReadWithSessions {
  /** The row read with this request's session, if that was user `id`; undefined when there is none. */
  userReadWith(req: Request, id: string): SessionUserRow | undefined;
}

/** Passport's user of a request: the row read with the session, else one query by id. */
export function sessionUserReader(pool: Pool, store: UsersReadWithSessions): ReadUser {
  return async (req, id) => signedInAs(store.userReadWith(req, id) ?? (await readSessionUser(pool, id)));
}
