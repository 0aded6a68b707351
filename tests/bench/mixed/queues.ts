// The two kinds of request the load can send only once each: a post-test attempt is scored once, and a learner
// claims credit for the activity once. Each queue hands out the next unused one and is topped up between phases
// (or, in the soak, while the load runs) with rows copied by clones.ts. When one runs dry, the request goes to a
// path that answers 404: counted as an unexpected status, never a resubmission that would measure nothing.
import type { PrismaClient } from '../../../server/generated/prisma/client';
import type { LoadRequest } from '../load/data';
import { cloneAttemptsInProgress, cloneClaimReady, type Template } from './clones';
import { copySessions } from './sessions';

const exhausted = (what: string): LoadRequest => ({
  method: 'GET',
  path: `/bench-queue-exhausted/${what}`,
  headers: {},
  body: '',
});

const form = (cookie: string) => ({ cookie, 'content-type': 'application/x-www-form-urlencoded' });

export interface Queue {
  name: string;
  /** Requests handed out so far. */
  taken(): number;
  remaining(): number;
  /** True once a request was asked for while the queue was empty. */
  ranDry(): boolean;
  next(): LoadRequest;
  /** Adds at least `count` more. */
  topUp(count: number): Promise<void>;
}

/** Submitters: signed-in learners, each with a first attempt started through the app and its correct answers. */
export interface Submitter {
  cookie: string;
  attemptId: number;
  /** The form of that attempt (its clones share it), correct answers and the session's CSRF token. */
  body: string;
}

export function submissionQueue(
  prisma: PrismaClient,
  attemptsPath: string,
  submitters: readonly Submitter[],
): Queue {
  const ids: number[] = [];
  const owners: number[] = [];
  const byUserAttempt = new Map(submitters.map((s, i) => [s.attemptId, i]));
  let ownerOfUser: Map<number, number> | null = null;
  let cursor = 0;
  let dry = false;
  return {
    name: 'submission',
    taken: () => Math.min(cursor, ids.length),
    remaining: () => ids.length - cursor,
    ranDry: () => dry,
    next() {
      if (cursor >= ids.length) return ((dry = true), exhausted('submissions'));
      const i = cursor++;
      const who = submitters[owners[i]!]!;
      return { method: 'POST', path: `${attemptsPath}/${ids[i]}`, headers: form(who.cookie), body: who.body };
    },
    async topUp(count) {
      if (!ownerOfUser) {
        const firsts = await prisma.attempt.findMany({
          where: { id: { in: submitters.map((s) => s.attemptId) } },
          select: { id: true, userId: true },
        });
        ownerOfUser = new Map(firsts.map((a) => [a.userId, byUserAttempt.get(a.id)!]));
      }
      const perSubmitter = Math.max(1, Math.ceil(count / submitters.length));
      const added = await cloneAttemptsInProgress(
        prisma,
        submitters.map((s) => s.attemptId),
        perSubmitter,
      );
      for (const attempt of added) {
        ids.push(attempt.id);
        owners.push(ownerOfUser.get(attempt.userId)!);
      }
      // Thousands of rows just appeared: the statistics autovacuum would keep in production.
      await prisma.$executeRaw`ANALYZE attempts, attempt_responses`;
    },
  };
}

/**
 * Learners ready to claim: copies of the template learner (passed attempt, evaluation), each signed in with a copy
 * of the template's session. Each claims the full credit once, attesting, with the session's CSRF token.
 */
export function claimQueue(
  prisma: PrismaClient,
  options: {
    claimPath: string;
    template: Template;
    templateCookie: string;
    csrf: string;
    amount: string;
    sessionSecret: string;
  },
): Queue {
  const cookies: string[] = [];
  const body = new URLSearchParams({ attest: 'on', amount: options.amount, _csrf: options.csrf }).toString();
  let cursor = 0;
  let dry = false;
  return {
    name: 'claim',
    taken: () => Math.min(cursor, cookies.length),
    remaining: () => cookies.length - cursor,
    ranDry: () => dry,
    next() {
      if (cursor >= cookies.length) return ((dry = true), exhausted('claims'));
      return { method: 'POST', path: options.claimPath, headers: form(cookies[cursor++]!), body };
    },
    async topUp(count) {
      const userIds = await cloneClaimReady(prisma, options.template, count);
      cookies.push(...(await copySessions(prisma, options.templateCookie, userIds, options.sessionSecret)));
    },
  };
}
