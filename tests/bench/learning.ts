// The learner's side of the issue, measured: post-test submissions under many concurrent learners (against a bare
// Express route doing one INSERT through pg), certificate PDF generation, and the public verification page.
//
// Everything here only prepares state, measures and formats; run.ts (or learning-run.ts) decides the order.
// autocannon runs in a worker thread, so per-request logic (the next unused attempt, a rotating client address)
// lives in small CommonJS modules written to a temp dir at run time and loaded by path in that thread.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { Pool } from 'pg';
import { hashPassword } from '../../server/auth/passwords';
import { createCatalogue } from '../../server/catalogue/service';
import type { ActivityView } from '../../server/catalogue/view-model';
import { renderCertificatePdf } from '../../server/certificates/pdf';
import type { CertificateSnapshot } from '../../server/certificates/snapshot';
import { loadContent } from '../../server/content/load';
import { createCreditService } from '../../server/credit/service';
import type { PrismaClient } from '../../server/generated/prisma/client';
import type { Cleanup } from './cleanup';
import { realApp } from './servers';
import { measure, type Measurement, type Target } from './measure';

export const ACTIVITY_SLUG = 'renal-leiomyosarcoma';
const postTestPath = `/activities/${ACTIVITY_SLUG}/post-test`;
const benchPassword = 'bench learner passphrase 2026';

/** A temp dir for the generated worker modules, removed at cleanup. */
function tempDir(cleanup: Cleanup, label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cme-bench-${label}-`));
  cleanup.add(`remove ${dir}`, async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------------------------
// Apps

/**
 * The real app trusting one proxy, so that X-Forwarded-For sets req.ip: /verify/:code is limited to 120 requests a
 * minute per IP, so a load test from one address needs the requests to come "from" many addresses.
 */
export const proxiedApp = (options: { projectRoot: string; databaseUrl: string }, cleanup: Cleanup) =>
  realApp({ ...options, trustProxy: 1 }, cleanup);

/**
 * The baseline for submissions: a bare Express 5 app whose POST /insert parses the same form body and does one
 * INSERT through pg (pool of 10, like the app's Prisma pool). Creates the table bench_inserts.
 */
export async function insertBaselineApp(databaseUrl: string, cleanup: Cleanup): Promise<express.Express> {
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => {}); // idle connections cut when the bench database stops
  cleanup.add('end the insert baseline pool', () => pool.end());
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, payload text NOT NULL, ' +
      'created_at timestamptz NOT NULL DEFAULT now())',
  );
  const app = express();
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  app.post('/insert', async (req, res) => {
    await pool.query('INSERT INTO bench_inserts(payload) VALUES ($1)', [JSON.stringify(req.body)]);
    res.sendStatus(204);
  });
  return app;
}

/** A form body the size and shape of a post-test submission (12 answers, one multiple-response, a CSRF token). */
export const sampleSubmissionBody =
  'q1=A&q2=C&q3=B&q4=D&q5=A&q5=C&q6=B&q7=D&q8=A&q9=C&q10=B&q11=D&q12=A&_csrf=' + 'f'.repeat(128);

/** The INSERT baseline as a plain Target (204 answers, so it fits run.ts's scenario loop and checkTarget). */
export function insertTarget(baseUrl: string, body = sampleSubmissionBody): Target {
  return {
    url: `${baseUrl}/insert`,
    options: {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Signing in over HTTP, like a browser

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

export interface SignedIn {
  /** The Cookie header value (cme.sid). */
  cookie: string;
  /** The session's CSRF synchroniser token, valid for every form of that session. */
  csrf: string;
}

/** GET /login, POST /login (302), then GET /account for the signed-in session's CSRF token. */
export async function signInOverHttp(
  appUrl: string,
  email: string,
  password: string,
  forwardedFor?: string,
): Promise<SignedIn> {
  const jar = new CookieJar();
  const headers = (): Record<string, string> => ({
    cookie: jar.header(),
    ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
  });
  const loginPage = await fetch(`${appUrl}/login`, { headers: headers(), redirect: 'manual' });
  jar.update(loginPage);
  const loginCsrf = csrfTokenIn(await loginPage.text(), '/login');
  const login = await fetch(`${appUrl}/login`, {
    method: 'POST',
    headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: loginCsrf }).toString(),
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

// ---------------------------------------------------------------------------------------------------------------
// 1. Post-test submissions

export interface SubmissionBenchOptions {
  /** Base URL of the real app (sessions are signed with its secret, so sign-ins go to it). */
  appUrl: string;
  prisma: PrismaClient;
  cleanup: Cleanup;
  /** Distinct signed-in learners; default 50. */
  learners?: number;
  /** Seconds of load the attempts must last for, warm-ups included (e.g. warmup + duration). */
  seconds: number;
  /** Submissions/s to provision for; twice this × seconds attempts are created. Default 400. */
  expectedPerSecond?: number;
}

export interface SubmissionBench {
  /**
   * POSTs of the correct answers, each to the next unused in-progress attempt with its learner's cookie and
   * CSRF token. Expect 303 (to the result page). Do NOT pass it to checkTarget (it is not a 2xx and would use an
   * attempt): prepareSubmissionBench already submitted one attempt the same way and checked it was scored.
   */
  target: Target;
  learners: number;
  /** In-progress attempts queued for the load. */
  attempts: number;
  /** Attempts the load generator has taken so far (≥ attempts means the queue ran out). */
  used(): number;
  /** Attempts scored with submitted_at in [from, to]. */
  scoredBetween(from: Date, to: Date): Promise<number>;
  /**
   * Waits until no more attempts get scored (requests still in the server when autocannon stopped), at most
   * `maxMs`, so that the next phase starts on an idle server and cleanup never ends a pool under a request.
   */
  settle(maxMs?: number): Promise<void>;
  /** Seconds the preparation took, for the report. */
  preparedInSeconds: number;
}

/**
 * Prepares the submission load: K learners (inserted directly, signed in over HTTP), all lessons viewed, one
 * attempt per learner started through POST …/post-test/attempts, then cloned in SQL into enough in-progress
 * attempts (same items, positions and option order, numbers 2…n+1) that the load never runs out.
 */
export async function prepareSubmissionBench(options: SubmissionBenchOptions): Promise<SubmissionBench> {
  const started = performance.now();
  const { appUrl, prisma } = options;
  const count = options.learners ?? 50;
  const perLearner = Math.max(
    4,
    Math.ceil((2 * (options.expectedPerSecond ?? 400) * options.seconds) / count),
  );
  const activity = await prisma.activity.findUniqueOrThrow({
    where: { slug: ACTIVITY_SLUG },
    select: { id: true, lessons: { select: { id: true } } },
  });

  // Learners, inserted directly with one shared Argon2id hash.
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
  const userIds = emails.map((email) => idOf.get(email)!);

  // Every lesson viewed, so the post-test is unlocked.
  const now = new Date();
  await prisma.lessonView.createMany({
    data: userIds.flatMap((userId) =>
      activity.lessons.map((lesson) => ({
        userId,
        lessonId: lesson.id,
        firstViewedAt: now,
        lastViewedAt: now,
        secondsSpent: 120,
      })),
    ),
  });

  // Sign-ins over HTTP. /login allows 60 per 15 min per IP, and the real app trusts no proxy, so every sign-in
  // counts against 127.0.0.1: when the throttle answers 429, its counter (bench database only) is reset.
  let throttleResets = 0;
  const sessions = await inBatches(emails, 4, async (email, i) => {
    for (let tries = 0; ; tries++) {
      try {
        return await signInOverHttp(appUrl, email, benchPassword, `10.200.${i >> 8}.${i & 255}`);
      } catch (error) {
        if (!(error instanceof LoginThrottled) || tries > 2) throw error;
        throttleResets++;
        await prisma.$executeRaw`DELETE FROM rate_limits WHERE key LIKE 'ip_login:%'`;
      }
    }
  });

  // One attempt per learner through the real route.
  const firstAttempts = await inBatches(sessions, 4, async (session) => {
    const res = await fetch(`${appUrl}${postTestPath}/attempts`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: session.csrf }).toString(),
      redirect: 'manual',
    });
    await res.arrayBuffer();
    const location = res.headers.get('location') ?? '';
    const id = /attempts\/(\d+)$/.exec(location)?.[1];
    if (res.status !== 303 || !id)
      throw new Error(`starting a post-test answered ${res.status} (location "${location}"), not 303`);
    return Number(id);
  });

  // The correct answers of each learner's form (clones share it), form-encoded with the session's token.
  const bodies = await Promise.all(
    firstAttempts.map(async (attemptId, i) => {
      const responses = await prisma.attemptResponse.findMany({
        where: { attemptId },
        orderBy: { position: 'asc' },
        select: { position: true, itemVersion: { select: { correct: true } } },
      });
      const form = new URLSearchParams();
      for (const response of responses)
        for (const id of response.itemVersion.correct) form.append(`q${response.position}`, id);
      form.append('_csrf', sessions[i]!.csrf);
      return form.toString();
    }),
  );

  // Clones: numbers 2…perLearner+1, the same 12 responses (item version, position, option order).
  await prisma.$executeRaw`
    WITH source AS (
      SELECT id, user_id, activity_id, number, item_count, passing_score_percent
      FROM attempts WHERE id = ANY(${firstAttempts}::int[])
    ), cloned AS (
      INSERT INTO attempts (user_id, activity_id, number, item_count, passing_score_percent)
      SELECT s.user_id, s.activity_id, s.number + g, s.item_count, s.passing_score_percent
      FROM source s CROSS JOIN generate_series(1, ${perLearner}::int) AS g
      RETURNING id, user_id
    )
    INSERT INTO attempt_responses (attempt_id, item_version_id, position, option_order)
    SELECT c.id, r.item_version_id, r.position, r.option_order
    FROM cloned c JOIN source s ON s.user_id = c.user_id JOIN attempt_responses r ON r.attempt_id = s.id`;

  // Tens of thousands of rows just appeared: give the planner the statistics autovacuum keeps in production.
  await prisma.$executeRaw`ANALYZE attempts, attempt_responses`;

  // The queue, round-robin over learners so that concurrent requests are mostly different learners.
  const clones = await prisma.attempt.findMany({
    where: { userId: { in: userIds }, status: 'in_progress', id: { notIn: firstAttempts } },
    select: { id: true, userId: true },
    orderBy: [{ number: 'asc' }, { userId: 'asc' }],
  });
  const learnerIndex = new Map(userIds.map((id, i) => [id, i]));
  const dir = tempDir(options.cleanup, 'submissions');
  const dataFile = path.join(dir, 'queue.json');
  const cursorFile = path.join(dir, 'cursor');
  fs.writeFileSync(
    dataFile,
    JSON.stringify({
      pathPrefix: `${postTestPath}/attempts/`,
      ids: clones.map((c) => c.id),
      learner: clones.map((c) => learnerIndex.get(c.userId)!),
      cookies: sessions.map((s) => s.cookie),
      bodies,
    }),
  );
  fs.writeFileSync(cursorFile, '0');
  const modulePath = path.join(dir, 'next-submission.js');
  // Each autocannon run (warm-up, measurement) loads this module afresh in a new worker: the shared cursor file
  // makes every run continue where the previous one stopped. Attempts are claimed in blocks of 32.
  fs.writeFileSync(
    modulePath,
    `'use strict';
const fs = require('fs');
const data = JSON.parse(fs.readFileSync(${JSON.stringify(dataFile)}, 'utf8'));
const cursorFile = ${JSON.stringify(cursorFile)};
const BLOCK = 32;
let next = 0;
let end = 0;
module.exports = function nextSubmission(req) {
  if (next >= end) {
    next = Number(fs.readFileSync(cursorFile, 'utf8'));
    end = next + BLOCK;
    fs.writeFileSync(cursorFile, String(end));
  }
  const i = next++;
  if (i >= data.ids.length) {
    // Out of attempts: a 404 that the report counts, rather than resubmitting a scored attempt.
    return Object.assign(req, { method: 'GET', path: '/bench-attempts-exhausted', body: '', headers: {} });
  }
  const who = data.learner[i];
  return Object.assign(req, {
    method: 'POST',
    path: data.pathPrefix + data.ids[i],
    headers: { cookie: data.cookies[who], 'content-type': 'application/x-www-form-urlencoded' },
    body: data.bodies[who],
  });
};
`,
  );

  // One submission exactly as the load sends it (learner 0's started attempt): 303 to the result, scored, passed.
  const check = await fetch(`${appUrl}${postTestPath}/attempts/${firstAttempts[0]}`, {
    method: 'POST',
    headers: { cookie: sessions[0]!.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: bodies[0],
    redirect: 'manual',
  });
  const checkBody = await check.text();
  if (check.status !== 303)
    throw new Error(`checking a submission: ${check.status}, not 303:\n${checkBody.slice(0, 500)}`);
  const checked = await prisma.attempt.findUniqueOrThrow({ where: { id: firstAttempts[0]! } });
  if (checked.status !== 'scored' || !checked.passed || checked.correctCount !== checked.itemCount)
    throw new Error(`the checked submission was not scored 100 %: ${JSON.stringify(checked)}`);

  if (throttleResets > 0)
    console.log(
      `  (login throttle for 127.0.0.1 reset ${throttleResets}× in the bench database while signing in)`,
    );
  return {
    target: {
      url: `${appUrl}${postTestPath}`,
      options: { requests: [{ setupRequest: modulePath }] },
    },
    learners: count,
    attempts: clones.length,
    used: () => Number(fs.readFileSync(cursorFile, 'utf8')),
    async scoredBetween(from, to) {
      return prisma.attempt.count({
        where: { userId: { in: userIds }, status: 'scored', submittedAt: { gte: from, lte: to } },
      });
    },
    async settle(maxMs = 10_000) {
      const scored = () => prisma.attempt.count({ where: { userId: { in: userIds }, status: 'scored' } });
      const deadline = Date.now() + maxMs;
      let last = await scored();
      while (Date.now() < deadline) {
        await sleep(250);
        const now = await scored();
        if (now === last) return;
        last = now;
      }
    },
    preparedInSeconds: (performance.now() - started) / 1000,
  };
}

export interface SubmissionResult {
  measurement: Measurement;
  /** Seconds of the measured run (autocannon's duration setting). */
  duration: number;
  /** Attempts whose submitted_at falls inside the measured run, counted in the database. */
  scored: number;
  scoredPerSecond: number;
  /** 303 answers (the success of this route). */
  redirects303: number;
  /** True when the load took more attempts than were queued (404s then; raise expectedPerSecond). */
  exhausted: boolean;
  /** Errors, timeouts, answers other than 303, running out: empty when the run is sound. */
  problems: string[];
}

/** One autocannon run of the submission load, then the scored count from the database. */
export async function measureSubmissions(
  bench: SubmissionBench,
  settings: { duration: number; connections: number },
): Promise<SubmissionResult> {
  const from = new Date();
  const measurement = await measure(bench.target, settings);
  const to = new Date();
  await bench.settle();
  // Counted by submitted_at: requests still in flight at the end and committed after `to` are left out.
  const scored = await bench.scoredBetween(from, to);
  const redirects303 = measurement.statusCodes['303'] ?? 0;
  const exhausted = bench.used() > bench.attempts && (measurement.statusCodes['404'] ?? 0) > 0;
  const problems: string[] = [];
  if (measurement.errors > 0)
    problems.push(`${measurement.errors} errored requests (${measurement.timeouts} timeouts)`);
  const others = Object.entries(measurement.statusCodes).filter(([code]) => code !== '303');
  if (others.length > 0)
    problems.push(`answers other than 303: ${others.map(([code, n]) => `${n}× ${code}`).join(', ')}`);
  if (exhausted)
    problems.push(`ran out of the ${bench.attempts} prepared attempts (raise expectedPerSecond)`);
  return {
    measurement,
    duration: settings.duration,
    scored,
    scoredPerSecond: scored / settings.duration,
    redirects303,
    exhausted,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates: a real claim, the PDF, the verification page

/** The activity as the app shapes it (the catalogue's view), for building a certificate. */
export async function loadActivityView(prisma: PrismaClient, projectRoot: string): Promise<ActivityView> {
  const content = loadContent(path.join(projectRoot, 'content'));
  const activity = await createCatalogue(prisma, content.provider).find(ACTIVITY_SLUG);
  if (!activity) throw new Error(`activity ${ACTIVITY_SLUG} is not in the database (content not synced?)`);
  return activity;
}

export interface BenchCertificate {
  code: string;
  snapshot: CertificateSnapshot;
  /** Path of the public verification page. */
  verifyPath: string;
  learnerName: string;
}

/**
 * A certificate issued the way the app issues one: a physician (AMA PRA credit, the italic designation) with a
 * passed attempt and an evaluation inserted directly, then the credit service's claim, which freezes the full
 * snapshot and creates the claim and certificate rows in one transaction.
 */
export async function prepareVerification(
  prisma: PrismaClient,
  projectRoot: string,
): Promise<BenchCertificate> {
  const activity = await loadActivityView(prisma, projectRoot);
  const learnerName = 'Zoë Bench-Verifier';
  const user = await prisma.user.create({
    data: {
      email: `bench.verifier.${crypto.randomBytes(4).toString('hex')}@example.org`,
      passwordHash: null,
      fullName: learnerName,
      profession: 'physician',
      degree: 'MD',
    },
  });
  const submittedAt = new Date();
  await prisma.attempt.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      number: 1,
      status: 'scored',
      startedAt: submittedAt,
      submittedAt,
      itemCount: activity.postTest.itemCount,
      correctCount: activity.postTest.itemCount,
      scorePercent: 100,
      passed: true,
      passingScorePercent: activity.postTest.passingScorePercent,
    },
  });
  await prisma.evaluation.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      objectiveRatings: Object.fromEntries(activity.objectives.map((o) => [o.code, 5])),
      relevance: 5,
      freeOfBias: true,
      biasComment: null,
      intendedChange: 'Refer solid renal masses with atypical features for image-guided core biopsy.',
      overallQuality: 5,
    },
  });
  const claim = await createCreditService({ prisma }).claim(user.id, activity, Number(activity.credits));
  if (!claim.certificate) throw new Error('the claim created no certificate');
  const certificate = await prisma.certificate.findUniqueOrThrow({ where: { code: claim.certificate.code } });
  return {
    code: certificate.code,
    snapshot: certificate.snapshot as unknown as CertificateSnapshot,
    verifyPath: `/verify/${certificate.code}`,
    learnerName,
  };
}

export interface PdfTimings {
  iterations: number;
  warmup: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
  /** Size of one PDF, bytes. */
  bytes: number;
}

/** renderCertificatePdf called directly, one at a time: `warmup` untimed calls, then `iterations` timed ones (ms). */
export async function measurePdf(
  certificate: Pick<BenchCertificate, 'snapshot' | 'code'>,
  settings: { iterations?: number; warmup?: number; verifyUrl?: string } = {},
): Promise<PdfTimings> {
  const iterations = settings.iterations ?? 300;
  const warmup = settings.warmup ?? 20;
  const verifyUrl = settings.verifyUrl ?? `https://cme.example.org/verify/${certificate.code}`;
  let bytes = 0;
  for (let i = 0; i < warmup; i++)
    await renderCertificatePdf(certificate.snapshot, certificate.code, verifyUrl);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    const pdf = await renderCertificatePdf(certificate.snapshot, certificate.code, verifyUrl);
    times.push(performance.now() - start);
    bytes = pdf.length;
  }
  times.sort((a, b) => a - b);
  return {
    iterations,
    warmup,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    mean: times.reduce((sum, t) => sum + t, 0) / times.length,
    min: times[0]!,
    max: times.at(-1)!,
    bytes,
  };
}

/**
 * GET /verify/<code> against an app built with trustProxy: 1 (proxiedApp), each request "from" another address
 * in 10.<subnet>.0.0/16 through X-Forwarded-For, so the 120/min per-IP limit never applies (65,536 addresses in
 * turn: a few hits each per run). The in-memory throttle still counts every request, as in production.
 * With one code, every request after the first is answered from the visitors' page cache (10 s); with more codes
 * than the cache holds (2,000), visited in a cycle, none is: each pays the database lookup and the render.
 */
function verificationLoad(
  proxiedAppUrl: string,
  certificate: BenchCertificate,
  codes: readonly string[],
  subnet: number,
  cleanup: Cleanup,
): Target {
  const dir = tempDir(cleanup, `verify-${subnet}`);
  const modulePath = path.join(dir, 'next-request.js');
  fs.writeFileSync(
    modulePath,
    `'use strict';
const codes = ${JSON.stringify(codes)};
let n = Math.floor(Math.random() * 65536);
module.exports = function nextRequest(req) {
  n = (n + 1) & 65535;
  req.path = '/verify/' + codes[n % codes.length];
  req.headers = Object.assign({}, req.headers, { 'x-forwarded-for': '10.${subnet}.' + (n >> 8) + '.' + (n & 255) });
  return req;
};
`,
  );
  return {
    url: `${proxiedAppUrl}/verify/${codes[0]}`,
    expectText: certificate.learnerName,
    options: {
      // Used by checkTarget's single request; the module replaces it on every loaded request.
      headers: { 'x-forwarded-for': `10.${subnet + 100}.255.254` },
      requests: [{ setupRequest: modulePath }],
    },
  };
}

/** The verification page of one certificate, again and again. */
export const verificationTarget = (proxiedAppUrl: string, certificate: BenchCertificate, cleanup: Cleanup) =>
  verificationLoad(proxiedAppUrl, certificate, [certificate.code], 0, cleanup);

/** The verification pages of `codes` in turn, none from the page cache. */
export const coldVerificationTarget = (
  proxiedAppUrl: string,
  certificate: BenchCertificate,
  codes: readonly string[],
  cleanup: Cleanup,
) => verificationLoad(proxiedAppUrl, certificate, codes, 2, cleanup);

/**
 * `count` more certificates like `source`, each with its own learner, attempt, evaluation and claim (inserted in
 * one statement), so that verification can be measured on codes that are never in the page cache.
 */
export async function cloneCertificates(
  prisma: PrismaClient,
  source: BenchCertificate,
  count: number,
): Promise<string[]> {
  const run = crypto.randomBytes(4).toString('hex');
  const rows = await prisma.$queryRaw<{ code: string }[]>`
    WITH src AS (
      SELECT c.id AS claim_id, c.user_id, c.attempt_id, c.evaluation_id
      FROM certificates ce JOIN credit_claims c ON c.id = ce.claim_id WHERE ce.code = ${source.code}
    ), new_users AS (
      INSERT INTO users (email, full_name, profession, degree, updated_at)
      SELECT 'bench.cold.' || ${run} || '.' || g || '@example.org', u.full_name, u.profession, u.degree, now()
      FROM src JOIN users u ON u.id = src.user_id CROSS JOIN generate_series(1, ${count}::int) AS g
      RETURNING id
    ), new_attempts AS (
      INSERT INTO attempts (user_id, activity_id, number, status, started_at, submitted_at, item_count,
        correct_count, score_percent, passed, passing_score_percent)
      SELECT nu.id, a.activity_id, 1, a.status, a.started_at, a.submitted_at, a.item_count, a.correct_count,
        a.score_percent, a.passed, a.passing_score_percent
      FROM new_users nu CROSS JOIN src JOIN attempts a ON a.id = src.attempt_id
      RETURNING id, user_id
    ), new_evaluations AS (
      INSERT INTO evaluations (user_id, activity_id, objective_ratings, relevance, free_of_bias, bias_comment,
        intended_change, overall_quality)
      SELECT nu.id, e.activity_id, e.objective_ratings, e.relevance, e.free_of_bias, e.bias_comment,
        e.intended_change, e.overall_quality
      FROM new_users nu CROSS JOIN src JOIN evaluations e ON e.id = src.evaluation_id
      RETURNING id, user_id
    ), new_claims AS (
      INSERT INTO credit_claims (user_id, activity_id, attempt_id, evaluation_id, credit_code, credit_label,
        amount, max_amount, completed_at, learner)
      SELECT na.user_id, c.activity_id, na.id, ne.id, c.credit_code, c.credit_label, c.amount, c.max_amount,
        c.completed_at, c.learner
      FROM new_attempts na JOIN new_evaluations ne ON ne.user_id = na.user_id
      CROSS JOIN src JOIN credit_claims c ON c.id = src.claim_id
      RETURNING id
    )
    INSERT INTO certificates (claim_id, code, snapshot, issued_at)
    SELECT nc.id, md5(random()::text || clock_timestamp()::text || nc.id), ce.snapshot, ce.issued_at
    FROM new_claims nc CROSS JOIN certificates ce WHERE ce.code = ${source.code}
    RETURNING code`;
  await prisma.$executeRaw`ANALYZE users, attempts, evaluations, credit_claims, certificates`;
  return rows.map((row) => row.code);
}

/**
 * Shows the limit on an app that trusts no proxy (realApp): `requests` GETs of /verify/<code> from 127.0.0.1,
 * by status. Run it last: it spends 127.0.0.1's verify allowance for a minute.
 */
export async function probeVerifyLimit(
  appUrl: string,
  certificate: BenchCertificate,
  requests = 130,
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  await inBatches(
    Array.from({ length: requests }, (_, i) => i),
    8,
    async () => {
      const res = await fetch(`${appUrl}${certificate.verifyPath}`, { redirect: 'manual' });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    },
  );
  return statuses;
}

// ---------------------------------------------------------------------------------------------------------------
// Report lines

const statusList = (m: Measurement) =>
  Object.entries(m.statusCodes)
    .map(([code, n]) => `${n}× ${code}`)
    .join(', ') || 'none';

const verdict = (met: boolean) => (met ? 'met' : 'below target');

export function submissionLines(
  result: SubmissionResult,
  insert: Measurement | undefined,
  target = 0.4,
): string[] {
  const m = result.measurement;
  const codes = Object.entries(m.statusCodes);
  const count = (test: (code: number) => boolean) =>
    codes.filter(([code]) => test(Number(code))).reduce((sum, [, n]) => sum + n, 0);
  return [
    `post-test submissions: ${result.scored} attempts scored in ${result.duration} s = ${result.scoredPerSecond.toFixed(1)} scored/s ` +
      `(database count of submitted_at inside the run)`,
    `  requests: ${m.requestsPerSecond.toFixed(1)} req/s, p50 ${m.latencyP50} ms, p99 ${m.latencyP99} ms, ` +
      `${m.requests} answered: 2xx ${count((c) => c < 300)}, 3xx ${count((c) => c >= 300 && c < 400)} ` +
      `(303: ${result.redirects303}), 4xx ${count((c) => c >= 400 && c < 500)}, 5xx ${count((c) => c >= 500)}, ` +
      `errors ${m.errors}`,
    ...(insert
      ? insertComparison(result, insert, target)
      : ['  (no ratio: the insert scenario was not run)']),
  ];
}

function insertComparison(result: SubmissionResult, insert: Measurement, target: number): string[] {
  const ratio = result.scoredPerSecond / insert.requestsPerSecond;
  return [
    `  baseline INSERT route: ${insert.requestsPerSecond.toFixed(1)} req/s, p50 ${insert.latencyP50} ms, ` +
      `p99 ${insert.latencyP99} ms (${statusList(insert)})`,
    `ratio scored submissions/s ÷ INSERT req/s: ${ratio.toFixed(2)}  target ≥ ${target.toFixed(2)}  ${verdict(ratio >= target)}`,
  ];
}

export function pdfLines(timings: PdfTimings, targetP50 = 20): string[] {
  return [
    `certificate PDF (renderCertificatePdf, ${timings.iterations} calls after ${timings.warmup} warm-up, one at a time): ` +
      `p50 ${timings.p50.toFixed(1)} ms, p99 ${timings.p99.toFixed(1)} ms, mean ${timings.mean.toFixed(1)} ms, ` +
      `min ${timings.min.toFixed(1)} ms, max ${timings.max.toFixed(1)} ms, ${timings.bytes} bytes`,
    `p50 ${timings.p50.toFixed(1)} ms  target ≤ ${targetP50} ms  ${verdict(timings.p50 <= targetP50)}`,
  ];
}

export function verificationLines(verify: Measurement, hello: Measurement, target = 0.5): string[] {
  const ratio = verify.requestsPerSecond / hello.requestsPerSecond;
  return [
    `verification page GET /verify/<code> (trustProxy 1 app, X-Forwarded-For rotating over 10.0.0.0/16): ` +
      `${verify.requestsPerSecond.toFixed(1)} req/s, p50 ${verify.latencyP50} ms, p99 ${verify.latencyP99} ms ` +
      `(${statusList(verify)}, errors ${verify.errors})`,
    `ratio verify/hello (req/s): ${ratio.toFixed(2)}  target ≥ ${target.toFixed(2)}  ${verdict(ratio >= target)}`,
  ];
}
