// Every hand-written statement (the capabilities' queries.ts, and the session's in session-store.ts and
// session-user.ts) against prisma/schema.prisma: the tables it names are the schema's @@map names, every other name
// in it is a column of those tables (or one the statement defines itself), and each column it returns comes from
// the table and column the schema maps the declared field to (PostgreSQL says where each output column comes from).
// Each statement also runs once on a real database, through the function the app calls, so a typo fails here.
import type { FieldDef, Pool, QueryConfig } from 'pg';
import { USER_CREATION_LOCK_SQL, createAuthQueries } from '../../server/auth/queries';
import { SESSION_WITH_USER_SQL, createSessionStore } from '../../server/auth/session-store';
import { USER_BY_ID_SQL, readSessionUser, type SessionUserRow } from '../../server/auth/session-user';
import {
  CERTIFICATE_BY_CODE_SQL,
  createCertificateQueries,
  type CertificateByCodeRow,
} from '../../server/certificates/queries';
import {
  ANSWER_SHEET_SQL,
  SCORE_IF_ACCEPTED_SQL,
  createPostTestQueries,
  type AnswerSheetRow,
  type ScoreRow,
} from '../../server/posttest/queries';
import { createRecordQueries, type ProbeRow, type RecordRow } from '../../server/records/queries';
import { recordPageStatement, recordProbeStatement, type PageRequest } from '../../server/records/statements';
import { HEARTBEAT_SQL, createProgressQueries, type HeartbeatRow } from '../../server/progress/queries';
import {
  cpeCandidatesQuery,
  parsCandidatesQuery,
  recordsExportQuery,
  type CpeCandidateRow,
  type ParsCandidateRow,
} from '../../server/exports/queries';
import { createTestApp, type TestApp } from '../support/app';
import { namesIn, projectSchemaModels } from '../support/prisma-schema';
import { createUser } from '../support/session';

let t: TestApp;
const models = projectSchemaModels();
const tableOf = (model: string) => models.get(model)!.table;
/** `table.column` → `Model.field`. */
const schemaFieldOf = new Map<string, string>(
  [...models].flatMap(([model, { table, columns }]) =>
    [...columns].map(([field, column]) => [`${table}.${column}`, `${model}.${field}`] as const),
  ),
);

/** Where a returned column comes from: `Model.field` of the schema, or null for a computed value. */
type Source = `${string}.${string}` | null;
/** The columns a statement returns, in order, keyed by its typed row (so row type and declaration agree). */
const returning = <Row>(columns: { [Column in keyof Row & string]-?: Source }) => columns;

const sessionUser = returning<SessionUserRow>({
  id: 'User.id',
  email: 'User.email',
  role: 'User.role',
  fullName: 'User.fullName',
  profession: 'User.profession',
  degree: 'User.degree',
  active: 'User.active',
});

type Fixtures = { userId: number; activityId: number; attemptId: number; answers: Record<number, string[]> };

interface Statement {
  label: string;
  sql: string;
  /** The name it is prepared under on node-postgres; null for Prisma's raw SQL. */
  name: string | null;
  /** The models whose tables it names. */
  models: string[];
  returns: Record<string, Source>;
  /** Runs it once the way the app does, through `pool` (which records names and fields). */
  run(pool: Pool, f: Fixtures): Promise<unknown>;
}

const statements: Statement[] = [
  {
    label: 'posttest: score if accepted',
    sql: SCORE_IF_ACCEPTED_SQL,
    name: 'score-if-accepted',
    models: ['Attempt', 'AttemptResponse', 'ItemVersion'],
    returns: returning<ScoreRow>({ claimed: null }),
    run: async (pool, f) =>
      expect(
        await createPostTestQueries(pool).scoreIfAccepted(f.userId, f.attemptId, f.answers, new Date()),
      ).toBe(true),
  },
  {
    label: 'posttest: answer sheet',
    sql: ANSWER_SHEET_SQL,
    name: 'answer-sheet',
    models: ['Attempt', 'AttemptResponse', 'ItemVersion'],
    returns: returning<AnswerSheetRow>({
      status: 'Attempt.status',
      passing_score_percent: 'Attempt.passingScorePercent',
      position: 'AttemptResponse.position',
      option_order: 'AttemptResponse.optionOrder',
      type: 'ItemVersion.type',
      correct: 'ItemVersion.correct',
    }),
    run: async (pool, f) =>
      expect(await createPostTestQueries(pool).loadAnswerSheet(f.userId, f.attemptId)).toMatchObject({
        questions: [{ position: 1 }, { position: 2 }],
      }),
  },
  {
    label: 'certificates: by code',
    sql: CERTIFICATE_BY_CODE_SQL,
    name: 'certificate-verification',
    models: ['Certificate'],
    returns: returning<CertificateByCodeRow>({
      snapshot: 'Certificate.snapshot',
      issued_at: 'Certificate.issuedAt',
      revoked_at: 'Certificate.revokedAt',
      revoked_reason: 'Certificate.revokedReason',
      superseded_at: 'Certificate.supersededAt',
    }),
    run: async (pool) =>
      expect(await createCertificateQueries(pool).certificateByCode('0'.repeat(32))).toBeNull(),
  },
  {
    label: 'progress: heartbeat',
    sql: HEARTBEAT_SQL,
    name: 'heartbeat',
    models: ['Enrollment', 'LessonView'],
    returns: returning<HeartbeatRow>({ seconds: null }),
    // The fixtures' learner opened no lesson 0: the statement runs whole and credits nothing.
    run: async (pool, f) =>
      expect(
        await createProgressQueries(pool).creditHeartbeat(f.userId, f.activityId, 0, new Date(), 60),
      ).toBeNull(),
  },
  {
    label: 'auth: user creation lock',
    sql: USER_CREATION_LOCK_SQL.text,
    name: null,
    models: [],
    returns: { pg_advisory_xact_lock: null },
    run: async (pool) => {
      await t.db.prisma.$transaction((tx) => createAuthQueries(tx).lockUserCreation());
      await pool.query({ text: USER_CREATION_LOCK_SQL.text });
    },
  },
  {
    label: 'auth: session user',
    sql: USER_BY_ID_SQL,
    name: 'session-user',
    models: ['User'],
    returns: sessionUser,
    run: async (pool, f) =>
      expect(await readSessionUser(pool, String(f.userId))).toMatchObject({ id: f.userId }),
  },
  {
    label: 'auth: session with its user',
    sql: SESSION_WITH_USER_SQL,
    name: 'session-with-user',
    models: ['Session', 'User'],
    returns: { sess: 'Session.sess', ...sessionUser },
    run: async (pool) => {
      const store = createSessionStore(pool, 30 * 60_000);
      try {
        const read = new Promise((resolve, reject) =>
          store.get('no-such-session', (error, sess) =>
            error
              ? reject(
                  error instanceof Error ? error : new Error('the session store failed', { cause: error }),
                )
              : resolve(sess),
          ),
        );
        expect(await read).toBeNull();
      } finally {
        // Typed void; with a pool it does not own, close() only stops its prune timer: nothing to wait for.
        store.close();
      }
    },
  },
  // The exports (server/exports/queries.ts): read through a cursor by the app; run whole here, with no filter.
  ...((): Statement[] => {
    const source = ['Activity', 'Attempt', 'Certificate', 'CreditClaim', 'User'];
    const run = (query: { text: string; values: unknown[] }) => async (pool: Pool) => {
      await pool.query({ text: query.text, values: query.values });
    };
    const learner = { email: 'User.email', full_name: null, birth_month: null, birth_day: null } as const;
    const records = recordsExportQuery({}, { synthetic: false });
    const pars = parsCandidatesQuery({});
    const cpe = cpeCandidatesQuery({});
    return [
      {
        label: 'exports: completion records CSV',
        sql: records.text,
        name: null,
        models: source,
        returns: {
          claim_id: null,
          completed_on: null,
          learner: null,
          email: 'User.email',
          profession: null,
          degree: null,
          activity: 'Activity.title',
          activity_slug: 'Activity.slug',
          credit_type: 'CreditClaim.creditLabel',
          credit_code: 'CreditClaim.creditCode',
          amount: null,
          score: null,
          scored_attempts: null,
          certificate_code: 'Certificate.code',
          certificate: null,
          consent_to_share: null,
        },
        run: run(records),
      },
      {
        label: 'exports: PARS candidates',
        sql: pars.text,
        name: null,
        models: source,
        returns: returning<ParsCandidateRow>({
          claim_id: 'CreditClaim.id',
          activity_id: 'CreditClaim.activityId',
          activity_title: 'Activity.title',
          completed_at: 'CreditClaim.completedAt',
          amount: null,
          consented: null,
          revoked: null,
          ...learner,
          npi: null,
          license_state: null,
          license_number: null,
          certifying_board: null,
          board_id: null,
        }),
        run: run(pars),
      },
      {
        label: 'exports: CPE Monitor candidates',
        sql: cpe.text,
        name: null,
        models: source,
        returns: returning<CpeCandidateRow>({
          claim_id: 'CreditClaim.id',
          activity_id: 'CreditClaim.activityId',
          activity_title: 'Activity.title',
          completed_at: 'CreditClaim.completedAt',
          amount: null,
          revoked: null,
          profession: null,
          release_date: null,
          expiration_date: null,
          ...learner,
          nabp_eprofile_id: null,
        }),
        run: run(cpe),
      },
    ];
  })(),
];

// The records page's statements vary with the filters and the sort: each shape is pinned with every filter set (the
// learner search adds its branches) and a cursor, which is what names the most tables and columns.
const everyFilter = {
  from: '2027-01-01',
  to: '2027-12-31',
  activity: 'renal-leiomyosarcoma',
  creditType: 'AMA_PRA_1',
  profession: 'physician' as const,
  learner: 'ann',
  certificate: 'valid' as const,
  consent: 'yes' as const,
};
const recordRow = returning<RecordRow>({
  id: 'CreditClaim.id',
  learner_name: null,
  email: 'User.email',
  profession: null,
  degree: null,
  activity_title: 'Activity.title',
  completed_at: 'CreditClaim.completedAt',
  credit_code: 'CreditClaim.creditCode',
  credit_label: 'CreditClaim.creditLabel',
  amount: 'CreditClaim.amount',
  score_percent: 'Attempt.scorePercent',
  attempt_count: null,
  certificate_code: 'Certificate.code',
  revoked_at: 'Certificate.revokedAt',
  synthetic: 'CreditClaim.synthetic',
  sort_values: null,
});
const recordModels = ['Activity', 'Attempt', 'Certificate', 'CreditClaim', 'User'];
const recordPage = (label: string, request: PageRequest): Statement => ({
  label: `records: ${label}`,
  sql: recordPageStatement(request).text,
  name: null,
  models: recordModels,
  returns: recordRow,
  run: async (pool) => expect(await createRecordQueries(pool).page(request)).toEqual([]),
});
const recordProbe = (label: string, filters: PageRequest['filters'], models: string[]): Statement => ({
  label: `records: probe, ${label}`,
  sql: recordProbeStatement(filters).text,
  name: null,
  models,
  returns: returning<ProbeRow>({ found: null, records: null }),
  run: async (pool) => expect(await createRecordQueries(pool).probe(filters)).toBe(0),
});
const dateCursor = { values: ['2027-06-01 12:00:00', '7'], toward: 'after' as const };
statements.push(
  recordProbe('no filter', {}, ['CreditClaim']),
  recordProbe('every filter', everyFilter, ['Activity', 'Certificate', 'CreditClaim', 'User']),
  recordPage('walk by date, every filter, after a cursor', {
    filters: everyFilter,
    sort: { key: 'date', direction: 'desc' },
    cursor: dateCursor,
    limit: 26,
    few: false,
  }),
  recordPage('walk by score, before a cursor', {
    filters: { creditType: 'ANCC' },
    sort: { key: 'score', direction: 'asc' },
    cursor: { values: ['83.33', '12'], toward: 'before' },
    limit: 26,
    few: false,
  }),
  recordPage('walk by activity, every filter, after a cursor', {
    filters: everyFilter,
    sort: { key: 'activity', direction: 'asc' },
    cursor: { values: ['Renal Leiomyosarcoma', '1', '2027-06-01 12:00:00', '7'], toward: 'after' },
    limit: 26,
    few: false,
  }),
  recordPage('every match sorted by name, every filter, after a cursor', {
    filters: everyFilter,
    sort: { key: 'name', direction: 'asc' },
    cursor: { values: ['Ann', '7'], toward: 'after' },
    limit: 26,
    few: true,
  }),
);

describe('the hand-written SQL names the schema’s tables and columns', () => {
  it('the schema parse and the audit see what they should (finding nothing would prove nothing)', () => {
    expect(tableOf('Certificate')).toBe('certificates');
    expect(models.get('Attempt')!.columns.get('passingScorePercent')).toBe('passing_score_percent');
    expect(models.get('Attempt')!.columns.has('responses')).toBe(false);
    expect(namesIn(`SELECT c.issued_att, code AS x FROM certificate c WHERE x = $1`)).toEqual({
      tables: ['certificate'],
      others: ['issued_att', 'code'],
    });
  });

  it.each(statements)('$label: its tables are its models’, every other name a column of theirs', (s) => {
    const { tables, others } = namesIn(s.sql);
    expect(tables).toEqual(s.models.map(tableOf).sort());
    const columns = new Set(s.models.flatMap((model) => [...models.get(model)!.columns.values()]));
    expect(others.filter((name) => !columns.has(name))).toEqual([]);
  });
});

describe('each hand-written statement runs on a real database', () => {
  let fixtures: Fixtures;
  beforeAll(async () => {
    t = await createTestApp();
    const user = await createUser(t.db.prisma);
    const activity = await t.db.prisma.activity.findFirstOrThrow({ select: { id: true } });
    await t.db.prisma.enrollment.create({
      data: { userId: user.id, activityId: activity.id, lastActiveAt: new Date() },
    });
    const versions = await t.db.prisma.itemVersion.findMany({ take: 2, orderBy: { id: 'asc' } });
    const responses = versions.map((v, i) => ({
      itemVersionId: v.id,
      position: i + 1,
      optionOrder: (v.options as { id: string }[]).map((o) => o.id),
    }));
    const attempt = await t.db.prisma.attempt.create({
      data: { userId: user.id, activityId: activity.id, number: 1, itemCount: 2, passingScorePercent: 75 },
    });
    await t.db.prisma.attemptResponse.createMany({
      data: responses.map((r) => ({ ...r, attemptId: attempt.id })),
    });
    const answers = Object.fromEntries(versions.map((v, i) => [i + 1, v.correct]));
    fixtures = { userId: user.id, activityId: activity.id, attemptId: attempt.id, answers };
  });
  afterAll(() => t.close());

  /** The source of each returned column as PostgreSQL describes it, as the schema names it; null when computed. */
  async function sources(fields: FieldDef[]): Promise<(string | null)[]> {
    const { rows } = await t.pool.query<{ source: string | null }>(
      `SELECT c.relname || '.' || a.attname AS source
       FROM unnest($1::oid[], $2::int2[]) WITH ORDINALITY AS f(table_id, column_id, n)
       LEFT JOIN pg_attribute a ON a.attrelid = f.table_id AND a.attnum = f.column_id
       LEFT JOIN pg_class c ON c.oid = a.attrelid
       ORDER BY f.n`,
      [fields.map((f) => f.tableID), fields.map((f) => f.columnID)],
    );
    return rows.map(({ source }) =>
      source === null ? null : (schemaFieldOf.get(source) ?? `${source} (not in schema.prisma)`),
    );
  }

  it.each(statements)('$label: runs, named as declared, returning the declared columns', async (s) => {
    const sent: { name: string | null; text: string; fields: FieldDef[] }[] = [];
    const recording = {
      query: async (config: QueryConfig) => {
        const result = await t.pool.query(config);
        sent.push({ name: config.name ?? null, text: config.text, fields: result.fields });
        return result;
      },
    } as unknown as Pool;
    await s.run(recording, fixtures);
    expect(sent.map((query) => query.text)).toContain(s.sql);
    const run = sent.find((query) => query.text === s.sql)!;
    expect(run.name).toBe(s.name);
    expect(run.fields.map((field) => field.name)).toEqual(Object.keys(s.returns));
    expect(await sources(run.fields)).toEqual(Object.values(s.returns));
  });
});
