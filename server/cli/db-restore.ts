// npm run db:restore -- FILE --yes
// Replaces the app's database (DATABASE_URL's, or the embedded one of DATA_DIR) with a backup made by
// npm run db:backup, in one transaction. Refused while the app runs on that database, and without --yes.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { BackupError, readArchive, restoreDatabase } from '../db/backup';
import { openAppDatabase, releaseOnSignal } from '../db/backup-target';
import { clientTools, ClientToolsError } from '../db/client-tools';
import { StartError } from '../db/start-error';

/** npm runs scripts in the project folder; a relative FILE is meant from where the user typed the command. */
const invokedFrom = process.env.INIT_CWD ?? process.cwd();

const USAGE = 'usage: npm run db:restore -- FILE --yes';

async function main(): Promise<void> {
  let args: { values: { yes?: boolean }; positionals: string[] };
  try {
    args = parseArgs({ options: { yes: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { values, positionals } = args;
  if (positionals.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const file = path.resolve(invokedFrom, positionals[0]!);
  const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR });
  const log = (message: string) => console.error(message);
  const tools = await clientTools({ projectRoot: config.projectRoot, log });
  // The file is checked before anything else: a wrong one is refused without touching the database.
  const archive = await readArchive(tools, file);
  const made = `${archive.tables.length} tables, made ${archive.createdAt} from PostgreSQL ${archive.serverVersion}`;
  if (!values.yes) {
    const where = config.DATABASE_URL
      ? 'the database of DATABASE_URL'
      : `the embedded database of ${config.DATA_DIR}`;
    console.error(
      `${file} (${made}) would replace every table in ${where}: what is there now is lost.\nRun again with --yes to do so (${USAGE}).`,
    );
    process.exit(1);
  }
  const database = await openAppDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    create: true,
    log,
  });
  const keepSignals = releaseOnSignal(database);
  try {
    const result = await restoreDatabase({
      tools,
      url: database.url,
      file,
      log: () => console.error(`restoring ${file} (${made}) into ${database.where}`),
    });
    const { users, credit_claims, certificates } = result.counts;
    console.log(
      `restored ${result.archive.tables.length} tables in ${(result.ms / 1000).toFixed(1)} s: ${credit_claims} rows in credit_claims, ${certificates} certificates, ${users} users`,
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
