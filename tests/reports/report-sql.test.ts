// The report's hand-written SQL (server/reports/queries.ts) against prisma/schema.prisma, the way
// tests/db/hand-written-sql.test.ts pins the other capabilities' statements: the tables each names are the
// schema's @@map names, every other name is a column of those tables (or one the statement defines itself), each
// returned column comes from the table and column the schema maps the declared field to, and each statement runs
// once on a real database through the function the report calls, prepared under its declared name.
import type { FieldDef, Pool, QueryConfig } from 'pg';
import * as report from '../../server/reports/queries';
import { createTestApp, type TestApp } from '../support/app';
import { factories, firstActivity } from '../support/factories';
import { namesIn, projectSchemaModels } from '../support/prisma-schema';

let t: TestApp;
const models = projectSchemaModels();
const tableOf = (model: string) => models.get(model)!.table;
const schemaFieldOf = new Map<string, string>(
  [...models].flatMap(([model, { table, columns }]) =>
    [...columns].map(([field, column]) => [`${table}.${column}`, `${model}.${field}`] as const),
  ),
);
// SQL words these statements use beyond those tests/support/prisma-schema.ts knows.
const MORE_KEYWORDS = new Set([
  'group',
  'having',
  'between',
  'cross',
  'union',
  'all',
  'else',
  'ilike',
  'desc',
  'limit',
]);

type Source = `${string}.${string}` | null;
const returning = <Row>(columns: { [Column in keyof Row & string]-?: Source }) => columns;

type Fixtures = { activityId: number; educatorId: number };

interface Statement {
  label: string;
  sql: string;
  name: string;
  models: string[];
  /** Names the statement gives in a column list (`AS given(code, rating)`), which namesIn cannot see. */
  defines?: string[];
  returns: Record<string, Source>;
  run(queries: report.ReportQueries, f: Fixtures): Promise<unknown>;
}

const statements: Statement[] = [
  {
    label: 'reportable activities',
    sql: report.REPORTABLE_ACTIVITIES_SQL,
    name: 'report-activities',
    models: ['Activity', 'Item', 'ItemVersion'],
    returns: returning<report.ReportableActivityRow>({
      id: 'Activity.id',
      slug: 'Activity.slug',
      title: 'Activity.title',
      synthetic: 'Activity.synthetic',
    }),
    run: async (q, f) =>
      expect(await q.reportableActivities(f.educatorId)).toEqual([
        expect.objectContaining({ id: f.activityId, slug: firstActivity }),
      ]),
  },
  {
    label: 'completions per week',
    sql: report.COMPLETIONS_PER_WEEK_SQL,
    name: 'report-completions-per-week',
    models: ['CreditClaim', 'User'],
    returns: returning<report.CompletionsPerWeekRow>({ week_start: null, completions: null }),
    run: async (q, f) =>
      expect(await q.completionsPerWeek(f.activityId)).toEqual([
        { week_start: '2026-11-23', completions: 1 },
      ]),
  },
  {
    label: 'funnel',
    sql: report.FUNNEL_SQL,
    name: 'report-funnel',
    models: ['User', 'Enrollment', 'Lesson', 'LessonView', 'Attempt', 'Evaluation', 'CreditClaim'],
    returns: returning<report.FunnelRow>({
      registered: null,
      started: null,
      read_all: null,
      passed: null,
      evaluated: null,
      claimed: null,
    }),
    run: async (q, f) =>
      expect(await q.funnel(f.activityId)).toEqual({
        registered: 1,
        started: 1,
        read_all: 1,
        passed: 1,
        evaluated: 1,
        claimed: 1,
      }),
  },
  {
    label: 'pass rates',
    sql: report.PASS_RATES_SQL,
    name: 'report-pass-rates',
    models: ['Attempt', 'User'],
    returns: returning<report.PassRatesRow>({
      scored_attempts: null,
      passed_attempts: null,
      learners_attempted: null,
      learners_passed: null,
      mean_attempts_to_pass: null,
    }),
    run: async (q, f) => expect(await q.passRates(f.activityId)).toMatchObject({ mean_attempts_to_pass: 1 }),
  },
  {
    label: 'objective scores',
    sql: report.OBJECTIVE_SCORES_SQL,
    name: 'report-objective-scores',
    models: ['Attempt', 'User', 'AttemptResponse', 'ItemVersion', 'Item', 'Objective'],
    returns: returning<report.ObjectiveScoreRow>({ code: 'Objective.code', answered: null, correct: null }),
    run: async (q, f) => expect(await q.objectiveScores(f.activityId)).toHaveLength(4),
  },
  {
    label: 'evaluation answers',
    sql: report.EVALUATION_ANSWERS_SQL,
    name: 'report-evaluation-answers',
    models: ['Evaluation', 'User'],
    defines: ['code'],
    returns: returning<report.EvaluationAnswersRow>({ question: null, rating: null, answers: null }),
    run: async (q, f) => expect(await q.evaluationAnswers(f.activityId)).toHaveLength(7),
  },
  {
    label: 'free-text answers',
    sql: report.FREE_TEXT_ANSWERS_SQL,
    name: 'report-free-text',
    models: ['Evaluation', 'User'],
    returns: returning<report.FreeTextAnswerRow>({
      id: 'Evaluation.id',
      submitted_on: null,
      intended_change: 'Evaluation.intendedChange',
      bias_comment: 'Evaluation.biasComment',
      free_of_bias: 'Evaluation.freeOfBias',
    }),
    run: async (q, f) => expect(await q.freeTextAnswers(f.activityId, '%biopsy%', null, 10)).toHaveLength(1),
  },
];

describe('the report’s SQL names the schema’s tables and columns', () => {
  it.each(statements)('$label: its tables are its models’, every other name a column of theirs', (s) => {
    const { tables, others } = namesIn(s.sql);
    expect(tables).toEqual(s.models.map(tableOf).sort());
    const columns = new Set(s.models.flatMap((model) => [...models.get(model)!.columns.values()]));
    const unknown = others.filter(
      (name) => !columns.has(name) && !MORE_KEYWORDS.has(name.toLowerCase()) && !s.defines?.includes(name),
    );
    expect(unknown).toEqual([]);
  });

  it('the audit finds a misspelt column (finding nothing would prove nothing)', () => {
    const { others } = namesIn(report.PASS_RATES_SQL.replace('a.number', 'a.numbr'));
    const columns = new Set([
      ...models.get('Attempt')!.columns.values(),
      ...models.get('User')!.columns.values(),
    ]);
    expect(others.filter((name) => !columns.has(name) && !MORE_KEYWORDS.has(name.toLowerCase()))).toEqual([
      'numbr',
    ]);
  });
});

describe('each report statement runs on a real database', () => {
  let fixtures: Fixtures;
  beforeAll(async () => {
    t = await createTestApp({ now: () => new Date('2026-11-27T12:00:00Z') });
    const make = factories(t);
    await make.completion(await make.user());
    const educator = await make.user({ role: 'educator' });
    const activity = (await t.catalogue.find(firstActivity))!;
    const objective = await t.db.prisma.objective.findFirstOrThrow({ where: { activityId: activity.id } });
    // Raw row: item authoring (H1's item service) is another helper's work in progress.
    await t.db.prisma.item.create({
      data: {
        activityId: activity.id,
        objectiveId: objective.id,
        key: 'sql-test-item',
        createdById: educator.id,
      },
    });
    fixtures = { activityId: activity.id, educatorId: educator.id };
  });
  afterAll(() => t.close());

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
    await s.run(report.createReportQueries(recording), fixtures);
    expect(sent.map((query) => query.text)).toEqual([s.sql]);
    expect(sent[0]!.name).toBe(s.name);
    expect(sent[0]!.fields.map((field) => field.name)).toEqual(Object.keys(s.returns));
    expect(await sources(sent[0]!.fields)).toEqual(Object.values(s.returns));
  });
});
