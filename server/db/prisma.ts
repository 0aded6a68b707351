// The one way to make a Prisma client: JS query compiler over node-postgres, no native engine. The pool is made
// here, not by the adapter, so that every connection has an error listener (database.ts, guardConnections).
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { guardConnections } from './database';
import { UTC_SESSION } from './utc-timestamps';

export type Prisma = PrismaClient;
export { Prisma as PrismaNamespace } from '../generated/prisma/client';

export function createPrisma(
  connectionString: string,
  poolSize = 10,
  onConnectionError: (error: Error) => void = () => {},
): PrismaClient {
  const pool = guardConnections(
    new Pool({ connectionString, max: poolSize, options: UTC_SESSION }),
    onConnectionError,
  );
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}
