// Writes prisma/migrations/<timestamp>_<name>/migration.sql from the change to schema.prisma since HEAD.
// `prisma migrate dev` cannot run on the JS engines (it introspects), so the SQL comes from
// `migrate diff` between the committed schema and the working one, which needs no database.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <name_in_snake_case>');
  process.exit(2);
}

const root = path.resolve(__dirname, '..', '..');
const prismaCli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');

let from = ['--from-empty'];
try {
  const committed = execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schema-')), 'schema.prisma');
  fs.writeFileSync(file, committed);
  from = ['--from-schema-datamodel', file];
} catch {
  // No committed schema yet: the first migration starts from an empty database.
}

async function main(): Promise<void> {
  // The CLI's driver adapter opens a connection even for a diff, so give it a throwaway server.
  const scratch = await startEmbeddedPostgres(fs.mkdtempSync(path.join(os.tmpdir(), 'migration-pg-')));
  const env = { ...process.env, DATABASE_URL: scratch.adminUrl };
  let sql: string;
  try {
    sql = execFileSync(
      process.execPath,
      [prismaCli, 'migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      { cwd: root, env, encoding: 'utf8' },
    );
  } finally {
    await scratch.stop();
  }
  write(sql);
}

function write(sql: string): void {
  if (/This is an empty migration/.test(sql)) {
    console.error('schema.prisma has not changed since HEAD: no migration written');
    process.exit(1);
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(root, 'prisma', 'migrations', `${stamp}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  fs.writeFileSync(
    path.join(root, 'prisma', 'migrations', 'migration_lock.toml'),
    'provider = "postgresql"\n',
  );
  console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
