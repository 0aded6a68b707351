// The migrations produce exactly the schema that prisma/schema.prisma describes. Nothing can introspect on the
// JS engines (see README, "Database"), so two databases are compared through PostgreSQL's own catalogs:
// A, built by `prisma migrate deploy` (the test template), and B, built from the `migrate diff --from-empty` script.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrationNames } from '../../server/db/migrations';
import { createTestDatabase, type TestDatabase } from '../support/database';

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, '..', '..');
const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const adminUrl = () => {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest');
  return url;
};

/** The SQL that creates schema.prisma's schema from nothing. The CLI's driver adapter needs a reachable database. */
async function schemaScript(databaseUrl: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-diff-'));
  const output = path.join(dir, 'schema.sql');
  try {
    const cli = path.join(projectRoot, 'node_modules', 'prisma', 'build', 'index.js');
    const args = ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma'];
    await run(process.execPath, [cli, ...args, '--script', '--output', output], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    return fs.readFileSync(output, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Catalog = Record<'tables' | 'columns' | 'constraints' | 'indexes' | 'sequences' | 'enums', string[]>;

/** The public schema, one line per object, sorted; names of databases never appear, so two databases compare. */
/** Written by hand in a migration because Prisma's schema language has no partial index. */
const HAND_WRITTEN_INDEXES: readonly string[] = [
  // One current (not superseded) certificate per claim.
  'CREATE UNIQUE INDEX certificates_current_per_claim_key ON public.certificates USING btree (claim_id) WHERE (superseded_at IS NULL)',
  // The completion records page (records_indexes): trigram, expression and partial indexes, and the two plain ones
  // written in the same hand-written migration.
  "CREATE INDEX credit_claims_learner_name_trgm_idx ON public.credit_claims USING gin (((learner ->> 'fullName'::text)) gin_trgm_ops)",
  'CREATE INDEX users_email_trgm_idx ON public.users USING gin (email gin_trgm_ops)',
  "CREATE INDEX credit_claims_learner_name_id_idx ON public.credit_claims USING btree (COALESCE((learner ->> 'fullName'::text), ''::text), id)",
  'CREATE INDEX credit_claims_amount_id_idx ON public.credit_claims USING btree (amount, id)',
  'CREATE INDEX attempts_passed_score_percent_id_idx ON public.attempts USING btree (score_percent, id) WHERE passed',
  'CREATE INDEX credit_claims_credit_code_completed_at_id_idx ON public.credit_claims USING btree (credit_code, completed_at, id)',
  "CREATE INDEX credit_claims_profession_completed_at_id_idx ON public.credit_claims USING btree (((learner ->> 'profession'::text)), completed_at, id)",
  'CREATE INDEX certificates_revoked_current_idx ON public.certificates USING btree (claim_id) WHERE ((revoked_at IS NOT NULL) AND (superseded_at IS NULL))',
];

async function catalog(client: Client): Promise<Catalog> {
  const lines = async (sql: string) =>
    (await client.query<{ line: string }>(sql)).rows.map((r) => r.line).sort();
  const userTable = `c.relnamespace = 'public'::regnamespace AND c.relname <> '_prisma_migrations'`;
  return {
    tables: await lines(`
      SELECT c.relname AS line FROM pg_class c WHERE c.relkind IN ('r', 'p') AND ${userTable}`),
    columns: await lines(`
      SELECT format('%s.%s %s%s%s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END,
               ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid),
               CASE a.attidentity WHEN 'a' THEN ' IDENTITY ALWAYS' WHEN 'd' THEN ' IDENTITY BY DEFAULT' ELSE '' END,
               CASE a.attgenerated WHEN 's' THEN ' GENERATED' ELSE '' END) AS line
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p') AND ${userTable} AND a.attnum > 0 AND NOT a.attisdropped`),
    constraints: await lines(`
      SELECT format('%s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid)) AS line
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE ${userTable}`),
    indexes: await lines(`
      SELECT indexdef AS line FROM pg_indexes
      WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`),
    sequences: await lines(`
      SELECT format('%s %s start %s increment %s min %s max %s cache %s%s owned by %s', c.relname,
               format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
               CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END,
               coalesce(owner.relname || '.' || a.attname, 'nothing')) AS line
      FROM pg_sequence s
      JOIN pg_class c ON c.oid = s.seqrelid
      LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = s.seqrelid
        AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
      LEFT JOIN pg_class owner ON owner.oid = dep.refobjid
      LEFT JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
      WHERE c.relnamespace = 'public'::regnamespace AND coalesce(owner.relname, '') <> '_prisma_migrations'`),
    enums: await lines(`
      SELECT format('%s (%s)', t.typname, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder))
               AS line
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = 'public'::regnamespace
      GROUP BY t.typname`),
  };
}

describe('the migrations', () => {
  let migrated: TestDatabase;
  const fromSchemaName = `cme_test_schema_${crypto.randomBytes(6).toString('hex')}`;
  let fromSchemaUrl: string;

  beforeAll(async () => {
    migrated = await createTestDatabase();
    await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE "${fromSchemaName}"`));
    const url = new URL(adminUrl());
    url.pathname = `/${fromSchemaName}`;
    fromSchemaUrl = url.toString();
  });
  afterAll(async () => {
    await migrated?.drop();
    await withClient(adminUrl(), (client) =>
      client.query(`DROP DATABASE IF EXISTS "${fromSchemaName}" WITH (FORCE)`),
    );
  });

  it('when every folder of prisma/migrations is listed, then migrationNames() gives them all, in order', () => {
    const entries = fs.readdirSync(migrationsDir, { withFileTypes: true });
    const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    const names = migrationNames(projectRoot);
    expect(names.length).toBeGreaterThan(0);
    expect([...names].sort()).toEqual([...folders].sort());
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const name of names) {
      expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
      expect(fs.existsSync(path.join(migrationsDir, name, 'migration.sql'))).toBe(true);
    }
    // Nothing but folders and the lock file: a stray .sql beside them would never be applied.
    const files = entries.filter((entry) => !entry.isDirectory()).map((entry) => entry.name);
    expect(files).toEqual(['migration_lock.toml']);
  });

  it('when the template was migrated, then it applied exactly migrationNames(), each finished, in order', async () => {
    const rows = await withClient(migrated.url, async (client) => {
      const result = await client.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(`
        SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
        FROM _prisma_migrations ORDER BY started_at, migration_name`);
      return result.rows;
    });
    expect(rows).toEqual(
      migrationNames(projectRoot).map((name) => ({
        migration_name: name,
        finished: true,
        rolled_back: false,
      })),
    );
  });

  it('when applied to an empty database, then they give exactly the schema that schema.prisma describes', async () => {
    const script = await schemaScript(fromSchemaUrl);
    expect(script).toMatch(/CREATE TABLE/);
    await withClient(fromSchemaUrl, (client) => client.query(script));

    const fromMigrations = await withClient(migrated.url, catalog);
    const fromSchema = await withClient(fromSchemaUrl, catalog);
    expect(fromSchema.tables).toContain('activities');
    expect(fromSchema.columns.length).toBeGreaterThan(fromSchema.tables.length);
    // Indexes schema.prisma cannot express (partial ones) are hand-written in a migration: present, then set aside.
    expect(fromMigrations.indexes).toEqual(expect.arrayContaining([...HAND_WRITTEN_INDEXES]));
    const comparable = {
      ...fromMigrations,
      indexes: fromMigrations.indexes.filter((line) => !HAND_WRITTEN_INDEXES.includes(line)),
    };
    // On failure Jest prints the lines that differ: "-" from the migrations, "+" from schema.prisma.
    expect(comparable).toEqual(fromSchema);
  }, 60_000);

  it('when one database differs in a single column, then the comparison sees it', async () => {
    await withClient(fromSchemaUrl, (client) =>
      client.query(`ALTER TABLE "activities" ALTER COLUMN "title" DROP NOT NULL`),
    );
    const fromMigrations = await withClient(migrated.url, catalog);
    const fromSchema = await withClient(fromSchemaUrl, catalog);
    const onlyInSchema = fromSchema.columns.filter((line) => !fromMigrations.columns.includes(line));
    expect(onlyInSchema).toEqual(['activities.title text NULL']);
  });
});
