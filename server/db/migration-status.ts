// What the database has applied, compared with prisma/migrations, read-only and in one query: a restart with
// nothing to apply never pays for the Prisma CLI (about 2 s to load and connect, plus a 10 s timer its WASM
// engine leaves behind). The comparison follows Prisma's own rules (schema-engine `migration-core`):
// - a migration is applied when a row of `_prisma_migrations` has its name, a finished_at and no rolled_back_at;
// - a row with neither finished_at nor rolled_back_at is a migration that failed (or is being applied right now
//   by another instance, which only `migrate deploy`, under its advisory lock, can tell apart);
// - the checksum is the SHA-256 of migration.sql in lowercase hex; a script matches it as is, with CRLF turned
//   into LF, or LF into CRLF (git may change line endings), and old rows may lack the hex digits' zero padding.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { StartError } from './start-error';

export interface MigrationFile {
  name: string;
  /** migration.sql, byte for byte. */
  script: Buffer;
}

/** A row of Prisma's `_prisma_migrations`, the columns the check reads. */
export interface MigrationRecord {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  /** Prisma's record of what went wrong when the migration failed. */
  logs: string | null;
}

export interface MigrationStatus {
  /** In the folder, not applied (in name order, the order `migrate deploy` applies them). */
  pending: string[];
  /** Started and never finished nor rolled back: failed, or being applied by another instance right now. */
  unfinished: MigrationRecord[];
  /** Applied to the database, absent from the folder (a database migrated by newer code). */
  unknown: string[];
}

export const migrationsDirOf = (projectRoot: string) => path.join(projectRoot, 'prisma', 'migrations');

/** Every `<name>/migration.sql` of the folder, in name order. */
export function readMigrationFiles(migrationsDir: string): MigrationFile[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ name, script: fs.readFileSync(path.join(migrationsDir, name, 'migration.sql')) }));
}

/** The checksum `prisma migrate deploy` records for a script. */
export function checksumOf(script: Buffer | string): string {
  return crypto.createHash('sha256').update(script).digest('hex');
}

/** Prisma's `script_matches_checksum`: line-ending agnostic, and tolerant of the old unpadded hex format. */
export function matchesChecksum(script: Buffer, recorded: string): boolean {
  const text = script.toString('utf8');
  const variants = [script, text.replace(/\r\n/g, '\n'), text.replace(/\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = crypto.createHash('sha256').update(variant).digest();
    const hex =
      recorded.length !== 0 && recorded.length !== 64
        ? [...digest].map((byte) => byte.toString(16)).join('') // the old format: no zero padding
        : digest.toString('hex');
    return hex === recorded;
  });
}

/**
 * The rows of `_prisma_migrations`, or null when the table does not exist yet (a database never migrated).
 * One connection, one statement, nothing written and no lock taken: harmless beside a `migrate deploy` running.
 */
export async function readMigrationRecords(databaseUrl: string): Promise<MigrationRecord[] | null> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const found = await client.query<{ present: boolean }>(
      `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`,
    );
    if (!found.rows[0]?.present) return null;
    const { rows } = await client.query<MigrationRecord>(`
      SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs
      FROM _prisma_migrations ORDER BY started_at, migration_name`);
    return rows;
  } finally {
    await client.end();
  }
}

/** PostgreSQL's error from Prisma's logs of a failed migration (or their first line), for a one-line message. */
function failureReason(logs: string | null): string {
  const lines = (logs ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const postgres = lines.find((line) => /\bERROR:\s/.test(line));
  const reason = postgres ? postgres.slice(postgres.search(/\bERROR:\s/)) : (lines[0] ?? '');
  return reason.length > 200 ? `${reason.slice(0, 197)}...` : reason;
}

export function editedMigrationError(name: string, migrationsDir: string): StartError {
  const file = path.join(path.basename(path.dirname(migrationsDir)), path.basename(migrationsDir), name);
  return new StartError(
    `migration ${name} was edited after it was applied: ${file}/migration.sql no longer matches the checksum ` +
      `recorded in _prisma_migrations; restore the file as it was applied (git checkout) and put the change in ` +
      `a new migration (npm run db:migration -- <name>)`,
  );
}

/**
 * `prisma migrate resolve` needs Prisma's native engine, which these installations do not have, so the message
 * gives what it would write: the row marked rolled back, after which the next start applies the migration again.
 */
export function failedMigrationError(record: MigrationRecord): StartError {
  const reason = failureReason(record.logs);
  const name = record.migration_name;
  return new StartError(
    `migration ${name} failed when it was applied (started ${record.started_at.toISOString()})` +
      `${reason ? `: ${reason}` : ''}; undo what it changed and fix the cause (its migration.sql or the data), run ` +
      `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${name}' AND finished_at IS NULL` +
      ` and start again (it is then applied anew)`,
  );
}

/**
 * Compares the folder with the table (null: no table, every migration pending). An applied migration whose file
 * no longer matches its checksum stops the start: the database was built by a script that is not the one here.
 */
export function migrationStatus(
  files: readonly MigrationFile[],
  records: readonly MigrationRecord[] | null,
  migrationsDir: string,
): MigrationStatus {
  const rows = records ?? [];
  const applied = rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null);
  const pending: string[] = [];
  for (const file of files) {
    const done = applied.filter((row) => row.migration_name === file.name);
    if (done.length === 0) pending.push(file.name);
    else if (!done.some((row) => matchesChecksum(file.script, row.checksum)))
      throw editedMigrationError(file.name, migrationsDir);
  }
  const known = new Set(files.map((file) => file.name));
  return {
    pending,
    unfinished: rows.filter((row) => row.finished_at === null && row.rolled_back_at === null),
    unknown: [...new Set(applied.map((row) => row.migration_name))].filter((name) => !known.has(name)),
  };
}
