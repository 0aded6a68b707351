// Learners signed in to the real app over HTTP, like a browser: inserted directly (one shared Argon2id hash), then
// GET /login, POST /login, GET /account for the session's CSRF token.
import crypto from 'node:crypto';
import { hashPassword } from '../../server/auth/passwords';
import type { PrismaClient } from '../../server/generated/prisma/client';
import { inBatches } from './bench';

export interface SignedInLearner {
  userId: number;
  /** The Cookie header value (cme.sid). */
  cookie: string;
  /** The session's CSRF synchroniser token, valid for every form of that session. */
  csrf: string;
}

const benchPassword = 'bench learner passphrase 2026';

class CookieJar {
  private readonly cookies = new Map<string, string>();

  update(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function csrfTokenIn(html: string, url: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF token on ${url}`);
  return match[1]!;
}

class LoginThrottled extends Error {}

async function signInOverHttp(appUrl: string, email: string, forwardedFor: string) {
  const jar = new CookieJar();
  const headers = (): Record<string, string> => ({ cookie: jar.header(), 'x-forwarded-for': forwardedFor });
  const loginPage = await fetch(`${appUrl}/login`, { headers: headers(), redirect: 'manual' });
  jar.update(loginPage);
  const loginCsrf = csrfTokenIn(await loginPage.text(), '/login');
  const login = await fetch(`${appUrl}/login`, {
    method: 'POST',
    headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: benchPassword, _csrf: loginCsrf }).toString(),
    redirect: 'manual',
  });
  await login.arrayBuffer();
  if (login.status === 429) throw new LoginThrottled(`sign-in of ${email}: 429`);
  if (login.status !== 302) throw new Error(`sign-in of ${email} answered ${login.status}, not 302`);
  jar.update(login);
  const account = await fetch(`${appUrl}/account`, { headers: headers(), redirect: 'manual' });
  jar.update(account);
  if (account.status !== 200) throw new Error(`/account after sign-in answered ${account.status}`);
  return { cookie: jar.header(), csrf: csrfTokenIn(await account.text(), '/account') };
}

export async function signInLearners(
  appUrl: string,
  prisma: PrismaClient,
  count: number,
): Promise<SignedInLearner[]> {
  const run = crypto.randomBytes(4).toString('hex');
  const emails = Array.from({ length: count }, (_, i) => `bench.learner.${run}.${i}@example.org`);
  const passwordHash = await hashPassword(benchPassword);
  await prisma.user.createMany({
    data: emails.map((email, i) => ({
      email,
      passwordHash,
      fullName: `Bench Learner ${i}`,
      profession: 'physician' as const,
      degree: 'MD',
    })),
  });
  const users = await prisma.user.findMany({
    where: { email: { in: emails } },
    select: { id: true, email: true },
  });
  const idOf = new Map(users.map((u) => [u.email, u.id]));

  // /login allows 60 per 15 min per IP, and the real app trusts no proxy, so every sign-in counts against
  // 127.0.0.1: when the throttle answers 429, its counter (bench database only) is reset.
  let throttleResets = 0;
  const learners = await inBatches(emails, 4, async (email, i) => {
    for (let tries = 0; ; tries++) {
      try {
        const session = await signInOverHttp(appUrl, email, `10.200.${i >> 8}.${i & 255}`);
        return { userId: idOf.get(email)!, ...session };
      } catch (error) {
        if (!(error instanceof LoginThrottled) || tries > 2) throw error;
        throttleResets++;
        await prisma.$executeRaw`DELETE FROM rate_limits WHERE key LIKE 'ip_login:%'`;
      }
    }
  });
  if (throttleResets > 0)
    console.log(
      `  (login throttle for 127.0.0.1 reset ${throttleResets}× in the bench database while signing in)`,
    );
  return learners;
}
