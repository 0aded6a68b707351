// Who takes part in the mixed load, prepared through the real app (an instance of it) wherever that is affordable:
//  - readers: learners signed in through /login, each having opened every lesson (the lesson and heartbeat load);
//  - submitters: signed-in learners who opened every lesson and started a post-test attempt through the app; their
//    attempt is cloned for the submission queue (queues.ts);
//  - one template learner who goes the whole way over HTTP (lessons, post-test passed, evaluation, claim): the claim
//    queue's learners and the month of completion records (verifications, export) are copies of its rows;
//  - an educator (item analysis) and an admin (export), signed in, their role given as an admin would;
//  - scored attempts in bulk (attempts-at-scale.ts), so that the item analysis reads a realistic bank history.
import type { PrismaClient } from '../../../server/generated/prisma/client';
import { growScoredAttempts } from '../attempts-at-scale';
import { ACTIVITY_SLUG, inBatches } from '../bench';
import { signInLearners, type SignedInLearner } from '../learners';
import { cloneCompletions, type Template } from './clones';
import { claimQueue, submissionQueue, type Queue, type Submitter } from './queues';

export const activityPath = `/activities/${ACTIVITY_SLUG}`;
const attemptsPath = `${activityPath}/post-test/attempts`;

export interface CastSizes {
  readers: number;
  submitters: number;
  /** Completion records of the last month (certificates to verify, rows of the export). */
  records: number;
  /** Scored attempts of the activity before the load (the item analysis's history). */
  scoredAttempts: number;
}

export interface Cast {
  lessonPaths: string[];
  readers: SignedInLearner[];
  educator: SignedInLearner;
  admin: SignedInLearner;
  codes: string[];
  /** The admins' CSV of the completion records of the month before today. */
  exportPath: string;
  submissions: Queue;
  claims: Queue;
}

const form = (cookie: string) => ({ cookie, 'content-type': 'application/x-www-form-urlencoded' });

/** One request the preparation relies on: its status must be `expected`. Returns the response. */
async function must(expected: number, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  if (response.status !== expected) {
    const body = await response.text();
    throw new Error(
      `${init.method ?? 'GET'} ${url}: ${response.status}, not ${expected}\n${body.slice(0, 400)}`,
    );
  }
  return response;
}

async function openEveryLesson(url: string, learners: SignedInLearner[], lessonPaths: string[]) {
  const visits = learners.flatMap((learner) => lessonPaths.map((path) => ({ learner, path })));
  await inBatches(visits, 8, async ({ learner, path }) => {
    await (await must(200, `${url}${path}`, { headers: { cookie: learner.cookie } })).arrayBuffer();
  });
}

/** Starts a post-test attempt as the learner; returns its id and the form of correct answers. */
async function startWithAnswers(prisma: PrismaClient, url: string, learner: SignedInLearner) {
  const started = await must(303, `${url}${attemptsPath}`, {
    method: 'POST',
    headers: form(learner.cookie),
    body: new URLSearchParams({ _csrf: learner.csrf }).toString(),
  });
  const attemptId = Number(/attempts\/(\d+)$/.exec(started.headers.get('location') ?? '')?.[1]);
  if (!attemptId) throw new Error(`starting a post-test redirected to ${started.headers.get('location')}`);
  const responses = await prisma.attemptResponse.findMany({
    where: { attemptId },
    orderBy: { position: 'asc' },
    select: { position: true, itemVersion: { select: { correct: true } } },
  });
  const answers = new URLSearchParams();
  for (const response of responses)
    for (const id of response.itemVersion.correct) answers.append(`q${response.position}`, id);
  answers.append('_csrf', learner.csrf);
  return { attemptId, body: answers.toString() };
}

/** The template learner: post-test passed, evaluation sent and credit claimed, all through the app. */
async function completeThroughTheApp(
  prisma: PrismaClient,
  url: string,
  learner: SignedInLearner,
  activityId: number,
  amount: string,
): Promise<Template> {
  const { attemptId, body } = await startWithAnswers(prisma, url, learner);
  await must(303, `${url}${attemptsPath}/${attemptId}`, {
    method: 'POST',
    headers: form(learner.cookie),
    body,
  });
  const objectives = await prisma.objective.findMany({ where: { activityId }, select: { code: true } });
  const evaluation = new URLSearchParams({
    relevance: '5',
    freeOfBias: 'yes',
    intendedChange: 'Refer solid renal masses with atypical features for core biopsy before surgery.',
    overallQuality: '5',
    _csrf: learner.csrf,
  });
  for (const { code } of objectives) evaluation.append(`objective_${code}`, '5');
  const headers = form(learner.cookie);
  await must(303, `${url}${activityPath}/evaluation`, {
    method: 'POST',
    headers,
    body: evaluation.toString(),
  });
  const claim = new URLSearchParams({ attest: 'on', amount, _csrf: learner.csrf }).toString();
  await must(303, `${url}${activityPath}/claim`, { method: 'POST', headers, body: claim });
  const made = await prisma.creditClaim.findUniqueOrThrow({
    where: { userId_activityId: { userId: learner.userId, activityId } },
    select: { id: true, attemptId: true, evaluationId: true, certificates: { select: { code: true } } },
  });
  if (made.certificates.length !== 1) throw new Error('the template claim issued no certificate');
  return {
    userId: learner.userId,
    attemptId: made.attemptId,
    evaluationId: made.evaluationId,
    claimId: made.id,
  };
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export async function prepareCast(
  options: { prisma: PrismaClient; databaseUrl: string; sessionSecret: string; log: (line: string) => void },
  url: string,
  sizes: CastSizes,
): Promise<Cast> {
  const { prisma, log } = options;
  const activity = await prisma.activity.findUniqueOrThrow({
    where: { slug: ACTIVITY_SLUG },
    select: { id: true, maxCredits: true, lessons: { select: { position: true, slug: true } } },
  });
  const lessonPaths = activity.lessons
    .sort((a, b) => a.position - b.position)
    .map((lesson) => `${activityPath}/lessons/${lesson.position}-${lesson.slug}`);
  const amount = String(Number(activity.maxCredits));

  const signedIn = await signInLearners(url, prisma, sizes.readers + sizes.submitters + 3);
  const [educator, admin, template] = signedIn.splice(0, 3) as [
    SignedInLearner,
    SignedInLearner,
    SignedInLearner,
  ];
  const readers = signedIn.splice(0, sizes.readers);
  const submitting = signedIn;
  await prisma.user.update({ where: { id: educator.userId }, data: { role: 'educator' } });
  await prisma.user.update({ where: { id: admin.userId }, data: { role: 'admin' } });
  log(`  ${readers.length + submitting.length + 3} learners signed in through /login; opening every lesson`);
  await openEveryLesson(url, [...readers, ...submitting, template], lessonPaths);

  const templateRows = await completeThroughTheApp(prisma, url, template, activity.id, amount);
  const codes = await cloneCompletions(prisma, templateRows, sizes.records, 30);
  log(
    `  ${codes.length} completion records with certificates over the last 30 days (copies of one made by the app)`,
  );
  const growth = await growScoredAttempts(options.databaseUrl, activity.id, sizes.scoredAttempts, () => {});
  if (growth.added > 0) await prisma.$executeRaw`VACUUM ANALYZE attempts, attempt_responses`;
  log(`  scored attempts for the item analysis: ${sizes.scoredAttempts} (${growth.added} added)`);

  const submitters: Submitter[] = await inBatches(submitting, 4, async (learner) => ({
    cookie: learner.cookie,
    ...(await startWithAnswers(prisma, url, learner)),
  }));
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86_400_000);
  const yesterday = new Date(today.getTime() - 86_400_000);
  return {
    lessonPaths,
    readers,
    educator,
    admin,
    codes,
    exportPath: `/admin/exports/records.csv?from=${isoDay(monthAgo)}&to=${isoDay(yesterday)}`,
    submissions: submissionQueue(prisma, attemptsPath, submitters),
    claims: claimQueue(prisma, {
      claimPath: `${activityPath}/claim`,
      template: templateRows,
      templateCookie: template.cookie,
      csrf: template.csrf,
      amount,
      sessionSecret: options.sessionSecret,
    }),
  };
}
