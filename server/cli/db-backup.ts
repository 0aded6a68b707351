// npm run db:backup [-- --out FILE]
// A pg_dump custom-format archive of the app's database (DATABASE_URL's, or the embedded one of DATA_DIR), by
// default DATA_DIR/backups/cme-<UTC time>.dump, mode 0600. Safe while the app serves: pg_dump reads one snapshot.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { backupDatabase, BackupError, backupName } from '../db/backup';
import { openAppDatabase, releaseOnSignal } from '../db/backup-target';
import { clientTools, ClientToolsError } from '../db/client-tools';
import { inDataDir, StartError } from '../db/start-error';

/** npm runs scripts in the project folder; a relative FILE is meant from where the user typed the command. */
const invokedFrom = process.env.INIT_CWD ?? process.cwd();

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 2 : 1)} MB`;

async function main(): Promise<void> {
  let out: string | undefined;
  try {
    out = parseArgs({ options: { out: { type: 'string' } } }).values.out;
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: npm run db:backup [-- --out FILE]`);
    process.exit(2);
  }
  // Only what this command uses is read, so settings it ignores (SESSION_SECRET…) are never required here.
  const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR });
  let file: string;
  if (out) {
    file = path.resolve(invokedFrom, out);
  } else {
    const dir = path.join(config.DATA_DIR, 'backups');
    inDataDir('create', dir, () => fs.mkdirSync(dir, { recursive: true, mode: 0o700 }));
    file = path.join(dir, backupName(new Date()));
  }
  const log = (message: string) => console.error(message);
  const tools = await clientTools({ projectRoot: config.projectRoot, log });
  const database = await openAppDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    create: false,
    log,
  });
  const keepSignals = releaseOnSignal(database);
  try {
    console.error(`backing up ${database.where} with ${tools.version}`);
    const result = await backupDatabase({ tools, url: database.url, file });
    console.log(
      `backup written: ${result.file} (${megabytes(result.bytes)}, ${result.archive.tables.length} tables, ${(result.ms / 1000).toFixed(1)} s)`,
    );
  } finally {
    await database.release();
    keepSignals();
  }
}

main().catch((error: unknown) => {
  const known = [BackupError, ClientToolsError, ConfigError, StartError].some(
    (kind) => error instanceof kind,
  );
  console.error(known ? (error as Error).message : error);
  process.exit(1);
});
