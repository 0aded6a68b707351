// A start applies migrations only when some are pending: it reads `_prisma_migrations`, compares names and
// checksums with prisma/migrations, and runs the real `prisma migrate deploy` only when something is missing.
// Real databases (cloned from the migrated template, or new), the real CLI.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  checksumOf,
  matchesChecksum,
  migrationsDirOf,
  readMigrationFiles,
  readMigrationRecords,
} from '../../server/db/migration-status';
import { deployMigrations, migrateIfPending, migrationNames } from '../../server/db/migrations';
import { StartError } from '../../server/db/start-error';
import { createTestDatabase, type TestDatabase } from '../support/database';

const projectRoot = path.resolve(__dirname, '..', '..');
const names = migrationNames(projectRoot);
const last = names[names.length - 1]!;
const middle = names[Math.floor((names.length - 1) / 2)]!;

async function sql<T extends object = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The real CLI, counted. */
function countedDeploy() {
  const calls: string[] = [];
  const deploy = async (root: string, url: string) => {
    calls.push(url);
    return deployMigrations(root, url);
  };
  return { calls, deploy };
}

/** A deploy that must not happen. */
const noDeploy = () => Promise.reject(new Error('prisma migrate deploy was run'));

const made: string[] = [];
const temporary = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
};

/** A new, empty database on the test server; dropped after the file. */
const newDatabases: string[] = [];
async function newDatabase(): Promise<string> {
  const name = `cme_test_new_${crypto.randomBytes(6).toString('hex')}`;
  const admin = process.env.TEST_PG_ADMIN_URL!;
  await sql(admin, `CREATE DATABASE "${name}"`);
  newDatabases.push(name);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A copy of prisma/migrations to edit. */
function copiedMigrations(): string {
  const dir = path.join(temporary('cme-migrations-'), 'migrations');
  fs.cpSync(migrationsDirOf(projectRoot), dir, { recursive: true });
  return dir;
}

const clones: TestDatabase[] = [];
async function clone(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  clones.push(database);
  return database;
}

afterAll(async () => {
  for (const database of clones) await database.drop();
  for (const name of newDatabases) {
    await sql(process.env.TEST_PG_ADMIN_URL!, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('checksums', () => {
  it('when the template was built by prisma migrate deploy, then each recorded checksum is the SHA-256 of its file', async () => {
    const database = await clone();
    const records = await readMigrationRecords(database.url);
    const recorded = Object.fromEntries(records!.map((row) => [row.migration_name, row.checksum]));
    const computed = Object.fromEntries(
      readMigrationFiles(migrationsDirOf(projectRoot)).map((file) => [file.name, checksumOf(file.script)]),
    );
    expect(Object.keys(computed)).toEqual(names);
    expect(computed).toEqual(recorded);
    for (const checksum of Object.values(computed)) expect(checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when line endings differ or the checksum is in the old unpadded form, then it matches as Prisma matches it', () => {
    const unix = Buffer.from('CREATE TABLE "a" ();\nCREATE TABLE "b" ();\n');
    const windows = Buffer.from('CREATE TABLE "a" ();\r\nCREATE TABLE "b" ();\r\n');
    expect(matchesChecksum(windows, checksumOf(unix))).toBe(true);
    expect(matchesChecksum(unix, checksumOf(windows))).toBe(true);
    expect(matchesChecksum(Buffer.from('CREATE TABLE "a" ();\n'), checksumOf(unix))).toBe(false);
    // prisma-engines#1887: old rows hold the hex digits of each byte without zero padding.
    const digestOf = (script: Buffer) => crypto.createHash('sha256').update(script).digest();
    let n = 0;
    while (!digestOf(Buffer.from(`SELECT ${n};`)).some((byte) => byte < 0x10)) n += 1;
    const script = Buffer.from(`SELECT ${n};`);
    const unpadded = [...digestOf(script)].map((byte) => byte.toString(16)).join('');
    expect(unpadded.length).toBeLessThan(64);
    expect(matchesChecksum(script, unpadded)).toBe(true);
  });
});

describe('migrateIfPending', () => {
  it('when every migration is applied, then prisma migrate deploy is not run and nothing is applied', async () => {
    const database = await clone();
    const started = Date.now();
    const result = await migrateIfPending(projectRoot, database.url, { deploy: noDeploy });
    expect(result).toEqual({ migrations: names, applied: [], unknown: [] });
    expect(Date.now() - started).toBeLessThan(2000); // one query, no CLI
  });

  it('when the database has all but the last migration, then the real CLI applies the last one, and only it', async () => {
    // Migrated by the real CLI from a project whose folder lacks the last migration.
    const root = temporary('cme-project-');
    fs.mkdirSync(path.join(root, 'prisma'));
    fs.copyFileSync(path.join(projectRoot, 'prisma.config.ts'), path.join(root, 'prisma.config.ts'));
    fs.copyFileSync(
      path.join(projectRoot, 'prisma', 'schema.prisma'),
      path.join(root, 'prisma', 'schema.prisma'),
    );
    fs.cpSync(migrationsDirOf(projectRoot), migrationsDirOf(root), { recursive: true });
    fs.rmSync(path.join(migrationsDirOf(root), last), { recursive: true });
    fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'));
    const url = await newDatabase();
    await deployMigrations(root, url);
    const before = await readMigrationRecords(url);
    expect(before!.map((row) => row.migration_name)).toEqual(names.slice(0, -1));
    // The first table or index the last migration creates, read from its SQL: absent before, present after.
    const lastSql = fs.readFileSync(path.join(migrationsDirOf(projectRoot), last, 'migration.sql'), 'utf8');
    const created = /CREATE (?:UNIQUE )?(?:TABLE|INDEX) "(\w+)"/.exec(lastSql)![1]!;
    expect(await sql(url, `SELECT to_regclass('"${created}"') AS t`)).toEqual([{ t: null }]);

    const { calls, deploy } = countedDeploy();
    const result = await migrateIfPending(projectRoot, url, { deploy });
    expect(result).toEqual({ migrations: names, applied: [last], unknown: [] });
    expect(calls).toHaveLength(1);
    const after = await readMigrationRecords(url);
    expect(after!.map((row) => [row.migration_name, row.finished_at !== null, row.rolled_back_at])).toEqual(
      names.map((name) => [name, true, null]),
    );
    expect(await sql(url, `SELECT to_regclass('"${created}"')::text AS t`)).toEqual([{ t: created }]);

    // The restart after it: nothing to do, no CLI.
    expect(await migrateIfPending(projectRoot, url, { deploy: noDeploy })).toMatchObject({ applied: [] });
  }, 120_000);

  it('when the database is new (no _prisma_migrations), then the real CLI applies every migration', async () => {
    const url = await newDatabase();
    expect(await readMigrationRecords(url)).toBeNull();
    const { calls, deploy } = countedDeploy();
    expect(await migrateIfPending(projectRoot, url, { deploy })).toEqual({
      migrations: names,
      applied: names,
      unknown: [],
    });
    expect(calls).toHaveLength(1);
  }, 120_000);

  it('when two starts migrate one new database at once, then both succeed and each migration is applied once', async () => {
    const url = await newDatabase();
    const [first, second] = await Promise.all([
      migrateIfPending(projectRoot, url),
      migrateIfPending(projectRoot, url),
    ]);
    expect(first.migrations).toEqual(names);
    expect(second.migrations).toEqual(names);
    const rows = await sql<{ migration_name: string; finished: boolean }>(
      url,
      `SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows).toEqual(names.map((name) => ({ migration_name: name, finished: true })));
  }, 120_000);

  it('when the checksum recorded for an applied migration differs, then it stops naming that migration, without the CLI', async () => {
    const database = await clone();
    await sql(database.url, `UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2`, [
      checksumOf('-- another script'),
      middle,
    ]);
    const error = (await migrateIfPending(projectRoot, database.url, { deploy: noDeploy }).catch(
      (e: unknown) => e,
    )) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.message).toContain(`migration ${middle} was edited after it was applied`);
    expect(error.message).toContain(`prisma/migrations/${middle}/migration.sql`);
    expect(error.message).not.toContain('\n');
  });

  it('when an applied migration file was edited, then it stops naming that migration, without the CLI', async () => {
    const database = await clone();
    const dir = copiedMigrations();
    fs.appendFileSync(path.join(dir, middle, 'migration.sql'), '\n-- a later edit\n');
    const error = (await migrateIfPending(projectRoot, database.url, {
      migrationsDir: dir,
      deploy: noDeploy,
    }).catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.message).toMatch(new RegExp(`^migration ${middle} was edited after it was applied: `));
    expect(error.message).not.toContain('\n');
  });

  it('when a migration file only changed its line endings (a git checkout on Windows), then it still counts as applied', async () => {
    const database = await clone();
    const dir = copiedMigrations();
    const file = path.join(dir, middle, 'migration.sql');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
    expect(
      await migrateIfPending(projectRoot, database.url, { migrationsDir: dir, deploy: noDeploy }),
    ).toMatchObject({ applied: [] });
  });

  it('when a migration failed (finished_at null, not rolled back), then the real CLI refuses and the start stops naming it', async () => {
    const database = await clone();
    await sql(
      database.url,
      `UPDATE _prisma_migrations SET finished_at = NULL, logs = $1 WHERE migration_name = $2`,
      [
        // As the WASM engine records it.
        `external connector error\nError querying the database: ERROR: relation "certificates" already exists\n   0: sql_schema_connector::apply_migration::apply_script\n`,
        last,
      ],
    );
    const { calls, deploy } = countedDeploy();
    const error = (await migrateIfPending(projectRoot, database.url, { deploy }).catch(
      (e: unknown) => e,
    )) as StartError;
    expect(calls).toHaveLength(1); // deploy decides under its lock: another start may have been applying it
    expect(error).toBeInstanceOf(StartError);
    expect(error.message).toMatch(new RegExp(`^migration ${last} failed when it was applied \\(started `));
    expect(error.message).toContain('): ERROR: relation "certificates" already exists; ');
    // What `prisma migrate resolve --rolled-back` would write (that command needs Prisma's native engine).
    expect(error.message).toContain(
      `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${last}' AND finished_at IS NULL`,
    );
    expect(error.message).not.toContain('\n');
  }, 120_000);

  it('when the database has a migration this folder lacks, then it is reported as unknown and the start goes on', async () => {
    const database = await clone();
    const dir = copiedMigrations();
    fs.rmSync(path.join(dir, last), { recursive: true });
    expect(
      await migrateIfPending(projectRoot, database.url, { migrationsDir: dir, deploy: noDeploy }),
    ).toEqual({ migrations: names.slice(0, -1), applied: [], unknown: [last] });
  });
});
