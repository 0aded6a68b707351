// Hostile input, property-based (fast-check): every route of the router (the table the authorization matrix
// reads, tests/security/routes.ts) × every persona (anonymous, learner, educator, admin) × both encodings (a form
// with its `_csrf` field, JSON with the session's token in X-CSRF-Token), with arbitrary and hostile values in
// every path parameter, query parameter and body field (hostile-values.ts). Properties:
//   1. the answer is never a 5xx (nor no answer at all);
//   2. a 4xx changes nothing in the database (db-fingerprint.ts: every table but session and rate_limits);
//   3. a body beyond the 100 kB limit is refused with 413 (when nothing in the URL is refused first);
//   4. the answer's headers stay under 16 kB (a Location echoing unbounded input is unreadable to clients).
// Also recorded: a 5xx that committed its change first (the user is told it failed, but it happened).
// Other answers may change state: the fingerprint is then taken again as the new baseline, and a persona whose
// session ended (sign-out, sign-in as someone else, deletion) is signed in again.
//
// Seeded: the seed is printed, FC_SEED=<seed> replays the run (and `-t 'POST /account'` one route, whose seed
// derives from FC_SEED and the route's name only). HOSTILE_RUNS sets the total number of cases (default 10,000).
// HOSTILE_SURVEY=1 does not stop a route at its first failure: every case runs and every failure is recorded.
// HOSTILE_TRACE='POST /account' prints every case of that route with its answer; HOSTILE_VERBOSE=1 (or the survey)
// prints what each route answered to each persona. FC_SHRINK=0 skips shrinking.
// The failures, deduplicated, are printed at the end and written to test-artifacts/hostile-input/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { createTestApp, projectRoot, type TestApp } from '../support/app';
import {
  activityPath,
  answersFor,
  evaluationFields,
  readAllLessons,
  startAttempt,
  submitAttempt,
} from '../support/journey';
import { hashPassword } from '../../server/auth/passwords';
import { createUser, csrfTokenFrom, signIn, strongPassword, type Agent } from '../support/session';
import { changedTables, fingerprintReader, type FingerprintReader, type Fingerprint } from './db-fingerprint';
import {
  BODY_LIMIT_BYTES,
  describeWire,
  encodeComponent,
  encodeForm,
  encodeJson,
  encodeQuery,
  formFields,
  hugeString,
  pathSegment,
  percentEncode,
  plausibleValue,
  quote,
  str,
  type Fields,
  type Wire,
} from './hostile-values';
import { applicationRoutes, fillPathEncoded, pathParameters, routeName, type RouteInfo } from './routes';

const routes = applicationRoutes();

// ------------------------------------------------------------------------------------------------------------
// Run settings

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : crypto.randomInt(0, 2 ** 31 - 1);
if (!Number.isSafeInteger(SEED)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
const TOTAL_RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);
const SURVEY = process.env.HOSTILE_SURVEY === '1';
console.log(
  `hostile-input: seed ${SEED} (replay: FC_SEED=${SEED} npx jest tests/security/hostile-input.test.ts), ` +
    `${TOTAL_RUNS} cases${SURVEY ? ', survey mode (every case runs, every failure is recorded)' : ''}`,
);

/** The seed of one route: from the run's seed and the route's name, so that `-t` selects without shifting seeds. */
const routeSeed = (name: string) =>
  crypto.createHash('sha256').update(`${SEED}:${name}`).digest().readInt32LE(0);

/**
 * Routes that verify a password (Argon2id, ~40 ms a try) whenever their fields are strings get a smaller share of
 * the cases, registration (which hashes only a fully valid form) half a share; the rest share the remainder equally.
 */
const ARGON2_ROUTES = new Set(['POST /login', 'POST /account/password', 'POST /account/delete']);
/** Renders a PDF with a QR code (~50 ms) whenever the learner asks for their own certificate. */
const SLOW_ROUTES = new Set(['GET /certificates/:code.pdf']);
const weightOf = (name: string) =>
  ARGON2_ROUTES.has(name) ? 0.3 : name === 'POST /register' ? 0.5 : SLOW_ROUTES.has(name) ? 0.2 : 1;
const totalWeight = routes.reduce((sum, route) => sum + weightOf(routeName(route)), 0);
const runsFor = (name: string) => Math.ceil((TOTAL_RUNS * weightOf(name)) / totalWeight);

/** The app's clock: inside the activity's credit window, and frozen, so that re-reading a lesson writes the same row. */
const CLOCK = new Date('2027-03-01T12:00:00Z');
const SESSION_SECRET = 'hostile-input-session-secret-long-enough';
/**
 * An answer whose status line and headers exceed this cannot be read by Node's HTTP client (its default
 * maxHeaderSize: HPE_HEADER_OVERFLOW), nor behind most proxies (nginx: 4-8 kB by default): typically a redirect
 * whose Location reflects unbounded input.
 */
const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;
/** Requests that take longer are failures ("no answer"). */
const REQUEST_TIMEOUT_MS = 15_000;

// ------------------------------------------------------------------------------------------------------------
// The server's error records, by request id (each case sends its own X-Request-Id).

interface LogRecord {
  level: number;
  reqId?: string;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string; code?: string };
}
const errorLog = new Map<string, LogRecord[]>();
const logger = pino(
  { level: process.env.TEST_LOG_LEVEL ?? 'error' },
  {
    write(line: string) {
      const record = JSON.parse(line) as LogRecord;
      if (process.env.TEST_LOG_LEVEL) process.stdout.write(line);
      if (record.level >= 50 && record.reqId && record.err) {
        const list = errorLog.get(record.reqId) ?? [];
        list.push(record);
        errorLog.set(record.reqId, list);
      }
    },
  },
);

// ------------------------------------------------------------------------------------------------------------
// The world: personas, their sessions, and the records the plausible values point at.

const personaNames = ['anonymous', 'learner', 'educator', 'admin'] as const;
type PersonaName = (typeof personaNames)[number];

interface Session {
  sid: string;
  cookie: string;
  csrf: string;
}
interface Persona {
  name: PersonaName;
  /** Null for the anonymous visitor. */
  user: { id: number; email: string } | null;
  session: Session;
  /** The persona's own records, which the placeholders below stand for. */
  attemptId?: number;
  certificateCode?: string;
}

/**
 * Plausible values that depend on who sends the case, resolved when the request is built (also inside a hostile
 * value spliced from them): a learner's own attempt is the one its form posts to.
 */
const OWN_ATTEMPT = '{own attempt}';
const OWN_CERTIFICATE = '{own certificate}';
const OWN_EMAIL = '{own email}';
/** An address no account has: a registration with it can succeed. */
const FRESH_EMAIL = '{fresh email}';
let freshEmails = 0;

function resolvePlaceholders(value: Wire, persona: Persona): Wire {
  const text = (v: string) =>
    v.includes('{own ') || v.includes(FRESH_EMAIL)
      ? v
          .split(OWN_ATTEMPT)
          .join(String(persona.attemptId ?? 1))
          .split(OWN_CERTIFICATE)
          .join(persona.certificateCode ?? '0123456789abcdef0123456789abcdef')
          .split(OWN_EMAIL)
          .join(persona.user?.email ?? 'anonymous@example.org')
          .split(FRESH_EMAIL)
          .join(`fresh.${process.pid}.${++freshEmails}@example.org`)
      : v;
  switch (value.t) {
    case 'str':
    case 'raw':
      return { ...value, v: text(value.v) };
    case 'arr':
      return { t: 'arr', v: value.v.map((item) => resolvePlaceholders(item, persona)) };
    case 'obj':
      return { t: 'obj', v: value.v.map(([key, item]) => [key, resolvePlaceholders(item, persona)]) };
    default:
      return value;
  }
}
const resolveFields = (fields: Fields, persona: Persona): Fields =>
  fields.map(([key, value]) => [key, resolvePlaceholders(value, persona)]);

interface World {
  personas: Map<PersonaName, Persona>;
  /** The users `:id` points at: never a persona, so the admin persona never acts on itself or another persona. */
  targets: { id: number; email: string }[];
  /** Signs in through POST /login with strongPassword. */
  loginTarget: { email: string };
  /** Asks for reset links through POST /forgot-password (which voids earlier links: not the reset target). */
  forgotTarget: { email: string };
  /** Unused, unexpired reset tokens of a dedicated user (POST /reset-password/:token consumes them). */
  resetTokens: string[];
  /** Attempts: the learner's (scored, passed), the educator's (in progress), the admin's (scored, passed). */
  attemptIds: number[];
  /** Certificates: the learner's own, and one of a target user that the admin may revoke. */
  certificateCodes: string[];
  /** Completion records (credit claims), for the admins' records pages. */
  claimIds: number[];
  lessonSlugs: string[];
}

let t: TestApp;
let server: http.Server;
let fingerprint: FingerprintReader;
let world: World;
/** The sess column of a real signed-in session, cloned for every session the suite makes. */
let sessTemplate: Record<string, unknown>;

const signCookie = (sid: string) => {
  const signature = crypto
    .createHmac('sha256', SESSION_SECRET)
    .update(sid)
    .digest('base64')
    .replace(/=+$/, '');
  return `cme.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`;
};

/**
 * A session as express-session and csrf-sync keep it (a copy of a real one), inserted directly: a sign-in through
 * the form costs an Argon2 verification, and personas are signed in again whenever a case ends their session.
 */
async function mintSessions(userIds: (number | null)[]): Promise<Session[]> {
  const sessions = userIds.map((userId) => {
    const sid = crypto.randomBytes(24).toString('base64url');
    const csrf = crypto.randomBytes(32).toString('hex');
    const sess: Record<string, unknown> = {
      ...sessTemplate,
      cookie: {
        ...(sessTemplate.cookie as object),
        expires: new Date(Date.now() + 86_400_000).toISOString(),
      },
      csrfToken: csrf,
    };
    delete sess.passport;
    delete sess.signedInAt;
    if (userId !== null) Object.assign(sess, { passport: { user: String(userId) }, signedInAt: Date.now() });
    return { sid, csrf, sess: JSON.stringify(sess) };
  });
  await t.pool.query(
    `INSERT INTO session (sid, sess, expire)
     SELECT sid, sess, now() + interval '1 day' FROM unnest($1::text[], $2::json[]) AS s (sid, sess)`,
    [sessions.map((s) => s.sid), sessions.map((s) => s.sess)],
  );
  return sessions.map(({ sid, csrf }) => ({ sid, cookie: signCookie(sid), csrf }));
}
const mintSession = async (userId: number | null) => (await mintSessions([userId]))[0]!;

async function newPersona(name: PersonaName): Promise<Persona> {
  if (name === 'anonymous') return { name, user: null, session: await mintSession(null) };
  const user = await createUser(t.db.prisma, { role: name, fullName: `Hostile ${name}` });
  return { name, user: { id: user.id, email: user.email }, session: await mintSession(user.id) };
}

/**
 * Throwaway personas for the routes that end or replace the session they are sent in (sign-out, sign-in,
 * registration, deletion): each case gets its own, so no shared persona is touched. Made 25 at a time (one
 * INSERT of users, one of sessions) to keep them out of the per-case cost.
 */
const disposable = new Map<PersonaName, Persona[]>();
let passwordHash: string | undefined;
async function disposablePersona(name: PersonaName): Promise<{ persona: Persona; madeUsers: boolean }> {
  const pool = disposable.get(name) ?? [];
  disposable.set(name, pool);
  if (pool.length > 0) return { persona: pool.pop()!, madeUsers: false };
  const batch = 25;
  let users: { id: number; email: string }[] = [];
  if (name !== 'anonymous') {
    const tag = crypto.randomBytes(4).toString('hex');
    ({ rows: users } = await t.pool.query<{ id: number; email: string }>(
      `INSERT INTO users (email, password_hash, role, full_name, profession, degree, updated_at)
       SELECT 'disposable.' || $1::text || '.' || g || '@example.org', $4::text, $2::text::"Role",
              'Disposable ' || $2::text, 'physician'::"Profession", 'MD', now()
         FROM generate_series(1, $3::int) g
       RETURNING id, email`,
      [tag, name, batch, (passwordHash ??= await hashPassword(strongPassword))],
    ));
  }
  const sessions = await mintSessions(
    name === 'anonymous' ? Array<null>(batch).fill(null) : users.map((u) => u.id),
  );
  sessions.forEach((session, i) => pool.push({ name, user: users[i] ?? null, session }));
  return { persona: pool.pop()!, madeUsers: users.length > 0 };
}

const post = async (agent: Agent, url: string, fields: Record<string, string | string[]>) =>
  agent
    .post(url)
    .type('form')
    .send({ ...fields, _csrf: await csrfTokenFrom(agent, '/account') });

/** Signs a user in through the form and takes them along the learner's path up to `stage`. */
async function journey(
  user: { email: string },
  stage: 'reading' | 'attempt' | 'passed' | 'certificate',
): Promise<{ agent: Agent; attemptId?: number; code?: string }> {
  const agent = await signIn(t.app, user.email);
  await readAllLessons(agent);
  if (stage === 'reading') return { agent };
  const attemptId = await startAttempt(agent);
  if (stage === 'attempt') return { agent, attemptId };
  const scored = await submitAttempt(agent, attemptId, await answersFor(t, attemptId));
  if (scored.status !== 303) throw new Error(`setup: submitting the attempt answered ${scored.status}`);
  if (stage === 'passed') return { agent, attemptId };
  for (const [url, fields] of [
    [`${activityPath}/evaluation`, evaluationFields],
    [`${activityPath}/claim`, { attest: 'on', amount: '0.5' }],
  ] as const) {
    const res = await post(agent, url, fields);
    if (res.status !== 303) throw new Error(`setup: POST ${url} answered ${res.status}`);
  }
  const certificate = await t.db.prisma.certificate.findFirstOrThrow({
    where: { claim: { attemptId } },
    select: { code: true },
  });
  return { agent, attemptId, code: certificate.code };
}

async function buildWorld(): Promise<World> {
  const prisma = t.db.prisma;
  // Users get ids far from the small numbers the arbitraries produce (0x10, 1e1, …); `:id` is also checked at
  // run time against the personas' ids (see safeId).
  await t.pool.query(`SELECT setval('users_id_seq', 5000000)`);
  const targets = [];
  for (let i = 0; i < 3; i++) {
    const target = await createUser(prisma, { role: 'learner', fullName: `Target ${i} of admin actions` });
    targets.push({ id: target.id, email: target.email });
  }
  const loginTarget = await createUser(prisma, { fullName: 'Signs in through hostile forms' });
  const forgotTarget = await createUser(prisma, { fullName: 'Asks for reset links' });
  const resetTarget = await createUser(prisma, { fullName: 'Resets the password' });
  const resetTokens = ['hostile-reset-token-0001', 'hostile-reset-token-0002', 'hostile-reset-token-0003'];
  for (const token of resetTokens)
    await prisma.passwordResetToken.create({
      data: {
        userId: resetTarget.id,
        tokenHash: crypto.createHash('sha256').update(token).digest('hex'),
        expiresAt: new Date(CLOCK.getTime() + 3_600_000),
      },
    });

  // Personas, each at a different stage of the path to credit, so that hostile answers, evaluations and claims
  // reach the code behind the first checks.
  const certified = await createUser(prisma, { fullName: 'Holds a certificate the admin may revoke' });
  const { code: targetCode } = await journey(certified, 'certificate');
  const personas = new Map<PersonaName, Persona>();
  const attemptIds: number[] = [];
  const certificateCodes = [targetCode!];
  const stages = { learner: 'certificate', educator: 'attempt', admin: 'passed' } as const;
  for (const name of personaNames) {
    if (name === 'anonymous') continue;
    const user = await createUser(prisma, { role: name, fullName: `Hostile ${name}` });
    const { agent, attemptId, code } = await journey(user, stages[name]);
    if (attemptId) attemptIds.push(attemptId);
    if (code) certificateCodes.unshift(code);
    const own = { attemptId, certificateCode: code };
    if (!sessTemplate) {
      await csrfTokenFrom(agent, '/account'); // the session now holds a CSRF token too
      const { rows } = await t.pool.query<{ sess: Record<string, unknown> }>(
        `SELECT sess FROM session WHERE sess->'passport'->>'user' = $1 ORDER BY expire DESC LIMIT 1`,
        [String(user.id)],
      );
      sessTemplate = rows[0]!.sess;
    }
    personas.set(name, {
      name,
      user: { id: user.id, email: user.email },
      session: await mintSession(user.id),
      ...own,
    });
  }
  personas.set('anonymous', { name: 'anonymous', user: null, session: await mintSession(null) });
  // The minted sessions must be what the app reads: signed in as their persona (or not signed in at all).
  for (const persona of personas.values()) {
    const res = await request(t.app).get('/account').set('Cookie', persona.session.cookie);
    const expected = persona.user ? 200 : 302;
    if (res.status !== expected)
      throw new Error(
        `setup: a minted ${persona.name} session answered ${res.status} on /account, not ${expected}`,
      );
  }
  const lessons = await prisma.lesson.findMany({
    orderBy: { position: 'asc' },
    select: { slug: true, position: true },
  });
  return {
    personas,
    targets,
    loginTarget,
    forgotTarget,
    resetTokens,
    attemptIds,
    certificateCodes,
    claimIds: (await prisma.creditClaim.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
      (c) => c.id,
    ),
    lessonSlugs: lessons.map((l) => `${l.position}-${l.slug}`),
  };
}

// ------------------------------------------------------------------------------------------------------------
// What each route reads, with plausible values (collected from server/*/routes.ts, the zod schemas and views/).

type Plausible = string | string[];

/**
 * The profile form, mostly valid (so that one hostile field in it is the only thing wrong), with a few near
 * misses: a taken or malformed email, a profession needing fields that may be missing, a failing NPI check digit.
 */
const profileFields = (w: World): Record<string, Plausible[]> => ({
  fullName: ['Dana Learner', "Zoë O'Brien-Łukasiewicz"],
  email: [OWN_EMAIL, OWN_EMAIL, OWN_EMAIL, 'new.address@example.org', w.loginTarget.email, 'not-an-email'],
  profession: ['physician', 'physician', 'nurse', 'physician_assistant', 'other', 'pharmacist'],
  degree: ['MD', 'RN', 'PharmD'],
  nabpEProfileId: ['123456', '1234567', ''],
  birthMonth: ['1', '2', '12', ''],
  birthDay: ['15', '29', ''],
  npi: ['1234567893', '1234567893', '1234567890', ''],
  licenseState: ['CA', 'NY', ''],
  licenseNumber: ['A12345', ''],
  certifyingBoard: ['ABIM', ''],
  boardId: ['12345', ''],
  consentToShare: ['on', 'true', ''],
});

const rating = ['1', '2', '3', '4', '5', '0'];
const answerOptions: Plausible[] = ['A', 'B', 'C', 'D', ['A', 'B'], ['A', 'C', 'D']];
const nextPaths = [
  '/account',
  '/admin/users',
  '//evil.example',
  'https://evil.example/',
  '/\\evil.example',
  '',
];
const pageNumbers = ['1', '2', '0', '100001', '-1', '1.5'];
/** The filters of the records page and of every export (server/records/filters.ts). */
const exportFilters: Record<string, Plausible[]> = {
  from: ['2026-01-01', '2027-02-30', '2027-1-1', ''],
  to: ['2027-12-31', '2025-01-01', 'tomorrow', ''],
  activity: ['renal-leiomyosarcoma', 'no-such-activity', 'Renal'],
  creditType: ['AMA_PRA_1', 'ACPE', 'ama'],
  profession: ['physician', 'pharmacist', 'astronaut'],
  learner: ['learner', '%', '_', 'example.org'],
  certificate: ['valid', 'revoked', 'lost'],
  consent: ['yes', 'no', 'maybe'],
};

/** Keyset cursors of the records page (server/records/sorting.ts): a date sort's, an activity sort's, damaged ones. */
const recordCursors = [
  Buffer.from(JSON.stringify(['2027-03-01 12:00:00', '1'])).toString('base64url'),
  Buffer.from(JSON.stringify(['Renal Leiomyosarcoma', '1', '2027-03-01 12:00:00', '1'])).toString(
    'base64url',
  ),
  Buffer.from(JSON.stringify(['x', '1; DROP TABLE users'])).toString('base64url'),
  'not-a-cursor',
];

type Form = Record<string, Plausible>;
interface RouteInputs {
  /** The fields the handler reads, with plausible values for each. */
  body: Record<string, Plausible[]>;
  query: Record<string, Plausible[]>;
  /** Complete, coherent forms the handler accepts (its ordinary path), into which one hostile value is put. */
  validBodies: Form[];
  validQueries: Form[];
}

const validProfiles: Form[] = [
  { fullName: 'Dana Learner', email: OWN_EMAIL, profession: 'physician', degree: 'MD' },
  {
    fullName: "Zoë O'Brien-Łukasiewicz",
    email: OWN_EMAIL,
    profession: 'pharmacist',
    degree: 'PharmD',
    nabpEProfileId: '123456',
    birthMonth: '2',
    birthDay: '29',
    consentToShare: 'on',
  },
  {
    fullName: 'Dana Learner',
    email: OWN_EMAIL,
    profession: 'physician',
    degree: 'MD',
    npi: '1234567893',
    licenseState: 'CA',
    licenseNumber: 'A12345',
    certifyingBoard: 'ABIM',
    boardId: '12345',
    consentToShare: 'true',
  },
];

function routeInputs(name: string, w: World): RouteInputs {
  const emails = [w.loginTarget.email, 'nobody@example.org', 'someone@example.org'];
  const passwords = [strongPassword, 'wrong password, long enough', 'short', ''];
  const body: Record<string, Record<string, Plausible[]>> = {
    'POST /login': { email: emails, password: passwords, next: nextPaths },
    'POST /register': {
      ...profileFields(w),
      email: [FRESH_EMAIL, FRESH_EMAIL, FRESH_EMAIL, w.loginTarget.email, 'not-an-email'],
      password: [strongPassword, strongPassword, 'short', 'password1234'],
    },
    'POST /forgot-password': { email: [w.forgotTarget.email, 'nobody@example.org', 'no-at-sign'] },
    'POST /reset-password/:token': { password: ['a brand new passphrase 1', 'short', 'password1234'] },
    'POST /account': { ...profileFields(w), emailPassword: passwords },
    'POST /account/password': {
      currentPassword: passwords,
      newPassword: ['a brand new passphrase 2', 'short', 'password1234'],
    },
    'POST /account/delete': { password: passwords },
    'POST /admin/users/:id/role': { role: ['learner', 'educator', 'admin', 'superuser'], q: ['', 'target'] },
    'POST /admin/users/:id/active': { active: ['true', 'false', 'yes'], q: ['', 'target'] },
    'POST /admin/certificates/:code/revoke': { reason: ['Issued in error', '', 'ab', 'x'.repeat(501)] },
    // The completion records (server/records): revoking a record's certificate, correcting its claim.
    'POST /admin/records/:claimId/revoke': { reason: ['Issued in error', '', 'ab', 'x'.repeat(501)] },
    'POST /admin/records/:claimId/correct': {
      amount: ['0.25', '0.5', '0.3', '1', '1.0', 'abc', ''],
      creditCode: ['AMA_PRA_1', 'ANCC', 'PARTICIPATION', 'BOGUS', ''],
      reason: ['Corrected after review', '', 'ab'],
    },
    'POST /activities/:slug/post-test/attempts/:attemptId': Object.fromEntries(
      ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9', 'q10', 'q11', 'q12', 'q13', 'q999'].map(
        (q) => [q, answerOptions],
      ),
    ),
    'POST /activities/:slug/evaluation': {
      objective_O1: rating,
      objective_O2: rating,
      objective_O3: rating,
      objective_O4: rating,
      relevance: rating,
      freeOfBias: ['yes', 'yes', 'no'],
      biasComment: ['', 'Industry-friendly framing of a drug'],
      intendedChange: ['Refer solid renal masses for core biopsy.', 'No change: I already do this.', ''],
      overallQuality: rating,
    },
    'POST /activities/:slug/claim': {
      attest: ['on', 'off', ''],
      amount: ['0.25', '0.5', '0.3', '1', '0', '-0.25'],
    },
  };
  const query: Record<string, Record<string, Plausible[]>> = {
    'GET /login': { next: nextPaths },
    'GET /admin/users': { q: ['', 'learner', 'example.org', '%', '_'], page: pageNumbers },
    'GET /admin/audit': { page: pageNumbers },
    'GET /verify': {
      code: [
        ...w.certificateCodes,
        w.certificateCodes[0]!.toUpperCase().replace(/(.{4})/g, '$1-'),
        'nothing',
      ],
    },
    'GET /account': { welcome: ['1', '0'], saved: ['profile', 'password'] },
    'GET /activities/:slug/lessons/:lesson': { v: ['1'] },
    // The exports (server/exports): the records page's filters, and the CSV's options.
    ...Object.fromEntries(
      [
        'GET /admin/exports',
        'GET /admin/exports/records.csv',
        'GET /admin/exports/pars.xlsx',
        'GET /admin/exports/pars.txt',
        'GET /admin/exports/cpe-monitor.csv',
        'GET /admin/exports/cpe-monitor.txt',
      ].map((route) => [route, exportFilters]),
    ),
    'GET /admin/exports/records.csv': {
      ...exportFilters,
      bom: ['1', '0', 'yes'],
      synthetic: ['include', 'exclude', 'all'],
    },
    'GET /admin/activities/:slug/records.csv': {
      bom: ['1', '0', 'yes'],
      synthetic: ['include', 'exclude', 'all'],
    },
    'GET /items/:slug/import': { imported: ['0', '3', '501', '-1'] },
    'GET /admin/records': {
      ...exportFilters,
      sort: ['date', 'name', 'activity', 'amount', 'score', 'price'],
      dir: ['asc', 'desc', 'up'],
      after: recordCursors,
      before: recordCursors,
    },
    'GET /admin/records/:claimId': { done: ['revoked', 'corrected', 'nothing'] },
    ...Object.fromEntries(
      ['export.xml', 'export.gift', 'export.qti.zip'].map((file) => [
        `GET /items/:slug/${file}`,
        { objective: ['O1', 'O4', 'O9', ''], status: ['draft', 'published', 'retired', 'lost', ''] },
      ]),
    ),
  };
  const answers = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`q${i + 1}`, 'A']));
  const validBodies: Record<string, Form[]> = {
    'POST /login': [
      { email: w.loginTarget.email, password: strongPassword, next: '/account' },
      { email: 'nobody@example.org', password: 'wrong password, long enough' },
    ],
    'POST /register': validProfiles.map((form) => ({
      ...form,
      email: FRESH_EMAIL,
      password: strongPassword,
    })),
    'POST /forgot-password': [{ email: w.forgotTarget.email }, { email: 'nobody@example.org' }],
    'POST /reset-password/:token': [{ password: 'a brand new passphrase 1' }],
    'POST /account': validProfiles,
    'POST /account/password': [{ currentPassword: strongPassword, newPassword: strongPassword }],
    'POST /account/delete': [{ password: strongPassword }, { password: 'wrong password, long enough' }],
    'POST /admin/users/:id/role': [{ role: 'educator', q: 'target' }, { role: 'learner' }],
    'POST /admin/users/:id/active': [{ active: 'false', q: '' }, { active: 'true' }],
    'POST /admin/certificates/:code/revoke': [{ reason: 'Issued in error' }],
    'POST /admin/records/:claimId/revoke': [{ reason: 'Issued in error' }],
    'POST /admin/records/:claimId/correct': [
      { amount: '0.25', creditCode: 'AMA_PRA_1', reason: 'Corrected after review' },
      { amount: '0.5', creditCode: 'ANCC', reason: 'Corrected after review' },
    ],
    'POST /activities/:slug/post-test/attempts/:attemptId': [answers],
    'POST /activities/:slug/evaluation': [
      evaluationFields,
      { ...evaluationFields, freeOfBias: 'no', biasComment: 'Industry-friendly framing of a drug' },
    ],
    'POST /activities/:slug/claim': [
      { attest: 'on', amount: '0.5' },
      { attest: 'on', amount: '0.25' },
    ],
  };
  const validQueries: Record<string, Form[]> = {
    'GET /login': [{ next: '/account' }],
    'GET /admin/users': [
      { q: 'learner', page: '1' },
      { q: '', page: '2' },
    ],
    'GET /admin/audit': [{ page: '1' }],
    'GET /verify': [{ code: w.certificateCodes[0]! }],
    'GET /account': [{ saved: 'profile' }],
    'GET /admin/exports': [{ from: '2026-01-01', to: '2027-12-31', profession: 'physician' }],
    'GET /admin/records': [
      { from: '2026-01-01', to: '2027-12-31', profession: 'physician', sort: 'name' },
      { learner: 'hostile', certificate: 'valid', sort: 'activity', dir: 'desc', after: recordCursors[1]! },
    ],
    'GET /admin/exports/records.csv': [
      { from: '2026-01-01', learner: 'learner', bom: '1', synthetic: 'include' },
    ],
    'GET /admin/exports/pars.txt': [{ consent: 'yes', certificate: 'valid', creditType: 'AMA_PRA_1' }],
    'GET /admin/exports/cpe-monitor.csv': [{ activity: 'renal-leiomyosarcoma', profession: 'pharmacist' }],
    'GET /items/:slug/export.xml': [
      { objective: 'O1', status: 'published' },
      { objective: '', status: '' },
    ],
    'GET /items/:slug/export.gift': [{ objective: 'O2' }, { status: 'draft' }],
    'GET /items/:slug/export.qti.zip': [{ status: 'published' }],
  };
  return {
    body: body[name] ?? {},
    query: query[name] ?? {},
    validBodies: validBodies[name] ?? [],
    validQueries: validQueries[name] ?? [],
  };
}

function pathValues(param: string, w: World): string[] {
  switch (param) {
    case 'slug':
      return [
        'renal-leiomyosarcoma',
        'renal-leiomyosarcoma',
        'renal-leiomyosarcoma',
        'Renal-Leiomyosarcoma',
        'no-such-activity',
      ];
    case 'lesson':
      return [...w.lessonSlugs.slice(0, 3), '1', '13', '14', '999', '01-introduction', '1-wrong-slug'];
    case 'attemptId':
      return [OWN_ATTEMPT, OWN_ATTEMPT, ...w.attemptIds.map(String), '1', '0'];
    case 'code':
      return [
        OWN_CERTIFICATE,
        ...w.certificateCodes,
        w.certificateCodes[0]!.toUpperCase(),
        '0123456789abcdef0123456789abcdef',
      ];
    case 'id':
      return [...w.targets.map((target) => String(target.id)), '0'];
    case 'claimId':
      return [...w.claimIds.map(String), '999999', '0'];
    case 'token':
      return [...w.resetTokens, 'x'];
    default:
      throw new Error(`no plausible values for the path parameter :${param}`);
  }
}

// ------------------------------------------------------------------------------------------------------------
// Cases

type Encoding = 'form' | 'json';
interface Case {
  persona: PersonaName;
  encoding: Encoding;
  /** An anonymous GET without any cookie takes the app's session-less path (app.ts). */
  cookie: boolean;
  accept: 'html' | 'json' | 'none';
  /** Usually the encoding's own; sometimes a charset the parsers refuse, or a type they do not parse. */
  contentType: 'standard' | 'text/plain' | 'charset=utf-16' | 'charset=latin1';
  /** False: every path parameter and query value is a plausible one (or absent). */
  hostileUrl: boolean;
  /** Where the one huge string of the case went, if it has one. */
  huge: 'body' | 'query' | null;
  params: Record<string, Wire>;
  query: Fields;
  /** null: no body at all. */
  body: Fields | null;
  /** JSON only: the top-level value (an object of the fields, or something else). */
  jsonShape: 'object' | 'array' | 'string' | 'null' | 'number' | 'truncated' | 'empty';
}

const isPlausible = (value: Wire, plausible: readonly string[]) =>
  value.t === 'str' && plausible.includes(value.v);

/**
 * Every persona is sent to every route, weighted towards those the guard lets through (their input reaches the
 * handler): admins on admin routes, signed-in personas on signed-in routes.
 */
function personaFor(route: RouteInfo): fc.Arbitrary<PersonaName> {
  const weight = (persona: PersonaName) =>
    route.access?.kind === 'roles'
      ? (route.access.roles as readonly string[]).includes(persona)
        ? 5
        : 1
      : route.access?.kind === 'signedIn' && persona === 'anonymous'
        ? 1
        : 2;
  return fc.oneof(
    ...personaNames.map((persona) => ({ weight: weight(persona), arbitrary: fc.constant(persona) })),
  );
}

function caseArbitrary(route: RouteInfo, w: World): fc.Arbitrary<Case> {
  const name = routeName(route);
  const inputs = routeInputs(name, w);
  const names = pathParameters(route.path);
  const plausibleParams = fc.record(
    Object.fromEntries(names.map((p) => [p, plausibleValue(pathValues(p, w))])),
  );
  const hostileParams = fc.record(Object.fromEntries(names.map((p) => [p, pathSegment(pathValues(p, w))])));
  const plausibleQuery = fc
    .tuple(
      ...Object.entries(inputs.query).map(([field, values]) =>
        fc.option(
          plausibleValue(values).map((v): [string, Wire] => [field, v]),
          { freq: 2 },
        ),
      ),
    )
    .map((fields) => fields.filter((f): f is [string, Wire] => f !== null));
  const isGet = route.method === 'GET';
  return fc
    .record({
      persona: personaFor(route),
      encoding: fc.constantFrom<Encoding>('form', 'json'),
      cookie: fc.boolean(),
      accept: fc.constantFrom<Case['accept']>('html', 'html', 'json', 'none'),
      contentType: fc.oneof(
        { weight: 20, arbitrary: fc.constant<Case['contentType']>('standard') },
        {
          weight: 1,
          arbitrary: fc.constantFrom<Case['contentType']>('text/plain', 'charset=utf-16', 'charset=latin1'),
        },
      ),
      hostileUrl: fc.boolean(),
      plausibleParams,
      hostileParams,
      plausibleQuery,
      hostileQuery: formFields(inputs.query, isGet ? 2 : 1, inputs.validQueries),
      body: isGet
        ? fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: formFields({}, 3) })
        : formFields(inputs.body, 2, inputs.validBodies),
      huge: fc.oneof(
        { weight: 19, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.record({ value: hugeString, at: fc.nat(), inQuery: fc.boolean() }) },
      ),
      // A JSON body that is not an object (an array of the fields, a string, null, …) in about one case in five.
      jsonShape: fc.oneof(
        { weight: 16, arbitrary: fc.constant<Case['jsonShape']>('object') },
        {
          weight: 4,
          arbitrary: fc.constantFrom<Case['jsonShape']>(
            'array',
            'string',
            'null',
            'number',
            'truncated',
            'empty',
          ),
        },
      ),
    })
    .map(
      ({ hostileUrl, plausibleParams, hostileParams, plausibleQuery, hostileQuery, huge, ...rest }): Case => {
        const c: Case = {
          ...rest,
          hostileUrl,
          huge: null,
          params: hostileUrl ? hostileParams : plausibleParams,
          query: hostileUrl ? hostileQuery : plausibleQuery,
        };
        if (huge) {
          // One huge value: in a body field (the body limit), or in the query string (Node's header limit).
          const intoQuery = huge.inQuery || (c.body === null && isGet);
          const fields = intoQuery ? [...c.query] : [...(c.body ?? [])];
          const value = str(huge.value);
          if (fields.length === 0) fields.push(['x', value]);
          else fields[huge.at % fields.length] = [fields[huge.at % fields.length]![0], value];
          if (intoQuery) c.query = fields;
          else c.body = fields;
          c.huge = intoQuery ? 'query' : 'body';
        }
        return Object.assign(c, { [fc.toStringMethod]: () => describeCase(route, c) });
      },
    );
}

/** The HTTP request a case sends. */
interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Every path and query value is one of the plausible ones: nothing in the URL should be refused. */
  plausibleUrl: boolean;
}

function wireRequest(route: RouteInfo, c: Case, persona: Persona, session: Session | null): WireRequest {
  const segments: Record<string, string> = {};
  for (const [param, value] of Object.entries(c.params))
    segments[param] = encodeComponent(resolvePlaceholders(value, persona));
  const plausibleUrl = !c.hostileUrl && c.huge !== 'query';
  const query = encodeQuery(resolveFields(c.query, persona));
  const url = fillPathEncoded(route.path, segments) + (query ? `?${query}` : '');
  const headers: Record<string, string> = {};
  if (session) headers.Cookie = session.cookie;
  if (c.accept === 'json') headers.Accept = 'application/json';
  else if (c.accept === 'html') headers.Accept = 'text/html,application/xhtml+xml';
  let body: Buffer | null = null;
  if (c.body !== null) {
    const standard = c.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    headers['Content-Type'] =
      c.contentType === 'standard'
        ? standard
        : c.contentType === 'text/plain'
          ? 'text/plain'
          : `${standard}; ${c.contentType}`;
    if (c.encoding === 'json' || c.contentType === 'text/plain') {
      if (session) headers['X-CSRF-Token'] = session.csrf;
    }
    const resolved = resolveFields(c.body, persona);
    if (c.encoding === 'form') {
      const fields: Fields = session ? [['_csrf', str(session.csrf)], ...resolved] : resolved;
      body = encodeForm(fields);
    } else {
      const object: Wire = { t: 'obj', v: resolved };
      body =
        c.jsonShape === 'object'
          ? encodeJson(object)
          : c.jsonShape === 'array'
            ? encodeJson({ t: 'arr', v: [object] })
            : c.jsonShape === 'string'
              ? encodeJson(str('a string'))
              : c.jsonShape === 'null'
                ? Buffer.from('null')
                : c.jsonShape === 'number'
                  ? Buffer.from('1e309')
                  : c.jsonShape === 'truncated'
                    ? encodeJson(object).subarray(0, Math.max(1, encodeJson(object).length - 1))
                    : Buffer.alloc(0);
    }
  } else if (route.method !== 'GET' && session) {
    // A state-changing request without a body still carries the token, in the header.
    headers['X-CSRF-Token'] = session.csrf;
  }
  return { method: route.method, url, headers, body, plausibleUrl };
}

function describeFields(fields: Fields): string {
  return `{${fields.map(([key, value]) => `${quote(key)}: ${describeWire(value)}`).join(', ')}}`;
}

function describeCase(route: RouteInfo, c: Case): string {
  const parts = [
    `${routeName(route)} as ${c.persona}`,
    `${c.encoding}${c.contentType === 'standard' ? '' : ` (${c.contentType})`}`,
  ];
  if (c.persona === 'anonymous' && route.method === 'GET' && !c.cookie) parts.push('no cookie');
  if (c.accept !== 'html') parts.push(`accept ${c.accept}`);
  const params = Object.entries(c.params).filter(
    ([p, v]) => !isPlausible(v, world ? pathValues(p, world) : []),
  );
  if (params.length) parts.push(`params ${params.map(([p, v]) => `:${p}=${describeWire(v)}`).join(' ')}`);
  if (c.query.length) parts.push(`query ${describeFields(c.query)}`);
  if (c.body)
    parts.push(
      `body ${c.encoding === 'json' && c.jsonShape !== 'object' ? `(${c.jsonShape}) ` : ''}${describeFields(c.body)}`,
    );
  return parts.join('; ');
}

// ------------------------------------------------------------------------------------------------------------
// Failures, deduplicated

interface Failure {
  route: string;
  persona: PersonaName;
  encoding: Encoding;
  status: number | string;
  kind:
    | '5xx'
    | 'no answer'
    | '4xx changed the database'
    | 'oversize body not refused with 413'
    | 'response headers over 16 kB';
  /** The server's error (type, message, first frame of our code), or the tables a 4xx changed. */
  cause: string;
  stack?: string;
  /** The tables the request changed all the same (a 5xx that committed its change first). */
  changed?: string[];
  /** The smallest input seen with this route, persona, encoding, status and cause. */
  example: string;
  request: string;
  size: number;
  count: number;
}
const failures = new Map<string, Failure>();
let casesRun = 0;

/** One line that names a server error's root cause: its type, its message without values, where it was thrown. */
function errorSignature(records: LogRecord[]): { cause: string; stack?: string } {
  const record = records.find((r) => r.err) ?? records[0];
  const err = record?.err;
  if (!err) return { cause: record?.msg ?? 'no error logged' };
  // The message without the values in it (ids, lengths, Prisma's source excerpt), so that one cause is one line.
  // A ZodError's message is its issues as JSON: their messages say it.
  let text = err.message ?? '';
  try {
    const issues = JSON.parse(text) as { message?: string; path?: unknown[] }[];
    if (Array.isArray(issues))
      text = issues.map((i) => `${(i.path ?? []).join('.') || 'input'}: ${i.message ?? '?'}`).join('; ');
  } catch {
    // not JSON
  }
  const message = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^(→\s*)?\d+\s/.test(line) && !line.startsWith('Invalid `'))
    .slice(-1)
    .join(' / ')
    .replace(/^(.+): \1$/, '$1') // the driver adapter repeats its cause: "X: X"
    .replace(/"[^"]*"/g, (quoted) => (/\d/.test(quoted) || quoted.length > 22 ? '"…"' : quoted))
    .replace(/\b\d+\b/g, 'N')
    .slice(0, 200);
  // Where our code threw or called: the first frame under server/ (database errors of the pg pool carry none).
  const frames = (err.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
  const ours = frames.find((line) => line.includes('/server/') && !line.includes('/server/generated/'));
  const where = ours
    ? ` @ ${ours
        .trim()
        .replace(/^at /, '')
        .replace(/\(?\/\S*?\/server\//, '(server/')
        .replace(/^\(/, '')}`
    : '';
  return {
    cause: `${err.type ?? 'Error'}${err.code ? ` [${err.code}]` : ''}: ${message}${where}`,
    stack: (err.stack ?? '').split('\n').slice(0, 14).join('\n'),
  };
}

function record(failure: Omit<Failure, 'count'>) {
  const key = [
    failure.route,
    failure.persona,
    failure.encoding,
    failure.status,
    failure.kind,
    failure.cause,
  ].join('|');
  const seen = failures.get(key);
  if (!seen) failures.set(key, { ...failure, count: 1 });
  else {
    seen.count += 1;
    const changed = [...new Set([...(seen.changed ?? []), ...(failure.changed ?? [])])];
    if (failure.size < seen.size) Object.assign(seen, { ...failure, count: seen.count });
    if (changed.length) seen.changed = changed;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function describeRequest(req: WireRequest): string {
  const url = req.url.length > 300 ? `${req.url.slice(0, 200)}…(${req.url.length} chars)` : req.url;
  const type = req.headers['Content-Type'];
  let body = '';
  if (req.body) {
    // As UTF-8 when it is UTF-8; otherwise byte by byte, the bytes above 0x7F as \xNN.
    let text: string;
    try {
      text = strictUtf8.decode(req.body);
    } catch {
      text = [...req.body].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16)}`)).join('');
    }
    const shown = text.length > 400 ? `${text.slice(0, 300)}…(${req.body.length} bytes)` : text;
    // eslint-disable-next-line no-control-regex -- the point: control characters are shown escaped in the report
    body = ` [${type}] ${shown.replace(/[\u0000-\u001f\u007f\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
  }
  return `${req.method} ${url}${body}`;
}

// ------------------------------------------------------------------------------------------------------------
// Running one case

/** Routes that end or replace the session they are sent in: each case gets a throwaway user and session. */
const SESSION_ENDING = new Set(['POST /logout', 'POST /login', 'POST /register', 'POST /account/delete']);

let baseline: Fingerprint;
/** Personas signed in again after a case ended or took over their session. */
const repairs: string[] = [];
/** Where the time goes (ms), and what each route answered to whom: printed at the end. */
const costs = { request: 0, fingerprint: 0 };
const statusCounts = new Map<string, Map<string, number>>();
let caseNumber = 0;

const personaSids = () => [...world.personas.values()].map((p) => p.session.sid);

/** Sessions of personas that a case ended or handed to someone else are replaced (and deleted users too). */
async function repairPersonas(
  sessions: {
    sid: string;
    userId: string | null;
    role: string | null;
    active: boolean | null;
    deleted: boolean | null;
  }[],
) {
  let repaired = false;
  for (const persona of world.personas.values()) {
    const state = sessions.find((s) => s.sid === persona.session.sid);
    const expectedUser = persona.user ? String(persona.user.id) : null;
    const sessionOk = state !== undefined && state.userId === expectedUser;
    const userOk =
      persona.user === null ||
      (state?.active === true && state.deleted === false && state.role === persona.name);
    if (sessionOk && userOk) continue;
    repaired = true;
    repairs.push(
      `${persona.name}: ${!sessionOk ? (state ? 'session now of user ' + state.userId : 'session ended') : 'user changed'}`,
    );
    if (!userOk) {
      const { rows } = await t.pool.query<{ role: string; active: boolean; deleted: boolean }>(
        'SELECT role, active, deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1',
        [persona.user!.id],
      );
      const row = rows[0];
      if (!row || row.role !== persona.name || !row.active || row.deleted) {
        world.personas.set(persona.name, await newPersona(persona.name));
        continue;
      }
    }
    persona.session = await mintSession(persona.user?.id ?? null);
  }
  return repaired;
}

/** `:id` never names a persona, however the route would read the value (Number, parseInt, trimmed). */
function safeId(value: Wire): Wire {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodeComponent(value));
  } catch {
    return value;
  }
  const ids = new Set([...world.personas.values()].flatMap((p) => (p.user ? [p.user.id] : [])));
  const readings = [Number(decoded), Number(decoded.trim()), parseInt(decoded, 10), parseFloat(decoded)];
  return readings.some((n) => ids.has(n)) ? str(String(world.targets[0]!.id)) : value;
}

/**
 * Sends the request with node:http rather than Supertest: superagent takes ~300 ms to upload a 200 kB buffer
 * (node:http: 3 ms), and the oversize bodies are part of the point. The URL goes out byte for byte as built.
 */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
interface Answer {
  status: number | string;
  text: string;
  /** Bytes of the status line and headers, and the largest header. */
  headerBytes: number;
  largestHeader: string;
}
/** Node's default limit on a request's head (request line and headers): beyond it Node answers 431 itself. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

function send(req: WireRequest, retried = false): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: Answer) => {
      if (!settled) resolve(value);
      settled = true;
    };
    const headers: Record<string, string | number> = {
      ...req.headers,
      'Content-Length': req.body?.length ?? 0,
    };
    if (req.body === null && req.method === 'GET') delete headers['Content-Length'];
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        method: req.method,
        path: req.url,
        headers,
        agent: keepAlive,
        timeout: REQUEST_TIMEOUT_MS,
        // Larger than any client would accept, so that an oversized answer is measured rather than unreadable.
        maxHeaderSize: 1 << 20,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const headerBytes = res.rawHeaders.reduce((sum, part) => sum + part.length + 2, 0);
        let largestHeader = '';
        for (let i = 0, size = -1; i < res.rawHeaders.length; i += 2)
          if (res.rawHeaders[i + 1]!.length > size) {
            size = res.rawHeaders[i + 1]!.length;
            largestHeader = res.rawHeaders[i]!;
          }
        const finish = () =>
          done({
            status: res.statusCode ?? 'no status',
            text: Buffer.concat(chunks).toString('utf8'),
            headerBytes,
            largestHeader,
          });
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    outgoing.on('timeout', () => {
      outgoing.destroy();
      done({
        status: `no answer within ${REQUEST_TIMEOUT_MS} ms`,
        text: '',
        headerBytes: 0,
        largestHeader: '',
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const reset = error.code === 'ECONNRESET' || error.code === 'EPIPE';
      // A kept-alive socket the server closed just as it was reused: send again on a new one (Node's advice).
      if (reset && outgoing.reusedSocket && !retried && !settled) {
        settled = true;
        resolve(send(req, true));
        return;
      }
      // A head beyond Node's limit: Node answers 431 and closes the socket, which a client still sending its body
      // sees as a reset. The request was refused before the app saw it.
      const head =
        req.url.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
      if (reset && head > NODE_MAX_HEADER_BYTES) {
        done({
          status: 431,
          text: '(connection closed by Node after 431)',
          headerBytes: 0,
          largestHeader: '',
        });
        return;
      }
      done({
        status: `no answer (${error.code ?? error.message})`,
        text: '',
        headerBytes: 0,
        largestHeader: '',
      });
    });
    outgoing.end(req.body ?? undefined);
  });
}

async function runCase(route: RouteInfo, generated: Case): Promise<void> {
  const name = routeName(route);
  casesRun += 1;
  // `:id` never names a persona (the generated value is left as it is: fast-check may replay it).
  const c: Case = generated.params.id
    ? { ...generated, params: { ...generated.params, id: safeId(generated.params.id) } }
    : generated;
  let session: Session | null;
  let persona = world.personas.get(c.persona)!;
  if (SESSION_ENDING.has(name)) {
    const made = await disposablePersona(c.persona);
    persona = made.persona;
    if (made.madeUsers) baseline = (await fingerprint.read()).fingerprint;
  }
  session = persona.session;
  if (c.persona === 'anonymous' && route.method === 'GET' && !c.cookie) session = null;
  const req = wireRequest(route, c, persona, session);
  const reqId = `hostile-${process.pid}-${++caseNumber}`;
  req.headers['X-Request-Id'] = reqId;
  const sentAt = performance.now();
  const res = await send(req);
  const answeredAt = performance.now();
  const after = await fingerprint.read(personaSids());
  costs.request += answeredAt - sentAt;
  costs.fingerprint += performance.now() - answeredAt;
  const counts = statusCounts.get(name) ?? new Map<string, number>();
  const bucket = `${c.persona}:${res.status}`;
  counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  statusCounts.set(name, counts);
  if (process.env.HOSTILE_TRACE === name)
    console.log(
      `${res.status} ${describeCase(route, c).slice(0, 400)}\n  → ${res.text.replace(/\s+/g, ' ').slice(0, 300)}`,
    );
  const status = res.status;
  const numeric = typeof status === 'number' ? status : 0;
  const changed = changedTables(baseline, after.fingerprint);
  const problems: string[] = [];
  const base = {
    route: name,
    persona: c.persona,
    encoding: c.encoding,
    status,
    example: describeCase(route, c),
    request: describeRequest(req),
    size: req.url.length + (req.body?.length ?? 0),
  };
  if (typeof status === 'string') {
    record({ ...base, kind: 'no answer', cause: status });
    problems.push(status);
  } else if (numeric >= 500) {
    const { cause, stack } = errorSignature(errorLog.get(reqId) ?? []);
    // A 500 after the change was committed (the user is told it failed, but it happened) is worth knowing.
    record({ ...base, kind: '5xx', cause, stack, changed });
    problems.push(
      `answered ${numeric}${changed.length ? ` after changing ${changed.join(', ')}` : ''}: ${cause}\n${stack ?? ''}`,
    );
  }
  if (numeric >= 400 && numeric < 500 && changed.length > 0) {
    record({ ...base, kind: '4xx changed the database', cause: `changed: ${changed.join(', ')}` });
    problems.push(`answered ${numeric} but changed ${changed.join(', ')}`);
  }
  const bodyParsed =
    req.body !== null &&
    c.contentType === 'standard' &&
    (session !== null || route.method !== 'GET') &&
    !['/healthz', '/readyz'].includes(route.path);
  if (res.headerBytes > MAX_RESPONSE_HEADER_BYTES) {
    record({
      ...base,
      kind: 'response headers over 16 kB',
      cause: `the largest header is ${res.largestHeader}`,
    });
    problems.push(
      `the answer's headers take ${res.headerBytes} bytes (${res.largestHeader} the largest): clients refuse ` +
        `more than 16 kB (Node: HPE_HEADER_OVERFLOW)`,
    );
  }
  if (
    bodyParsed &&
    req.plausibleUrl &&
    req.body!.length > BODY_LIMIT_BYTES &&
    numeric !== 413 &&
    numeric < 500
  ) {
    record({ ...base, kind: 'oversize body not refused with 413', cause: `answered ${status}` });
    problems.push(`a ${req.body!.length}-byte body answered ${status}, not 413`);
  }
  errorLog.delete(reqId);
  // Non-4xx answers may change state: take the new state as the baseline, and repair the personas.
  baseline = after.fingerprint;
  if (await repairPersonas(after.sessions)) baseline = (await fingerprint.read()).fingerprint;
  if (problems.length > 0 && !SURVEY)
    throw new Error(
      `${problems.join('\n')}\nrequest: ${describeRequest(req)}\nresponse: ${res.text.slice(0, 300)}\n` +
        `replay: FC_SEED=${SEED} npx jest tests/security/hostile-input.test.ts -t '${name}'`,
    );
}

// ------------------------------------------------------------------------------------------------------------

const started = { at: 0 };
const timings: { route: string; runs: number; ms: number }[] = [];

beforeAll(async () => {
  t = await createTestApp({
    // As in production: templates compiled once (development recompiles them on every render, which took most
    // of the CPU here). Error pages then carry no stack; the stack of each 500 is read from the log instead.
    production: true,
    now: () => CLOCK,
    logger,
    session: { secret: SESSION_SECRET },
    throttle: {
      loginPerIpPer15Min: 1_000_000,
      registrationsPerIpPerHour: 1_000_000,
      resetsPerIpPerHour: 1_000_000,
      lockoutThreshold: 100_000,
      lockoutBaseSeconds: 1,
      lockoutMaxSeconds: 1,
      verifyPerIpPerMinute: 1_000_000,
    },
  });
  server = http.createServer(t.app);
  server.keepAliveTimeout = 60_000; // the suite's one kept-alive socket pauses between routes
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fingerprint = await fingerprintReader(t.pool);
  world = await buildWorld();
  // Cost of the fingerprint statement on the populated database: hashing every table, and when the WAL has not
  // moved (nothing to hash).
  const measure = async (force: boolean) => {
    const rounds = 50;
    const began = performance.now();
    for (let i = 0; i < rounds; i++) await fingerprint.read(personaSids(), { force });
    return ((performance.now() - began) / rounds).toFixed(2);
  };
  const full = await measure(true);
  const unchanged = await measure(false);
  console.log(
    `hostile-input: fingerprint of ${fingerprint.tables.length} tables (${fingerprint.tables.join(', ')}) in one ` +
      `statement: ${full} ms hashing them all, ${unchanged} ms when the WAL has not moved`,
  );
  baseline = (await fingerprint.read()).fingerprint;
  started.at = performance.now();
}, 120_000);

afterAll(async () => {
  const seconds = (performance.now() - started.at) / 1000;
  const slowest = [...timings].sort((a, b) => b.ms / b.runs - a.ms / a.runs).slice(0, 8);
  console.log(
    `hostile-input: ${casesRun} cases in ${seconds.toFixed(1)} s = ${(casesRun / seconds).toFixed(0)} cases/s ` +
      `(seed ${SEED}); slowest routes per case: ` +
      slowest.map((s) => `${s.route} ${(s.ms / s.runs).toFixed(1)} ms`).join(', ') +
      `; the ${timings.length} routes took ${(timings.reduce((sum, s) => sum + s.ms, 0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `hostile-input: time in requests ${(costs.request / 1000).toFixed(1)} s, in fingerprints ` +
      `${(costs.fingerprint / 1000).toFixed(1)} s (${fingerprint?.stats.reads} readings, ` +
      `${fingerprint?.stats.hashed} of them hashed the tables); personas signed in again: ${repairs.length}` +
      `${repairs.length ? ` (${[...new Set(repairs)].join('; ')})` : ''}`,
  );
  if (SURVEY || process.env.HOSTILE_VERBOSE)
    console.log(
      `hostile-input: answers per route (persona:status×n):\n` +
        [...statusCounts.entries()]
          .map(([route, counts]) => {
            const answers = [...counts.entries()].sort().map(([k, n]) => `${k}×${n}`);
            return `  ${route}: ${answers.join(' ')}`;
          })
          .join('\n'),
    );
  report();
  keepAlive.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
});

/**
 * The failures, by root cause (kind and server error), then by route: the personas, encodings and statuses seen,
 * and the smallest input (fast-check shrinks the first failure of each route; for the others, the smallest seen).
 */
function report() {
  if (failures.size === 0) return;
  const list = [...failures.values()].sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) || a.cause.localeCompare(b.cause) || a.route.localeCompare(b.route),
  );
  const byCause = new Map<string, Failure[]>();
  for (const failure of list) {
    const key = `${failure.kind} · ${failure.cause}`;
    byCause.set(key, [...(byCause.get(key) ?? []), failure]);
  }
  const lines: string[] = [
    `# Hostile input: ${byCause.size} causes, ${list.length} distinct failures (seed ${SEED}, ${casesRun} cases)`,
    '',
  ];
  for (const [cause, group] of byCause) {
    lines.push(`## ${cause}`, '');
    const stack = group.find((f) => f.stack)?.stack;
    if (stack) lines.push('```', stack, '```', '');
    const byRoute = new Map<string, Failure[]>();
    for (const f of group) byRoute.set(f.route, [...(byRoute.get(f.route) ?? []), f]);
    for (const [route, failuresOfRoute] of byRoute) {
      const smallest = failuresOfRoute.reduce((a, b) => (b.size < a.size ? b : a));
      const seen = (pick: (f: Failure) => string) => [...new Set(failuresOfRoute.map(pick))].sort().join('/');
      const changedToo = [...new Set(failuresOfRoute.flatMap((f) => f.changed ?? []))];
      lines.push(
        `- **${route}** · ${seen((f) => f.persona)} · ${seen((f) => f.encoding)} · ${seen((f) => String(f.status))} · ` +
          `${failuresOfRoute.reduce((n, f) => n + f.count, 0)} cases` +
          (changedToo.length ? ` · **changed ${changedToo.join(', ')} before failing**` : ''),
        `  - input: ${smallest.example}`,
        `  - request: \`${smallest.request}\``,
      );
    }
    lines.push('');
  }
  const dir = path.join(projectRoot, 'test-artifacts', 'hostile-input');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `failures-${SEED}.md`), lines.join('\n'));
  fs.writeFileSync(path.join(dir, `failures-${SEED}.json`), JSON.stringify(list, null, 2));
  console.log(
    `hostile-input: ${byCause.size} causes (${list.length} distinct failures), written to ` +
      `test-artifacts/hostile-input/failures-${SEED}.md\n` +
      [...byCause.entries()]
        .map(([cause, group]) => `  ${cause}\n    ${[...new Set(group.map((f) => f.route))].join(', ')}`)
        .join('\n'),
  );
}

describe('the encoders put hostile values on the wire as they are', () => {
  it('percent-encodes lone surrogates as WTF-8, keeps raw escapes and bytes, writes JSON keys and numbers literally', () => {
    expect(percentEncode('a\ud800b\ud83d\ude00')).toBe('a%ED%A0%80b%F0%9F%98%80');
    expect(
      encodeForm([
        ['q', { t: 'raw', v: '%E0%A4%A' }],
        ['a', { t: 'arr', v: [str('1'), str('2')] }],
        ['o', { t: 'obj', v: [['__proto__', str('x')]] }],
        ['n', { t: 'null' }],
        ['b', { t: 'bytes', v: [0xff] }],
      ]),
    ).toEqual(
      Buffer.concat([Buffer.from('q=%E0%A4%A&a=1&a=2&o%5B__proto__%5D=x&n&b='), Buffer.from([0xff])]),
    );
    const json = encodeJson({
      t: 'obj',
      v: [
        ['__proto__', { t: 'obj', v: [['role', str('admin')]] }],
        ['id', { t: 'num', v: '1e309' }],
        ['s', str('\ud800')],
      ],
    }).toString();
    expect(json).toBe('{"__proto__":{"role":"admin"},"id":1e309,"s":"\\ud800"}');
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['__proto__', 'id', 's']);
  });
});

describe('the database fingerprint', () => {
  it('changes with any row of a fingerprinted table, comes back with the content, and ignores the session table', async () => {
    const users = (await fingerprint.read()).fingerprint;
    const target = world.targets[0]!.id;
    await t.pool.query(`UPDATE users SET full_name = full_name || '!' WHERE id = $1`, [target]);
    const changed = (await fingerprint.read()).fingerprint;
    expect(changedTables(users, changed)).toEqual(['users']);
    await t.pool.query(`UPDATE users SET full_name = left(full_name, -1) WHERE id = $1`, [target]);
    expect(changedTables(users, (await fingerprint.read()).fingerprint)).toEqual([]);
    await t.pool.query(`UPDATE session SET expire = expire + interval '1 second'`);
    await t.pool.query(`INSERT INTO rate_limits (key, points) VALUES ('fingerprint-test', 1)`);
    expect(changedTables(users, (await fingerprint.read()).fingerprint)).toEqual([]);
  });
});

describe('hostile input never gets a 5xx, and a refused request changes nothing', () => {
  it.each(routes.map((route) => [routeName(route), route] as const))(
    '%s',
    async (name, route) => {
      const runs = runsFor(name);
      const began = performance.now();
      const casesBefore = casesRun;
      baseline = (await fingerprint.read()).fingerprint;
      try {
        await fc.assert(
          fc.asyncProperty(caseArbitrary(route, world), (c) => runCase(route, c)),
          { seed: routeSeed(name), numRuns: runs, endOnFailure: process.env.FC_SHRINK === '0' },
        );
      } finally {
        timings.push({
          route: name,
          runs: Math.max(1, casesRun - casesBefore),
          ms: performance.now() - began,
        });
      }
      if (SURVEY) {
        const mine = [...failures.values()].filter((f) => f.route === name);
        expect(mine.map((f) => `${f.kind} (${f.persona}, ${f.encoding}, ${f.status}): ${f.cause}`)).toEqual(
          [],
        );
      }
    },
    600_000,
  );
});
