// npm run user:create -- --email someone@example.org --role admin [--name "Full Name"]
// The password comes from NEW_USER_PASSWORD or a hidden prompt, never from the command line (it would stay in
// shell history and the process list).
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { deployMigrations } from '../db/migrations';
import { createPrisma } from '../db/prisma';
import { createUser } from '../auth/first-admin';

async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new Error('NEW_USER_PASSWORD is not set and standard input is not a terminal');
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  output._writeToOutput = (text: string) => {
    if (text.includes(question)) process.stdout.write(text);
  };
  const answer = await new Promise<string>((resolve, reject) => {
    rl.on('close', () => reject(new Error('no password given')));
    rl.question(question, resolve);
  });
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      role: { type: 'string', default: 'admin' },
      name: { type: 'string' },
    },
  });
  const role = values.role;
  if (!values.email || (role !== 'admin' && role !== 'educator' && role !== 'learner')) {
    console.error(
      'usage: npm run user:create -- --email EMAIL [--role admin|educator|learner] [--name "Full Name"]',
    );
    process.exit(2);
  }
  const password = process.env.NEW_USER_PASSWORD ?? (await promptHidden('Password (12 to 128 characters): '));
  const config = loadConfig();
  const database = await openDatabase(
    { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR },
    () => {},
  );
  const prisma = createPrisma(database.url, 1);
  try {
    await deployMigrations(config.projectRoot, database.url);
    const user = await createUser(prisma, { email: values.email, password, role, fullName: values.name });
    console.log(`created ${user!.role} ${user!.email} (id ${user!.id})`);
  } finally {
    await prisma.$disconnect();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
