// Applies prisma/migrations with `prisma migrate deploy` (JS/WASM schema engine) and checks what is applied.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PrismaClient } from '../generated/prisma/client';

const run = promisify(execFile);

export async function deployMigrations(projectRoot: string, databaseUrl: string): Promise<string> {
  const cli = path.join(projectRoot, 'node_modules', 'prisma', 'build', 'index.js');
  const { stdout } = await run(process.execPath, [cli, 'migrate', 'deploy'], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  return stdout;
}

export function migrationNames(projectRoot: string): string[] {
  const dir = path.join(projectRoot, 'prisma', 'migrations');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
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
