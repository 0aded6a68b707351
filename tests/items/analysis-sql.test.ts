// Item analysis's hand-written statements against prisma/schema.prisma, as tests/db/hand-written-sql.test.ts does
// for the other capabilities: the tables they name are the schema's, every other name is a column of those tables,
// each returned column comes from the schema field its row type says, and each runs, named, through the function
// the app calls.
import type { FieldDef, Pool, QueryConfig } from 'pg';
import {
  ITEM_ANALYSIS_SQL,
  SCORED_ATTEMPTS_SQL,
  createItemAnalysisQueries,
  type ItemAnalysisRow,
  type ScoredAttemptsRow,
} from '../../server/items/analysis-queries';
import { createTestApp, type TestApp } from '../support/app';
import { factories } from '../support/factories';
import { namesIn, projectSchemaModels } from '../support/prisma-schema';

const models = projectSchemaModels();
const tableOf = (model: string) => models.get(model)!.table;
const schemaFieldOf = new Map<string, string>(
  [...models].flatMap(([model, { table, columns }]) =>
    [...columns].map(([field, column]) => [`${table}.${column}`, `${model}.${field}`] as const),
  ),
);
// SQL words these statements use beyond those the shared audit knows (tests/support/prisma-schema.ts).
const MORE_KEYWORDS = new Set(['group', 'array', 'else']);

type Source = `${string}.${string}` | null;
const returning = <Row>(columns: { [Column in keyof Row & string]-?: Source }) => columns;

const statements = [
  {
    label: 'item analysis: figures per item version',
    sql: ITEM_ANALYSIS_SQL,
    name: 'item-analysis',
    models: ['Attempt', 'AttemptResponse', 'Item', 'ItemVersion', 'Objective'],
    returns: returning<ItemAnalysisRow>({
      item_id: 'Item.id',
      key: 'Item.key',
      item_status: 'Item.status',
      objective_code: 'Objective.code',
      version_id: 'ItemVersion.id',
      version: 'ItemVersion.version',
      version_state: 'ItemVersion.state',
      options: 'ItemVersion.options',
      correct_options: 'ItemVersion.correct',
      shown: null,
      correct: null,
      discrimination: null,
      chosen: null,
    }),
    run: (pool: Pool, activityId: number) => createItemAnalysisQueries(pool).itemVersionFigures(activityId),
  },
  {
    label: 'item analysis: scored attempts',
    sql: SCORED_ATTEMPTS_SQL,
    name: 'item-analysis-attempts',
    models: ['Attempt'],
    returns: returning<ScoredAttemptsRow>({ scored: null }),
    run: (pool: Pool, activityId: number) => createItemAnalysisQueries(pool).scoredAttempts(activityId),
  },
];

describe('the item analysis SQL names the schema’s tables and columns', () => {
  it.each(statements)('$label: its tables are its models’, every other name a column of theirs', (s) => {
    const { tables, others } = namesIn(s.sql);
    expect(tables).toEqual(s.models.map(tableOf).sort());
    const columns = new Set(s.models.flatMap((model) => [...models.get(model)!.columns.values()]));
    const unknown = others.filter((name) => !columns.has(name) && !MORE_KEYWORDS.has(name.toLowerCase()));
    expect(unknown).toEqual([]);
  });
});

describe('each item analysis statement runs on a real database', () => {
  let t: TestApp;
  let activityId: number;
  beforeAll(async () => {
    t = await createTestApp();
    const make = factories(t);
    await make.scoredAttempt(await make.user(), { wrong: 3 });
    activityId = (await t.db.prisma.activity.findFirstOrThrow({ select: { id: true } })).id;
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
    const result = await s.run(recording, activityId);
    expect(result).toBeTruthy();
    const run = sent.find((query) => query.text === s.sql)!;
    expect(run.name).toBe(s.name);
    expect(run.fields.map((field) => field.name)).toEqual(Object.keys(s.returns));
    expect(await sources(run.fields)).toEqual(Object.values(s.returns));
  });

  it('when an attempt is scored, then the figures come back as numbers, not strings (int casts, float8 corr)', async () => {
    const rows = await createItemAnalysisQueries(t.pool).itemVersionFigures(activityId);
    const shown = rows.filter((row) => row.shown > 0);
    expect(shown).toHaveLength(12);
    expect(shown.reduce((sum, row) => sum + row.correct, 0)).toBe(9);
    for (const row of shown) {
      expect(typeof row.shown).toBe('number');
      expect(row.chosen!.every((count) => typeof count === 'number')).toBe(true);
      // One attempt: no correlation.
      expect(row.discrimination).toBeNull();
    }
  });
});
