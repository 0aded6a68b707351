// Applies prisma/migrations with `prisma migrate deploy` (JS/WASM schema engine) when some are pending, and checks
// what is applied. A start reads `_prisma_migrations` first (migration-status.ts) and runs the CLI only when the
// folder holds a migration the database lacks, or a migration is unfinished: a restart costs one query.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client';
import {
  failedMigrationError,
  migrationsDirOf,
  migrationStatus,
  readMigrationFiles,
  readMigrationRecords,
} from './migration-status';
import { StartError } from './start-error';

/** The CLI's last line on success, printed after it stopped its engine and released its advisory lock. */
const DEPLOYED = /^(?:All migrations have been successfully applied\.|No pending migrations to apply\.)$/m;
// eslint-disable-next-line no-control-regex -- the CLI colours its output with ESC sequences
const ANSI = /\x1b\[[0-9;]*m/g;

export class MigrateDeployError extends Error {
  override readonly name = 'MigrateDeployError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/**
 * Runs `prisma migrate deploy` against `databaseUrl` and resolves with its output. Deploy takes PostgreSQL's
 * advisory lock itself, so two instances starting at once apply each migration once.
 *
 * Prisma's WASM schema engine leaves a 10 s timer behind (its setTimeout binding has no clearTimeout), so the
 * CLI would linger 10 s after its work. Once it has printed its final success line, which it does only after
 * stopping the engine, there is nothing left for it to do: it is ended then. Any other outcome (an error, a
 * version printing something else) waits for the CLI's own exit and its exit code, as before.
 */
export function deployMigrations(projectRoot: string, databaseUrl: string): Promise<string> {
  const cli = path.join(projectRoot, 'node_modules', 'prisma', 'build', 'index.js');
  const child = spawn(process.execPath, [cli, 'migrate', 'deploy'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      // No version check nor telemetry request at every start (and none to time out on an offline network).
      CHECKPOINT_DISABLE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let succeeded = false;
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!succeeded && DEPLOYED.test(stdout.replace(ANSI, ''))) {
        succeeded = true;
        resolve(stdout);
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (succeeded) return;
      if (code === 0) return resolve(stdout);
      const output = `${stdout}\n${stderr}`.replace(ANSI, '').trim();
      reject(new MigrateDeployError(`prisma migrate deploy failed (${code ?? signal}):\n${output}`, output));
    });
  });
}

export function migrationNames(projectRoot: string): string[] {
  const dir = migrationsDirOf(projectRoot);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export interface MigrateResult {
  /** Every migration of the folder, in order: all applied now. */
  migrations: string[];
  /** Those this call applied (empty on a restart with nothing pending). */
  applied: string[];
  /** Applied to the database but not in the folder (a database already migrated by newer code). */
  unknown: string[];
}

export interface MigrateOptions {
  /** The folder compared with the database; prisma/migrations of `projectRoot` unless told. */
  migrationsDir?: string;
  /** What applies the pending migrations (the CLI); replaced only by tests that count its calls. */
  deploy?: (projectRoot: string, databaseUrl: string) => Promise<unknown>;
}

/**
 * Brings the database up to the migrations folder. Reads `_prisma_migrations` and:
 * - stops with a StartError naming the migration when an applied migration's file was edited since;
 * - runs `prisma migrate deploy` only when a migration is pending (or the table is missing: a new database), or
 *   one is unfinished (failed, or being applied by a concurrent start, which deploy's lock waits for);
 * - reads the table again afterwards, and stops with a StartError naming a migration that failed.
 */
export async function migrateIfPending(
  projectRoot: string,
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrationsDir = options.migrationsDir ?? migrationsDirOf(projectRoot);
  const deploy = options.deploy ?? deployMigrations;
  const files = readMigrationFiles(migrationsDir);
  const migrations = files.map((file) => file.name);
  const before = migrationStatus(files, await readMigrationRecords(databaseUrl), migrationsDir);
  if (before.pending.length === 0 && before.unfinished.length === 0) {
    return { migrations, applied: [], unknown: before.unknown };
  }

  let deployError: unknown;
  try {
    await deploy(projectRoot, databaseUrl);
  } catch (error) {
    deployError = error;
  }
  const after = migrationStatus(files, await readMigrationRecords(databaseUrl), migrationsDir);
  const failed = after.unfinished[0];
  if (failed) throw failedMigrationError(failed);
  if (deployError)
    throw deployError instanceof Error
      ? deployError
      : new Error('prisma migrate deploy failed', { cause: deployError });
  if (after.pending.length > 0) {
    throw new StartError(
      `prisma migrate deploy left migration ${after.pending[0]} unapplied; run \`npx prisma migrate status\` to see why`,
    );
  }
  return {
    migrations,
    applied: before.pending.filter((name) => !after.pending.includes(name)),
    unknown: after.unknown,
  };
}

/** The migrations in the repository that the database has not (successfully) applied. */
export async function pendingMigrations(
  prisma: PrismaClient,
  expected: readonly string[],
): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const applied = new Set(rows.map((row) => row.migration_name));
  return expected.filter((name) => !applied.has(name));
}
