// A fresh database per test file, cloned from the migrated template in milliseconds and dropped afterwards.
import crypto from 'node:crypto';
import { Client, type Pool } from 'pg';
import { createPrisma } from '../../server/db/prisma';
import type { PrismaClient } from '../../server/generated/prisma/client';

export interface TestDatabase {
  name: string;
  url: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global-setup.ts sets it)`);
  return value;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: required('TEST_PG_ADMIN_URL') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cme_test_${crypto.randomBytes(6).toString('hex')}`;
  const template = required('TEST_PG_TEMPLATE');
  await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = new URL(required('TEST_PG_ADMIN_URL'));
  url.pathname = `/${name}`;
  const prisma = createPrisma(url.toString(), 5);
  return {
    name,
    url: url.toString(),
    prisma,
    async drop() {
      await prisma.$disconnect();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Connections of the pool's database, other than this query's, that are not idle (running or in a transaction). */
export async function busyConnections(
  pool: Pick<Pool, 'query'>,
): Promise<{ state: string; query: string }[]> {
  const { rows } = await pool.query<{ state: string; query: string }>(
    `SELECT state, query FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
  );
  return rows;
}
