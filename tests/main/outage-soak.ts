// Issue 8, "Nothing lost": the real app (server/main.ts) on its embedded PostgreSQL, whose postmaster is killed
// with SIGKILL while learners submit post-tests and claim credit. The app must answer only successes or 503 with
// Retry-After, be ready again on its own, and keep every acknowledged write exactly once with nothing half-written.
//
// This module is the workload and its checks, shared with tests/main/outage.test.ts (one kill, in CI). Run directly
// it is the long version, a kill every few seconds:
//   npx tsx tests/main/outage-soak.ts
// with, optionally (defaults shown):
//   OUTAGE_SOAK_SECONDS=120 OUTAGE_SOAK_LEARNERS=40 OUTAGE_SOAK_KILL_EVERY_SECONDS=5 OUTAGE_SOAK_RETRY_PAUSE_MS=1000
//   OUTAGE_SEED=<number>     the random plan (who finishes or claims when); printed at the start
//   OUTAGE_LOG_LEVEL=info    debug adds PostgreSQL's own output, printed if it does not come back
// It prints its figures and every broken invariant, and exits 1 when there is one.
//
// Learners are physicians and nurses registered through /register. Half are "retakers": from an attempt started
// beforehand, they fail attempt after attempt (start, page, submit) and pass at a random moment, then evaluate and
// claim. The others have passed and evaluated beforehand and claim at a random moment. Every step is retried on 503
// after its Retry-After (capped); any other answer is recorded as a failure, then retried like a user would.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as cheerio from 'cheerio';
import { Client } from 'pg';
import {
  Browser,
  clusterDirOf,
  csrfTokenIn,
  embeddedDatabaseUrl,
  exitWithin,
  killAll,
  killPids,
  listening,
  logText,
  postmasterPid,
  start,
  type Started,
} from './app-process';

export const activityPath = '/activities/renal-leiomyosarcoma';
const postTestPath = `${activityPath}/post-test`;
const learnerPassword = 'correct horse battery staple';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A small seeded generator (mulberry32): the same seed gives the same plan. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------------------------

export interface OutageApp {
  server: Started;
  baseUrl: string;
  dataDir: string;
  clusterDir: string;
  /** A superuser connection string to the cme database (the port of the running postmaster). */
  databaseUrl(): string;
  /** SIGKILLs the app if it still runs, and the PostgreSQL processes of this DATA_DIR; removes DATA_DIR. */
  close(): Promise<void>;
}

export async function startApp(prefix = 'cme-outage-', logLevel = 'info'): Promise<OutageApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755); // as root, the postgres user must be able to enter it
  // Should the app crash, its stderr says with what (uncaughtExceptionMonitor changes nothing of its behaviour) and
  // from where it exited: its own fatal line may not reach the pipe before process.exit.
  const crashTrace = path.join(dataDir, 'crash-trace.cjs');
  fs.writeFileSync(
    crashTrace,
    `const { writeSync } = require('node:fs');
const { EventEmitter } = require('node:events');
const emit = EventEmitter.prototype.emit;
EventEmitter.prototype.emit = function (type, ...args) {
  if (type === 'error' && this.listenerCount('error') === 0) {
    const error = args[0];
    const state = this.constructor && this.constructor.name === 'Client'
      ? ' (pool client: ' + (typeof this.release === 'function') + ', uses ' + this._poolUseCount +
        ', options ' + JSON.stringify(this.connectionParameters && this.connectionParameters.options) +
        ', queryable ' + this._queryable + ', ending ' + this._ending + ', queued ' + (this.queryQueue || []).length +
        ', backend ' + this.processID + ', txStatus ' + this._txStatus + ')'
      : '';
    writeSync(2, '[crash-trace] error event without a listener on a ' + (this.constructor && this.constructor.name) +
      state + ': ' + (error && error.message) + '\\n' + new Error('emitted').stack + '\\n');
  }
  return emit.call(this, type, ...args);
};
process.on('uncaughtExceptionMonitor', (error, origin) => {
  const text = error && error.stack ? error.stack : String(error);
  const cause = error && error.cause ? '\\ncause: ' + (error.cause.stack || String(error.cause)) : '';
  writeSync(2, '[crash-trace] ' + origin + ': ' + text + cause + '\\n');
});
`,
  );
  const server = start({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    SHUTDOWN_GRACE_SECONDS: '5',
    // A cohort registers from one address.
    REGISTRATIONS_PER_IP_PER_HOUR: '100000',
    LOGINS_PER_IP_PER_15_MINUTES: '100000',
    // Should the app exit on its own, its stderr says from where.
    NODE_OPTIONS: `--trace-exit --require ${crashTrace}`,
  });
  const close = async () => {
    // tsx runs the app in a child node process: SIGTERM reaches it through tsx, and the app stops its PostgreSQL.
    // A SIGKILL of tsx alone would leave that process running. If it does not stop in time, it is killed by pid.
    if (server.child.exitCode === null && server.child.signalCode === null) {
      const app = childrenOf(server.child.pid!);
      server.child.kill('SIGTERM');
      if (!(await exitWithin(server, 10_000))) {
        killPids(app);
      }
    }
    await killAll(server, dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const baseUrl = await listening(server);
    const clusterDir = clusterDirOf(server);
    return {
      server,
      baseUrl,
      dataDir,
      clusterDir,
      databaseUrl: () => embeddedDatabaseUrl(dataDir, clusterDir),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The app's lines about its database, compact: the supervisor's (PostgreSQL exited, restart tries and their reason,
 * restarted) and the availability's (unreachable, reachable again), from log index `from`, timed from the first.
 */
export function supervisorLines(app: OutageApp, from: number, origin?: number): string[] {
  const lines = app.server.logs
    .slice(from)
    .filter((log) => /^embedded PostgreSQL|^database (?:unreachable|reachable)/.test(logText(log.msg)));
  const start = origin ?? Number(lines[0]?.time ?? 0);
  return lines.map((log) => {
    const fields = ['signal', 'attempt', 'attempts', 'reason', 'retryInMs', 'downtimeMs', 'postgresPid']
      .filter((field) => log[field] !== undefined && log[field] !== null)
      .map((field) => `${field}=${JSON.stringify(log[field])}`);
    return `+${((Number(log.time) - start) / 1000).toFixed(2)} s ${String(log.msg)} ${fields.join(' ')}`.trim();
  });
}

/** One server log line in one line of text: level, message, request, status, error (type, code, message, stack). */
export function compactLog(log: Record<string, unknown>): string {
  const req = log.req as { method?: string; url?: string } | undefined;
  const res = log.res as { statusCode?: number } | undefined;
  const err = log.err as { type?: string; code?: string; message?: string; stack?: string } | undefined;
  return [
    `level ${String(log.level)}`,
    JSON.stringify(log.msg ?? log.raw),
    log.reqId ? `reqId ${logText(log.reqId)}` : '',
    req ? `${req.method} ${req.url}` : '',
    res?.statusCode ? `status ${res.statusCode}` : '',
    err
      ? `err ${err.type}${err.code ? ` ${err.code}` : ''}: ${normalise(err.message ?? '')} | ` +
        (err.stack ?? '')
          .split('\n')
          .filter((line) => line.trim().startsWith('at '))
          .slice(0, 6)
          .map((line) => line.trim())
          .join(' | ')
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** PostgreSQL's own output as the app logs it at LOG_LEVEL=debug (the last `count` lines). */
export const postgresOutput = (app: OutageApp, count: number) =>
  app.server.logs
    .filter((log) => typeof log.postgres === 'string')
    .slice(-count)
    .map((log) => String(log.postgres));

/** The direct children of `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep: none
  }
}

/** A query on a fresh connection (the cluster may have been restarted since the last one). */
async function query<Row extends object>(
  app: OutageApp,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: app.databaseUrl() });
  try {
    await client.connect();
    return (await client.query<Row>(text, values)).rows;
  } catch (error) {
    throw new Error(
      `check query failed (${(error as Error).message}): ${text.trim().split('\n')[0]}\n` +
        `the app's last supervisor lines:\n${supervisorLines(app, 0).slice(-8).join('\n')}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pages and forms
// ---------------------------------------------------------------------------------------------------------------

interface Question {
  position: number;
  name: string;
  stem: string;
  options: string[];
  multiple: boolean;
}

/** The questions of an attempt page, in order: stem as shown, option ids in the order shown. */
function questionsIn(html: string): Question[] {
  const $ = cheerio.load(html);
  return $('fieldset.question')
    .map((_, fieldset) => {
      const legend = $(fieldset).find('legend').first().clone();
      legend.find('.visually-hidden, .hint').remove();
      const inputs = $(fieldset).find('input[name^=q]');
      const name = inputs.first().attr('name')!;
      return {
        position: Number(name.slice(1)),
        name,
        stem: normalise(legend.text()),
        options: inputs.map((__, input) => $(input).attr('value')!).get(),
        multiple: inputs.first().attr('type') === 'checkbox',
      };
    })
    .get();
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Correct options by stem, from item_versions (the test reads the key; the learner only sees the page). */
export type AnswerKey = Map<string, string[]>;

export async function loadAnswerKey(app: OutageApp): Promise<AnswerKey> {
  const rows = await query<{ stem: string; correct: string[] }>(
    app,
    `SELECT v.stem, v.correct FROM item_versions v JOIN items i ON i.id = v.item_id
     JOIN activities a ON a.id = i.activity_id WHERE a.slug = $1`,
    [activityPath.split('/').pop()],
  );
  const key: AnswerKey = new Map();
  for (const row of rows) {
    const stem = normalise(row.stem);
    const known = key.get(stem);
    if (known && known.join() !== [...row.correct].sort().join())
      throw new Error(`two items share the stem "${stem}" with different keys`);
    key.set(stem, [...row.correct].sort());
  }
  return key;
}

type Answers = Record<number, string[]>;

/** All correct, except the first `wrong` questions, answered with one option that is not correct. */
function answersFor(
  questions: Question[],
  key: AnswerKey,
  wrong: number,
): { answers: Answers; correctCount: number } {
  const answers: Answers = {};
  questions.forEach((question, index) => {
    const correct = key.get(question.stem);
    if (!correct) throw new Error(`no key for the question "${question.stem}"`);
    answers[question.position] =
      index < wrong ? [question.options.find((id) => !correct.includes(id))!] : [...correct];
  });
  return { answers, correctCount: questions.length - Math.min(wrong, questions.length) };
}

function form(csrf: string, fields: Record<string, string | string[]> = {}): string {
  const body = new URLSearchParams({ _csrf: csrf });
  for (const [name, value] of Object.entries(fields))
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  return body.toString();
}

const answerFields = (answers: Answers) =>
  Object.fromEntries(Object.entries(answers).map(([position, ids]) => [`q${position}`, ids]));

/** The evaluation form filled in, for the objectives its page asks about. */
function evaluationFields(html: string): Record<string, string> {
  const $ = cheerio.load(html);
  const objectives = [
    ...new Set(
      $('input[name^=objective_]')
        .map((_, input) => $(input).attr('name')!)
        .get(),
    ),
  ];
  if (objectives.length === 0) throw new Error('the evaluation page asks about no objective');
  return {
    ...Object.fromEntries(objectives.map((name) => [name, '4'])),
    relevance: '4',
    freeOfBias: 'yes',
    intendedChange: 'Refer solid renal masses with atypical features for image-guided core biopsy.',
    overallQuality: '5',
  };
}

/** The amount the claim form offers by default (the activity's maximum). */
function defaultClaimAmount(html: string): string {
  const amount = cheerio.load(html)('select[name=amount] option[selected]').attr('value');
  if (!amount) throw new Error('no claim form on the claim page');
  return amount;
}

// ---------------------------------------------------------------------------------------------------------------
// Learners
// ---------------------------------------------------------------------------------------------------------------

export interface Learner {
  index: number;
  email: string;
  profession: 'physician' | 'nurse';
  role: 'retaker' | 'claimer';
  browser: Browser;
  /** The session's CSRF token (csrf-sync keeps one per session). */
  csrf: string;
  /** Retakers: the attempt in progress. */
  attemptId: number;
  /** Claimers: the amount their claim form offers. */
  amount: string;
}

/** A request that must succeed at once (no outage yet); returns the body. */
async function must(
  browser: Browser,
  pathname: string,
  status: number,
  body?: string,
): Promise<{ response: Response; text: string }> {
  const response = await browser.fetch(pathname, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
  });
  const text = await response.text();
  if (response.status !== status)
    throw new Error(
      `${body === undefined ? 'GET' : 'POST'} ${pathname}: ${response.status}, not ${status}\n${text.slice(0, 500)}`,
    );
  return { response, text };
}

function csrfOf(html: string, where: string): string {
  const token = csrfTokenIn(html);
  if (!token) throw new Error(`no _csrf on ${where}`);
  return token;
}

/**
 * Brings a learner to just before the writes under test: registered through /register, every lesson read, an
 * attempt started; a claimer has also passed and evaluated, and holds the claim form.
 */
async function prepareLearner(
  baseUrl: string,
  key: AnswerKey,
  index: number,
  role: Learner['role'],
  runId: string,
): Promise<Learner> {
  const browser = new Browser(baseUrl);
  const profession = index % 2 === 0 ? 'physician' : 'nurse';
  const email = `learner.${runId}.${index}@example.org`;
  const registration = await must(browser, '/register', 200);
  const registered = await must(
    browser,
    '/register',
    302,
    form(csrfOf(registration.text, '/register'), {
      fullName: `Outage Learner ${index}`,
      email,
      profession,
      degree: profession === 'physician' ? 'MD' : 'RN',
      password: learnerPassword,
    }),
  );
  if (!registered.response.headers.get('location')?.startsWith('/account'))
    throw new Error(`registration of ${email} went to ${registered.response.headers.get('location')}`);

  let lesson: string | undefined = `${activityPath}/lessons/1-introduction`;
  while (lesson)
    lesson = cheerio
      .load((await must(browser, lesson, 200)).text)('a[rel=next]')
      .attr('href');

  const overview = await must(browser, postTestPath, 200);
  const csrf = csrfOf(overview.text, postTestPath);
  const started = await must(browser, `${postTestPath}/attempts`, 303, form(csrf));
  const attemptId = Number(/\/attempts\/(\d+)$/.exec(started.response.headers.get('location') ?? '')![1]);
  const learner: Learner = { index, email, profession, role, browser, csrf, attemptId, amount: '' };
  if (role === 'retaker') return learner;

  const page = await must(browser, `${postTestPath}/attempts/${attemptId}`, 200);
  const { answers } = answersFor(questionsIn(page.text), key, 0);
  await must(browser, `${postTestPath}/attempts/${attemptId}`, 303, form(csrf, answerFields(answers)));
  const evaluation = await must(browser, `${activityPath}/evaluation`, 200);
  await must(browser, `${activityPath}/evaluation`, 303, form(csrf, evaluationFields(evaluation.text)));
  learner.amount = defaultClaimAmount((await must(browser, `${activityPath}/claim`, 200)).text);
  return learner;
}

export async function prepareLearners(
  app: OutageApp,
  key: AnswerKey,
  counts: { retakers: number; claimers: number },
  concurrency = 8,
): Promise<Learner[]> {
  const runId = Date.now().toString(36);
  const roles: Learner['role'][] = [];
  // Interleaved, so that both roles have physicians and nurses.
  for (let i = 0; roles.length < counts.retakers + counts.claimers; i++) {
    if (i < counts.retakers) roles.push('retaker');
    if (i < counts.claimers) roles.push('claimer');
  }
  const learners: Learner[] = [];
  for (let from = 0; from < roles.length; from += concurrency) {
    learners.push(
      ...(await Promise.all(
        roles
          .slice(from, from + concurrency)
          .map((role, i) => prepareLearner(app.baseUrl, key, from + i, role, runId)),
      )),
    );
  }
  return learners;
}

// ---------------------------------------------------------------------------------------------------------------
// The workload under kills
// ---------------------------------------------------------------------------------------------------------------

export interface WorkloadPlan {
  /** The first kill, in ms from the workload's start. */
  firstKillMs: number;
  /** The next kill comes this long after the previous one (and never before /readyz was 200 again). */
  killEveryMs: number;
  /** No kill starts after this (ms from the start). */
  lastKillBeforeMs: number;
  /** Each retaker fails attempt after attempt, and submits a passing one at a random moment in this window. */
  finishWindowMs: [number, number];
  /** Each claimer claims at a random moment in this window. */
  claimWindowMs: [number, number];
  /** A retaker's pause between rounds. */
  thinkMs: [number, number];
  /** One step (a request retried on 503) gives up after this. */
  stepLimitMs: number;
  /** The pause after a 503 is its Retry-After, capped at this. */
  maxRetryPauseMs: number;
  /** /readyz must be 200 again within this after each kill. */
  recoveryLimitMs: number;
  /** A request without an answer after this is a failure. */
  requestTimeoutMs: number;
  /** At its time, a kill waits (up to a second) for at least this many requests in flight. */
  minInFlightAtKill: number;
  seed: number;
}

export interface RequestRecord {
  learner: number;
  step: string;
  method: string;
  path: string;
  startedAt: number;
  endedAt: number;
  /** 0: no HTTP answer (connection error, timeout). */
  status: number;
  location: string | null;
  retryAfter: string | null;
  requestId: string | null;
  outcome: 'success' | 'unavailable' | 'unexpected';
  note?: string;
}

export interface Submission {
  learner: number;
  attemptId: number;
  questions: Question[];
  answers: Answers;
  correctCount: number;
  tries: number;
  /** When the try that got the success was sent. */
  acknowledgedTryAt: number;
}

export interface ClaimAck {
  learner: number;
  amount: string;
  tries: number;
  acknowledgedTryAt: number;
}

export interface KillRecord {
  pid: number;
  at: number;
  /** When /readyz first answered 200 after the kill; null if not within recoveryLimitMs. */
  readyAt: number | null;
}

export interface Failure {
  learner: number;
  step: string;
  reason: string;
  requestId: string | null;
  /** The server's log lines of the failed request (same X-Request-Id), compact. */
  serverLogs: string[];
}

export interface WorkloadResult {
  startedAt: number;
  endedAt: number;
  records: RequestRecord[];
  submissions: Submission[];
  /** Attempts started during the workload (acknowledged 303), by learner. */
  starts: { learner: number; attemptId: number }[];
  evaluations: number[];
  claims: ClaimAck[];
  kills: KillRecord[];
  failures: Failure[];
  /** Learners that went through their whole journey. */
  finished: number[];
  logsFrom: number;
  /** /readyz answered 200 once the learners were done. */
  readyAtEnd: boolean;
}

class StepFailed extends Error {}

/** The postmaster of `clusterDir`, checked to be that cluster's postgres before anything is killed. */
function livePostmaster(clusterDir: string): number {
  const pid = postmasterPid(clusterDir);
  const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (!commandLine.includes(clusterDir)) throw new Error(`pid ${pid} is not the postmaster of ${clusterDir}`);
  return pid;
}

/**
 * When /readyz answers 200 with a new postmaster running (not `killed`: right after a SIGKILL, a backend that has
 * not yet noticed its postmaster's death can still answer the readiness query).
 */
async function waitReady(app: OutageApp, until: number, killed?: number): Promise<number | null> {
  const restarted = () => {
    try {
      return livePostmaster(app.clusterDir) !== killed;
    } catch {
      return false; // postmaster.pid still names the dead one, or is being rewritten
    }
  };
  while (Date.now() < until) {
    if (killed !== undefined && !restarted()) {
      await sleep(50);
      continue;
    }
    const status = await fetch(`${app.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      async (response) => (await response.arrayBuffer(), response.status),
      () => 0,
    );
    if (status === 200) return Date.now();
    await sleep(100);
  }
  return null;
}

export async function runWorkload(
  app: OutageApp,
  learners: Learner[],
  key: AnswerKey,
  plan: WorkloadPlan,
): Promise<WorkloadResult> {
  const random = seededRandom(plan.seed);
  const between = ([low, high]: [number, number]) => low + random() * (high - low);
  const records: RequestRecord[] = [];
  const result: WorkloadResult = {
    startedAt: Date.now(),
    endedAt: 0,
    records,
    submissions: [],
    starts: [],
    evaluations: [],
    claims: [],
    kills: [],
    failures: [],
    finished: [],
    logsFrom: app.server.logs.length,
    readyAtEnd: false,
  };
  const t0 = result.startedAt;
  // Decided up front, from the seed.
  const moments = learners.map(
    (learner) => t0 + between(learner.role === 'retaker' ? plan.finishWindowMs : plan.claimWindowMs),
  );
  const thinks = () => between(plan.thinkMs);
  let inFlight = 0;

  /** One step: sent again after each 503 (pausing as Retry-After asks, capped) until it succeeds. */
  async function step(
    learner: Learner,
    name: string,
    pathname: string,
    body: string | undefined,
    succeeded: (status: number, location: string | null) => boolean,
  ): Promise<{ text: string; location: string | null; tries: number; triedAt: number }> {
    const giveUpAt = Date.now() + plan.stepLimitMs;
    const method = body === undefined ? 'GET' : 'POST';
    // An answer that is neither a success nor a 503 is recorded (the checks fail on it), then retried as a user
    // would, so that the checks also see what it left behind; the third one ends the learner's journey.
    const wrong: string[] = [];
    const retryOrGiveUp = async (what: string) => {
      wrong.push(what);
      const exited = app.server.child.exitCode !== null || app.server.child.signalCode !== null;
      if (wrong.length >= 3 || exited || Date.now() >= giveUpAt)
        throw new StepFailed(`${wrong.join('; then ')}${exited ? '; the app has exited' : ''}`);
      await sleep(plan.maxRetryPauseMs);
    };
    for (let tries = 1; ; tries++) {
      const startedAt = Date.now();
      let response: Response | undefined;
      let text = '';
      inFlight++;
      try {
        response = await learner.browser.fetch(pathname, {
          method,
          signal: AbortSignal.timeout(plan.requestTimeoutMs),
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
        });
        text = await response.text();
      } catch (error) {
        const note = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        records.push({
          learner: learner.index,
          step: name,
          method,
          path: pathname,
          startedAt,
          endedAt: Date.now(),
          status: 0,
          location: null,
          retryAfter: null,
          requestId: null,
          outcome: 'unexpected',
          note,
        });
      } finally {
        inFlight--;
      }
      if (!response) {
        await retryOrGiveUp(`${method} ${pathname}: no answer (${records.at(-1)!.note})`);
        continue;
      }
      const location = response.headers.get('location');
      const retryAfter = response.headers.get('retry-after');
      const requestId = response.headers.get('x-request-id');
      const record: RequestRecord = {
        learner: learner.index,
        step: name,
        method,
        path: pathname,
        startedAt,
        endedAt: Date.now(),
        status: response.status,
        location,
        retryAfter,
        requestId,
        outcome: 'unexpected',
      };
      records.push(record);
      if (succeeded(response.status, location)) {
        record.outcome = 'success';
        return { text, location, tries, triedAt: startedAt };
      }
      if (response.status === 503 && retryAfter !== null && Number(retryAfter) > 0) {
        record.outcome = 'unavailable';
        if (Date.now() >= giveUpAt)
          throw new StepFailed(
            `${method} ${pathname}: still 503 after ${plan.stepLimitMs} ms (${tries} tries)`,
          );
        await sleep(Math.min(Number(retryAfter) * 1000, plan.maxRetryPauseMs));
        continue;
      }
      const message = normalise(cheerio.load(text)('main, body').first().text()).slice(0, 300);
      record.note = message;
      await retryOrGiveUp(
        `${method} ${pathname}: ${response.status}${location ? ` → ${location}` : ''}` +
          `${response.status === 503 ? ` (Retry-After: ${retryAfter})` : ''} request ${requestId}: ${message}`,
      );
    }
  }

  const resultOf = (attemptId: number) => `${postTestPath}/attempts/${attemptId}/result`;

  async function retaker(learner: Learner): Promise<void> {
    let attemptId = learner.attemptId;
    for (;;) {
      const page = await step(
        learner,
        'attempt page',
        `${postTestPath}/attempts/${attemptId}`,
        undefined,
        (s) => s === 200,
      );
      const questions = questionsIn(page.text);
      const passing = Date.now() >= moments[learner.index]!;
      const { answers, correctCount } = answersFor(
        questions,
        key,
        passing ? 0 : Math.ceil(questions.length / 2),
      );
      const submitted = await step(
        learner,
        'submit',
        `${postTestPath}/attempts/${attemptId}`,
        form(learner.csrf, answerFields(answers)),
        (status, location) => status === 303 && location === resultOf(attemptId),
      );
      result.submissions.push({
        learner: learner.index,
        attemptId,
        questions,
        answers,
        correctCount,
        tries: submitted.tries,
        acknowledgedTryAt: submitted.triedAt,
      });
      if (passing) break;
      await sleep(thinks());
      const started = await step(
        learner,
        'start',
        `${postTestPath}/attempts`,
        form(learner.csrf),
        (status, location) => status === 303 && /\/attempts\/\d+$/.test(location ?? ''),
      );
      attemptId = Number(/\/attempts\/(\d+)$/.exec(started.location!)![1]);
      result.starts.push({ learner: learner.index, attemptId });
    }
    const evaluation = await step(
      learner,
      'evaluation page',
      `${activityPath}/evaluation`,
      undefined,
      (s) => s === 200,
    );
    await step(
      learner,
      'evaluate',
      `${activityPath}/evaluation`,
      form(learner.csrf, evaluationFields(evaluation.text)),
      (status, location) => status === 303 && location === `${activityPath}/claim`,
    );
    result.evaluations.push(learner.index);
    learner.amount = defaultClaimAmount(
      (await step(learner, 'claim page', `${activityPath}/claim`, undefined, (s) => s === 200)).text,
    );
    await claim(learner);
  }

  async function claim(learner: Learner): Promise<void> {
    const claimed = await step(
      learner,
      'claim',
      `${activityPath}/claim`,
      form(learner.csrf, { amount: learner.amount, attest: 'on' }),
      (status, location) => status === 303 && location === `${activityPath}/claim`,
    );
    result.claims.push({
      learner: learner.index,
      amount: learner.amount,
      tries: claimed.tries,
      acknowledgedTryAt: claimed.triedAt,
    });
  }

  async function claimer(learner: Learner): Promise<void> {
    await sleep(moments[learner.index]! - Date.now());
    await claim(learner);
  }

  async function killer(): Promise<void> {
    let next = t0 + plan.firstKillMs;
    while (next <= t0 + plan.lastKillBeforeMs) {
      await sleep(next - Date.now());
      const waitUntil = Date.now() + 1000;
      while (inFlight < plan.minInFlightAtKill && Date.now() < waitUntil) await sleep(1);
      const pid = livePostmaster(app.clusterDir);
      process.kill(pid, 'SIGKILL');
      const kill: KillRecord = { pid, at: Date.now(), readyAt: null };
      result.kills.push(kill);
      kill.readyAt = await waitReady(app, kill.at + plan.recoveryLimitMs, pid);
      if (kill.readyAt === null) return; // no recovery: the learners will give up, the checks say why
      next = Math.max(kill.at + plan.killEveryMs, kill.readyAt + 500);
    }
  }

  const logsOf = (requestId: string | null) =>
    app.server.logs
      .slice(result.logsFrom)
      .filter((log) => requestId !== null && log.reqId === requestId)
      .map(compactLog);

  await Promise.all([
    killer(),
    ...learners.map((learner) =>
      (learner.role === 'retaker' ? retaker(learner) : claimer(learner)).then(
        () => void result.finished.push(learner.index),
        (error: unknown) => {
          const last = records.filter((r) => r.learner === learner.index).at(-1);
          result.failures.push({
            learner: learner.index,
            step: last?.step ?? '?',
            reason: error instanceof StepFailed ? error.message : String((error as Error)?.stack ?? error),
            requestId: last?.requestId ?? null,
            serverLogs: logsOf(last?.requestId ?? null),
          });
        },
      ),
    ),
  ]);
  result.endedAt = Date.now();
  // The checks read the database: it must be back (a learner may have finished during the last outage).
  result.readyAtEnd = (await waitReady(app, Date.now() + plan.recoveryLimitMs)) !== null;
  await sleep(200); // the last log lines
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// After the workload: resubmissions, then the checks
// ---------------------------------------------------------------------------------------------------------------

interface AttemptRow {
  id: number;
  user_id: number;
  status: 'in_progress' | 'scored';
  submitted_at: Date | null;
  correct_count: number | null;
  item_count: number;
  score_percent: string | null;
  passed: boolean | null;
  passing_score_percent: number;
  responses: { position: number; selected: string[]; correct: boolean | null }[];
}

async function attemptsById(app: OutageApp, ids: number[]): Promise<Map<number, AttemptRow>> {
  const rows = await query<AttemptRow>(
    app,
    `SELECT a.id, a.user_id, a.status, a.submitted_at, a.correct_count, a.item_count, a.score_percent::text,
       a.passed, a.passing_score_percent,
       coalesce(json_agg(json_build_object('position', r.position, 'selected', r.selected, 'correct', r.correct)
         ORDER BY r.position) FILTER (WHERE r.id IS NOT NULL), '[]') AS responses
     FROM attempts a LEFT JOIN attempt_responses r ON r.attempt_id = a.id
     WHERE a.id = ANY($1::int[]) GROUP BY a.id`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

interface ClaimRow {
  user_id: number;
  claims: number;
  amount: string | null;
  attested_at: Date | null;
  certificates: number;
  code: string | null;
}

async function claimsByUser(app: OutageApp, userIds: number[]): Promise<Map<number, ClaimRow>> {
  const rows = await query<ClaimRow>(
    app,
    `SELECT u.id AS user_id, count(k.id)::int AS claims, min(k.amount)::text AS amount,
       min(k.attested_at) AS attested_at, count(c.id)::int AS certificates, min(c.code) AS code
     FROM users u LEFT JOIN credit_claims k ON k.user_id = u.id LEFT JOIN certificates c ON c.claim_id = k.id
     WHERE u.id = ANY($1::int[]) GROUP BY u.id`,
    [userIds],
  );
  return new Map(rows.map((row) => [row.user_id, row]));
}

/**
 * A form posted after the outage. /readyz may be 200 a moment before the app's own probe has seen the database
 * back (it answers 503 until then), so a 503 with Retry-After is waited out, for at most 30 s.
 */
async function postAgain(learner: Learner, pathname: string, body: string): Promise<Response> {
  const until = Date.now() + 30_000;
  for (;;) {
    const response = await learner.browser.fetch(pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 503 || !response.headers.get('retry-after') || Date.now() > until)
      return response;
    await sleep(500);
  }
}

export interface Resubmissions {
  attempts: { attemptId: number; status: number; location: string | null; unchanged: boolean }[];
  claims: { learner: number; status: number; location: string | null; unchanged: boolean }[];
}

/**
 * The retry of a submission that was in fact stored: each acknowledged attempt posted again with other answers,
 * each claim again with another amount. Either is applied once (redirected to the stored result, nothing
 * changed) or refused clearly (4xx); the rows must not change either way.
 */
export async function resubmit(
  app: OutageApp,
  learners: Learner[],
  key: AnswerKey,
  workload: WorkloadResult,
  limit = Infinity,
): Promise<Resubmissions> {
  const chosen = workload.submissions.slice(0, limit);
  const before = await attemptsById(
    app,
    chosen.map((s) => s.attemptId),
  );
  const out: Resubmissions = { attempts: [], claims: [] };
  for (const submission of chosen) {
    const learner = learners[submission.learner]!;
    const other = answersFor(
      submission.questions,
      key,
      submission.correctCount === submission.questions.length ? submission.questions.length : 0,
    );
    const response = await postAgain(
      learner,
      `${postTestPath}/attempts/${submission.attemptId}`,
      form(learner.csrf, answerFields(other.answers)),
    );
    out.attempts.push({
      attemptId: submission.attemptId,
      status: response.status,
      location: response.headers.get('location'),
      unchanged: false,
    });
  }
  const after = await attemptsById(
    app,
    chosen.map((s) => s.attemptId),
  );
  for (const entry of out.attempts)
    entry.unchanged =
      JSON.stringify(before.get(entry.attemptId)) === JSON.stringify(after.get(entry.attemptId));

  const users = await userIds(app, learners);
  const claimed = workload.claims.slice(0, limit);
  const claimsBefore = await claimsByUser(app, [...users.values()]);
  for (const ack of claimed) {
    const learner = learners[ack.learner]!;
    const response = await postAgain(
      learner,
      `${activityPath}/claim`,
      form(learner.csrf, { amount: '0.25', attest: 'on' }),
    );
    out.claims.push({
      learner: ack.learner,
      status: response.status,
      location: response.headers.get('location'),
      unchanged: false,
    });
  }
  const claimsAfter = await claimsByUser(app, [...users.values()]);
  for (const entry of out.claims) {
    const id = users.get(learners[entry.learner]!.email)!;
    entry.unchanged = JSON.stringify(claimsBefore.get(id)) === JSON.stringify(claimsAfter.get(id));
  }
  return out;
}

async function userIds(app: OutageApp, learners: Learner[]): Promise<Map<string, number>> {
  const rows = await query<{ id: number; email: string }>(
    app,
    'SELECT id, email FROM users WHERE email = ANY($1)',
    [learners.map((l) => l.email)],
  );
  return new Map(rows.map((row) => [row.email, row.id]));
}

/** Whole-database checks: each query lists what is half-written. */
const HALF_WRITTEN: Record<string, string> = {
  'certificates without their claim': `
    SELECT c.id FROM certificates c LEFT JOIN credit_claims k ON k.id = c.claim_id WHERE k.id IS NULL`,
  'claims without a certificate': `
    SELECT k.id FROM credit_claims k LEFT JOIN certificates c ON c.claim_id = k.id WHERE c.id IS NULL`,
  'claims more than one certificate': `
    SELECT claim_id AS id FROM certificates GROUP BY claim_id HAVING count(*) > 1`,
  'claims whose attempt is not a passed, scored attempt of the claimant': `
    SELECT k.id FROM credit_claims k JOIN attempts a ON a.id = k.attempt_id
    WHERE a.status <> 'scored' OR a.passed IS NOT TRUE OR a.user_id <> k.user_id`,
  'claims whose evaluation is not the claimant’s': `
    SELECT k.id FROM credit_claims k JOIN evaluations e ON e.id = k.evaluation_id WHERE e.user_id <> k.user_id`,
  'evaluations without a passed attempt': `
    SELECT e.id FROM evaluations e WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = e.user_id
      AND a.activity_id = e.activity_id AND a.status = 'scored' AND a.passed)`,
  'scored attempts missing a score': `
    SELECT id FROM attempts WHERE status = 'scored'
      AND (submitted_at IS NULL OR correct_count IS NULL OR score_percent IS NULL OR passed IS NULL)`,
  'scored attempts whose responses are missing, unanswered or unjudged, or disagree with the score': `
    SELECT a.id FROM attempts a LEFT JOIN attempt_responses r ON r.attempt_id = a.id WHERE a.status = 'scored'
    GROUP BY a.id HAVING count(r.id) <> a.item_count
      OR count(*) FILTER (WHERE r.correct IS NULL OR cardinality(r.selected) = 0) > 0
      OR count(*) FILTER (WHERE r.correct) <> a.correct_count`,
  'attempts in progress that carry answers or a score': `
    SELECT a.id FROM attempts a WHERE a.status = 'in_progress' AND (a.submitted_at IS NOT NULL
      OR a.correct_count IS NOT NULL OR a.score_percent IS NOT NULL OR a.passed IS NOT NULL
      OR EXISTS (SELECT 1 FROM attempt_responses r WHERE r.attempt_id = a.id
        AND (cardinality(r.selected) > 0 OR r.correct IS NOT NULL)))`,
  'attempts without all their questions': `
    SELECT a.id FROM attempts a LEFT JOIN attempt_responses r ON r.attempt_id = a.id
    GROUP BY a.id HAVING count(r.id) <> a.item_count`,
  'learners with more than one attempt in progress': `
    SELECT user_id AS id FROM attempts WHERE status = 'in_progress'
    GROUP BY user_id, activity_id HAVING count(*) > 1`,
};

const sameSet = (a: readonly string[], b: readonly string[]) =>
  [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

/** Everything half-written in the whole database, in words; empty when nothing is. */
export async function checkHalfWritten(app: OutageApp): Promise<string[]> {
  const problems: string[] = [];
  for (const [what, sql] of Object.entries(HALF_WRITTEN)) {
    const rows = await query<{ id: number }>(app, sql);
    if (rows.length > 0) problems.push(`${what}: ${rows.map((row) => row.id).join(', ')}`);
  }
  return problems;
}

/** Every broken invariant, in words; empty when all hold. */
export async function checkInvariants(
  app: OutageApp,
  learners: Learner[],
  workload: WorkloadResult,
): Promise<string[]> {
  return [...(await checkHalfWritten(app)), ...(await checkAcknowledged(app, learners, workload))];
}

/**
 * Every acknowledged write stored exactly once: each submission scored with the answers sent, no scored attempt
 * that was never acknowledged, one evaluation and one claim with one certificate per acknowledgement.
 */
export async function checkAcknowledged(
  app: OutageApp,
  learners: Learner[],
  workload: WorkloadResult,
): Promise<string[]> {
  const problems: string[] = [];
  const users = await userIds(app, learners);
  const idOf = (learner: number) => users.get(learners[learner]!.email)!;

  // Every acknowledged submission: scored once, with the answers that were sent.
  const attempts = await attemptsById(
    app,
    workload.submissions.map((s) => s.attemptId),
  );
  for (const submission of workload.submissions) {
    const row = attempts.get(submission.attemptId);
    const label = `attempt ${submission.attemptId} (learner ${submission.learner}, acknowledged after ${submission.tries} tries)`;
    if (!row) {
      problems.push(`${label}: acknowledged but not in the database`);
      continue;
    }
    if (row.user_id !== idOf(submission.learner)) problems.push(`${label}: belongs to user ${row.user_id}`);
    if (row.status !== 'scored') {
      problems.push(`${label}: acknowledged but ${row.status}`);
      continue;
    }
    if (row.correct_count !== submission.correctCount)
      problems.push(`${label}: ${row.correct_count} correct stored, ${submission.correctCount} sent`);
    const expectPassed = (submission.correctCount * 100) / row.item_count >= row.passing_score_percent;
    if (row.passed !== expectPassed)
      problems.push(`${label}: passed = ${row.passed}, expected ${expectPassed}`);
    if (row.responses.length !== submission.questions.length)
      problems.push(
        `${label}: ${row.responses.length} responses stored for ${submission.questions.length} questions`,
      );
    for (const response of row.responses) {
      const sent = submission.answers[response.position];
      if (!sent || !sameSet(response.selected, sent))
        problems.push(
          `${label}: question ${response.position} stored ${JSON.stringify(response.selected)}, sent ${JSON.stringify(sent)}`,
        );
    }
  }

  // Per learner: the scored attempts are exactly the acknowledged ones; nothing left in progress once finished.
  const all = await query<{ id: number; user_id: number; status: string }>(
    app,
    'SELECT id, user_id, status FROM attempts WHERE user_id = ANY($1::int[])',
    [[...users.values()]],
  );
  const setupScored = new Set(learners.filter((l) => l.role === 'claimer').map((l) => l.attemptId));
  const finished = new Set(workload.finished);
  for (const learner of learners) {
    const userId = idOf(learner.index);
    const acknowledged = new Set(
      workload.submissions.filter((s) => s.learner === learner.index).map((s) => s.attemptId),
    );
    const scored = all.filter((a) => a.user_id === userId && a.status === 'scored').map((a) => a.id);
    const unacknowledged = scored.filter((id) => !acknowledged.has(id) && !setupScored.has(id));
    if (unacknowledged.length > 0 && finished.has(learner.index))
      problems.push(
        `learner ${learner.index}: scored attempts never acknowledged: ${unacknowledged.join(', ')}`,
      );
    const open = all.filter((a) => a.user_id === userId && a.status === 'in_progress').map((a) => a.id);
    if (finished.has(learner.index) && open.length > 0)
      problems.push(`learner ${learner.index}: finished, yet attempts in progress: ${open.join(', ')}`);
  }
  for (const start of workload.starts) {
    if (!all.some((a) => a.id === start.attemptId && a.user_id === idOf(start.learner)))
      problems.push(
        `attempt ${start.attemptId} (learner ${start.learner}): start acknowledged, attempt missing`,
      );
  }

  // Evaluations and claims: one each per acknowledgement, with its certificate.
  const evaluations = await query<{ user_id: number; count: number }>(
    app,
    'SELECT user_id, count(*)::int AS count FROM evaluations WHERE user_id = ANY($1::int[]) GROUP BY user_id',
    [[...users.values()]],
  );
  for (const learner of workload.evaluations) {
    const count = evaluations.find((e) => e.user_id === idOf(learner))?.count ?? 0;
    if (count !== 1) problems.push(`learner ${learner}: evaluation acknowledged, ${count} stored`);
  }
  const claims = await claimsByUser(app, [...users.values()]);
  for (const ack of workload.claims) {
    const row = claims.get(idOf(ack.learner));
    const label = `learner ${ack.learner}: claim acknowledged after ${ack.tries} tries`;
    if (!row || row.claims !== 1) problems.push(`${label}, ${row?.claims ?? 0} claims stored`);
    else {
      if (row.certificates !== 1) problems.push(`${label}, ${row.certificates} certificates stored`);
      if (Number(row.amount) !== Number(ack.amount))
        problems.push(`${label}: ${row.amount} stored, ${ack.amount} sent`);
    }
  }
  for (const learner of learners) {
    const claimed = workload.claims.some((c) => c.learner === learner.index);
    if (!claimed && finished.has(learner.index))
      problems.push(`learner ${learner.index}: finished without a claim acknowledged`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------------------------

export interface Figures {
  seconds: number;
  requests: number;
  successes: number;
  unavailable: number;
  unavailableWithoutRetryAfter: number;
  unexpected: {
    learner: number;
    step: string;
    method: string;
    path: string;
    status: number;
    requestId: string | null;
    note?: string;
    /** The server's log lines of that request (same X-Request-Id), compact. */
    serverLogs: string[];
  }[];
  statuses: Record<string, number>;
  acknowledged: { submissions: number; starts: number; evaluations: number; claims: number };
  /** Acknowledged writes whose earlier try had been answered 503 but had been stored: found through the retry. */
  storedBehind503: { submissions: number; claims: number };
  kills: {
    pid: number;
    atSecond: number;
    readyAfterMs: number | null;
    inFlight: number;
    /** How the requests in flight at the kill were answered (status: count). */
    inFlightAnswers: Record<string, number>;
    unavailableAnswers: number;
    firstSuccessAfterMs: number | null;
  }[];
  /** The server's own error lines (level ≥ 50) other than the request records of 503 answers, compact. */
  serverErrors: string[];
  /** Restarts the app's supervisor logged. */
  restartsLogged: number;
  /** /readyz answered 200 once the learners were done. */
  readyAtEnd: boolean;
  failures: Failure[];
}

export async function figures(
  app: OutageApp,
  learners: Learner[],
  workload: WorkloadResult,
): Promise<Figures> {
  const { records } = workload;
  const statuses: Record<string, number> = {};
  for (const record of records) statuses[String(record.status)] = (statuses[String(record.status)] ?? 0) + 1;
  const logs = app.server.logs.slice(workload.logsFrom);
  // Stored before the try that was acknowledged: the stored time is older than that try (the app's clock is this
  // machine's; both columns hold UTC, as the app runs with TZ unset on a UTC machine, which the figure assumes).
  const retried = workload.submissions.filter((s) => s.tries > 1);
  const submittedAt = await query<{ id: number; ms: number }>(
    app,
    'SELECT id, (extract(epoch FROM submitted_at) * 1000)::float8 AS ms FROM attempts WHERE id = ANY($1::int[])',
    [retried.map((s) => s.attemptId)],
  );
  const storedBehindSubmissions = retried.filter((s) => {
    const ms = submittedAt.find((row) => row.id === s.attemptId)?.ms;
    return ms !== undefined && ms < s.acknowledgedTryAt;
  }).length;
  const retriedClaims = workload.claims.filter((c) => c.tries > 1);
  const attestedAt = await query<{ email: string; ms: number }>(
    app,
    `SELECT u.email, (extract(epoch FROM k.attested_at) * 1000)::float8 AS ms
     FROM credit_claims k JOIN users u ON u.id = k.user_id WHERE u.email = ANY($1)`,
    [retriedClaims.map((c) => learners[c.learner]!.email)],
  );
  const storedBehindClaims = retriedClaims.filter((c) => {
    const ms = attestedAt.find((row) => row.email === learners[c.learner]!.email)?.ms;
    return ms !== undefined && ms < c.acknowledgedTryAt;
  }).length;
  const kills = workload.kills.map((kill, index) => {
    const until = workload.kills[index + 1]?.at ?? Infinity;
    const during = records.filter((r) => r.startedAt >= kill.at && r.startedAt < until);
    const caught = records.filter((r) => r.startedAt <= kill.at && r.endedAt >= kill.at);
    const inFlightAnswers: Record<string, number> = {};
    for (const r of caught) inFlightAnswers[String(r.status)] = (inFlightAnswers[String(r.status)] ?? 0) + 1;
    const firstSuccess = during.find(
      (r) => r.outcome === 'success' && r.method === 'POST' && r.startedAt > kill.at,
    );
    return {
      pid: kill.pid,
      atSecond: Math.round((kill.at - workload.startedAt) / 100) / 10,
      readyAfterMs: kill.readyAt === null ? null : kill.readyAt - kill.at,
      inFlight: caught.length,
      inFlightAnswers,
      unavailableAnswers: during.filter((r) => r.outcome === 'unavailable').length,
      firstSuccessAfterMs: firstSuccess ? firstSuccess.endedAt - kill.at : null,
    };
  });
  return {
    seconds: Math.round((workload.endedAt - workload.startedAt) / 100) / 10,
    requests: records.length,
    successes: records.filter((r) => r.outcome === 'success').length,
    unavailable: records.filter((r) => r.outcome === 'unavailable').length,
    unavailableWithoutRetryAfter: records.filter((r) => r.status === 503 && !r.retryAfter).length,
    unexpected: records
      .filter((r) => r.outcome === 'unexpected')
      .map(({ learner, step, method, path: p, status, requestId, note }) => ({
        learner,
        step,
        method,
        path: p,
        status,
        requestId,
        note,
        serverLogs: logs.filter((log) => requestId !== null && log.reqId === requestId).map(compactLog),
      })),
    statuses,
    acknowledged: {
      submissions: workload.submissions.length,
      starts: workload.starts.length,
      evaluations: workload.evaluations.length,
      claims: workload.claims.length,
    },
    storedBehind503: {
      submissions: storedBehindSubmissions,
      claims: storedBehindClaims,
    },
    kills,
    serverErrors: logs
      .filter(
        (log) =>
          Number(log.level) >= 50 &&
          !(log.msg === 'request failed' && (log.res as { statusCode?: number })?.statusCode === 503),
      )
      .map(compactLog),
    restartsLogged: logs.filter((log) => log.msg === 'embedded PostgreSQL restarted').length,
    failures: workload.failures.map((failure) => ({
      ...failure,
      serverLogs: logs
        .filter((log) => failure.requestId !== null && log.reqId === failure.requestId)
        .map(compactLog),
    })),
    readyAtEnd: workload.readyAtEnd,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The long version
// ---------------------------------------------------------------------------------------------------------------

async function soak(): Promise<number> {
  const seconds = Number(process.env.OUTAGE_SOAK_SECONDS ?? 120);
  const learnerCount = Number(process.env.OUTAGE_SOAK_LEARNERS ?? 40);
  const killEvery = Number(process.env.OUTAGE_SOAK_KILL_EVERY_SECONDS ?? 5) * 1000;
  const seed = Number(process.env.OUTAGE_SEED ?? Date.now() % 2 ** 31);
  const duration = seconds * 1000;
  const plan: WorkloadPlan = {
    firstKillMs: 2000,
    killEveryMs: killEvery,
    lastKillBeforeMs: duration,
    finishWindowMs: [duration * 0.1, duration],
    claimWindowMs: [0, duration],
    thinkMs: [100, 400],
    stepLimitMs: 45_000,
    maxRetryPauseMs: Number(process.env.OUTAGE_SOAK_RETRY_PAUSE_MS ?? 1000),
    recoveryLimitMs: 30_000,
    requestTimeoutMs: 20_000,
    minInFlightAtKill: 3,
    seed,
  };
  const log = (message: string) => console.log(`[outage-soak] ${message}`);
  log(`${seconds} s, ${learnerCount} learners, a kill every ${killEvery / 1000} s, seed ${seed}`);
  const begun = Date.now();
  const app = await startApp('cme-outage-soak-', process.env.OUTAGE_LOG_LEVEL ?? 'info');
  try {
    log(`app ready in ${((Date.now() - begun) / 1000).toFixed(1)} s at ${app.baseUrl}`);
    const key = await loadAnswerKey(app);
    const retakers = Math.ceil(learnerCount / 2);
    const preparing = Date.now();
    const learners = await prepareLearners(app, key, { retakers, claimers: learnerCount - retakers });
    log(
      `${learners.length} learners registered and prepared in ${((Date.now() - preparing) / 1000).toFixed(1)} s`,
    );
    const workload = await runWorkload(app, learners, key, plan);
    log(`app lines about its database during the workload (from its start):`);
    for (const line of supervisorLines(app, workload.logsFrom, workload.startedAt)) log(`  ${line}`);
    if (!workload.readyAtEnd) {
      log(
        `PROBLEM PostgreSQL is not back ${plan.recoveryLimitMs} ms after the learners were done; no checks possible`,
      );
      log(
        `kills: ${JSON.stringify(workload.kills.map((k) => ({ ...k, at: k.at - workload.startedAt, readyAt: k.readyAt && k.readyAt - workload.startedAt })))}`,
      );
      log(`PostgreSQL's last output (LOG_LEVEL=debug only):\n${postgresOutput(app, 40).join('\n')}`);
      appState(app, workload.logsFrom).forEach(log);
      for (const failure of workload.failures)
        log(`FAILED learner ${failure.learner} at ${failure.step}: ${failure.reason}`);
      return 1;
    }
    const resubmissions = await resubmit(app, learners, key, workload, 200);
    const problems = await checkInvariants(app, learners, workload);
    const numbers = await figures(app, learners, workload);
    problems.push(...judge(numbers, resubmissions, plan, app));

    log(
      `workload: ${numbers.seconds} s, ${numbers.requests} requests: ${numbers.successes} successes, ${numbers.unavailable} answered 503, ${numbers.unexpected.length} unexpected`,
    );
    log(`statuses: ${JSON.stringify(numbers.statuses)}`);
    log(
      `acknowledged: ${JSON.stringify(numbers.acknowledged)}; stored although a try was answered 503: ${JSON.stringify(numbers.storedBehind503)}`,
    );
    log(`kills: ${numbers.kills.length}, restarts logged by the app: ${numbers.restartsLogged}`);
    for (const [i, kill] of numbers.kills.entries())
      log(
        `  kill ${i + 1} at ${kill.atSecond} s (pid ${kill.pid}): /readyz 200 after ${kill.readyAfterMs ?? 'never'} ms, ` +
          `${kill.inFlight} requests in flight (answered ${JSON.stringify(kill.inFlightAnswers)}), ${kill.unavailableAnswers} answered 503, ` +
          `first write acknowledged after ${kill.firstSuccessAfterMs ?? '-'} ms`,
      );
    const recoveries = numbers.kills.map((k) => k.readyAfterMs).filter((ms): ms is number => ms !== null);
    if (recoveries.length > 0)
      log(
        `recovery: min ${Math.min(...recoveries)} ms, median ${recoveries.sort((a, b) => a - b)[Math.floor(recoveries.length / 2)]} ms, max ${Math.max(...recoveries)} ms`,
      );
    log(
      `resubmissions: ${resubmissions.attempts.length} attempts, ${resubmissions.claims.length} claims posted again: ` +
        `statuses ${JSON.stringify(countBy([...resubmissions.attempts, ...resubmissions.claims].map((r) => r.status)))}`,
    );
    log(`server error lines (besides 503 records): ${numbers.serverErrors.length}`);
    for (const line of numbers.serverErrors.slice(0, 10)) log(`  ${line}`);
    for (const failure of numbers.failures)
      log(
        `FAILED learner ${failure.learner} at ${failure.step}: ${failure.reason}\n  server: ${failure.serverLogs.join('\n  ')}`,
      );
    if (app.server.child.exitCode !== null || app.server.child.signalCode !== null)
      appState(app, workload.logsFrom).forEach(log);
    for (const problem of problems) log(`PROBLEM ${problem}`);
    log(problems.length === 0 ? 'all invariants hold' : `${problems.length} problems`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}

/** Whether the app still runs; if not, its exit, its fatal and error lines, and the end of its stderr. */
export function appState(app: OutageApp, from: number): string[] {
  const { exitCode, signalCode } = app.server.child;
  if (exitCode === null && signalCode === null) return ['the app is running'];
  return [
    `the app EXITED (${exitCode ?? signalCode}); its fatal and error lines:`,
    ...app.server.logs
      .slice(from)
      .filter((log) => Number(log.level) >= 50 && log.msg !== 'request failed')
      .slice(-10)
      .map((log) => `  ${compactLog(log)}`),
    `its last log lines:`,
    ...app.server.logs.slice(-5).map((log) => `  ${compactLog(log)}`),
    `its stderr (end): ${app.server.stderr().slice(-3000)}`,
  ];
}

const countBy = (values: (string | number)[]) => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
};

/** The requirements on the answers, recovery and resubmissions, as problems in words (shared with the CI test). */
export function judge(
  numbers: Figures,
  resubmissions: Resubmissions,
  plan: WorkloadPlan,
  app: OutageApp,
): string[] {
  const problems: string[] = [];
  for (const r of numbers.unexpected)
    problems.push(
      `learner ${r.learner} ${r.step}: ${r.method} ${r.path} answered ${r.status} (request ${r.requestId}): ` +
        `${r.note ?? ''}${r.serverLogs.map((line) => `\n    server: ${line}`).join('')}`,
    );
  if (!numbers.readyAtEnd) problems.push(`/readyz not 200 within ${plan.recoveryLimitMs} ms of the end`);
  if (numbers.unavailableWithoutRetryAfter > 0)
    problems.push(`${numbers.unavailableWithoutRetryAfter} answers 503 without Retry-After`);
  for (const failure of numbers.failures)
    problems.push(`learner ${failure.learner} did not finish (${failure.step}): ${failure.reason}`);
  for (const [i, kill] of numbers.kills.entries())
    if (kill.readyAfterMs === null || kill.readyAfterMs > plan.recoveryLimitMs)
      problems.push(`kill ${i + 1}: /readyz not 200 within ${plan.recoveryLimitMs} ms`);
  if (numbers.restartsLogged < numbers.kills.filter((k) => k.readyAfterMs !== null).length)
    problems.push(`${numbers.kills.length} kills, ${numbers.restartsLogged} restarts logged`);
  if (app.server.child.exitCode !== null || app.server.child.signalCode !== null)
    problems.push(`the app exited (${app.server.child.exitCode ?? app.server.child.signalCode})`);
  for (const r of resubmissions.attempts) {
    const applied = r.status === 303 && r.location === `${postTestPath}/attempts/${r.attemptId}/result`;
    const refused = r.status >= 400 && r.status < 500;
    if (!applied && !refused)
      problems.push(`attempt ${r.attemptId} posted again: ${r.status} → ${r.location}`);
    if (!r.unchanged) problems.push(`attempt ${r.attemptId} posted again: its stored rows changed`);
  }
  for (const r of resubmissions.claims) {
    const applied = r.status === 303 && r.location === `${activityPath}/claim`;
    const refused = r.status >= 400 && r.status < 500;
    if (!applied && !refused)
      problems.push(`learner ${r.learner} claimed again: ${r.status} → ${r.location}`);
    if (!r.unchanged) problems.push(`learner ${r.learner} claimed again: the claim or certificate changed`);
  }
  return problems;
}

if (require.main === module) {
  soak().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
