// Prisma CLI configuration: JS/WASM engines only (see README, "Database"), so nothing native is downloaded.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL must be set for Prisma commands');
    // allowExitOnIdle: the CLI would otherwise wait for idle pool connections to time out (10 s) before exiting.
    return new PrismaPg({ connectionString, allowExitOnIdle: true, idleTimeoutMillis: 1 });
  },
});
