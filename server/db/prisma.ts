// The one way to make a Prisma client: JS query compiler over node-postgres, no native engine.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Prisma = PrismaClient;
export { Prisma as PrismaNamespace } from '../generated/prisma/client';

export function createPrisma(connectionString: string, poolSize = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: poolSize }) });
}
