// A fresh database per test file, cloned from the migrated template in milliseconds and dropped afterwards.
import crypto from 'node:crypto';
import { Client } from 'pg';
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
