// Signed-in sessions for thousands of learners without thousands of Argon2 sign-ins: one learner signs in through
// the real /login; each further learner gets a copy of that session row (same contents: sign-in time, CSRF token),
// with its own id and user, and a cookie signed with the secret the app processes share with the bench, exactly as
// express-session signs one. The app cannot tell such a session from one it made.
import crypto from 'node:crypto';
import type { PrismaClient } from '../../../server/generated/prisma/client';
import { SESSION_COOKIE } from '../../../server/auth/session';

/** express-session's cookie value for `sid` (cookie-signature: HMAC-SHA256, base64 without padding), encoded. */
export function signedSessionCookie(sid: string, secret: string): string {
  const signature = crypto.createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

/** The session id inside a Cookie header holding cme.sid. */
export function sessionIdOf(cookieHeader: string): string {
  const raw = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE.replace('.', '\\.')}=([^;]+)`).exec(cookieHeader)?.[1];
  const value = raw && decodeURIComponent(raw);
  if (!value?.startsWith('s:')) throw new Error(`no signed ${SESSION_COOKIE} cookie in "${cookieHeader}"`);
  return value.slice(2, value.lastIndexOf('.'));
}

/**
 * Copies the session of `templateCookie` for each of `userIds`; returns their Cookie headers, in order. The copies
 * expire after the idle timeout like a fresh sign-in's (rolled forward by their use).
 */
export async function copySessions(
  prisma: PrismaClient,
  templateCookie: string,
  userIds: readonly number[],
  secret: string,
  idleMinutes = 30,
): Promise<string[]> {
  const sids = userIds.map(() => crypto.randomBytes(24).toString('base64url'));
  const copied = await prisma.$executeRaw`
    INSERT INTO "session" (sid, sess, expire)
    SELECT n.sid, jsonb_set(t.sess::jsonb, '{passport,user}', to_jsonb(n.user_id::text))::json,
      now() + make_interval(mins => ${idleMinutes}::int)
    FROM unnest(${sids}::text[], ${[...userIds]}::int[]) AS n(sid, user_id)
    CROSS JOIN (SELECT sess FROM "session" WHERE sid = ${sessionIdOf(templateCookie)}) t`;
  if (copied !== userIds.length)
    throw new Error(`copied ${copied} sessions of ${userIds.length}: the template session is gone`);
  return sids.map((sid) => signedSessionCookie(sid, secret));
}
