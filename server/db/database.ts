// Chooses the PostgreSQL: DATABASE_URL when given, otherwise an embedded server under DATA_DIR.
import path from 'node:path';
import { Client, Pool, type PoolClient } from 'pg';
import { startEmbeddedPostgres } from './embedded';
import type { SupervisorEvents } from './supervisor';
import { readAndWriteTimestampsAsUtc, UTC_SESSION } from './utc-timestamps';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  /** The embedded cluster's data directory (undefined with DATABASE_URL). */
  clusterDir?: string;
  /** The embedded postmaster's pid while it runs. */
  pid(): number | undefined;
  /** Stops the embedded server (and its supervision) within about `timeoutMs`; nothing to do otherwise. */
  stop(timeoutMs?: number): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'cme';

export async function openDatabase(
  options: { databaseUrl?: string; dataDir: string; events?: SupervisorEvents },
  log: (message: string) => void,
): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, embedded: false, pid: () => undefined, stop: async () => {} };
  }
  const cluster = await startEmbeddedPostgres(path.join(options.dataDir, 'postgres'), log, {
    dataDir: options.dataDir,
    events: options.events,
  });
  try {
    await createDatabaseIfMissing(cluster.adminUrl, EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await cluster.stop(5000);
    throw error;
  }
  return {
    url: cluster.urlFor(EMBEDDED_DATABASE_NAME),
    embedded: true,
    clusterDir: cluster.clusterDir,
    pid: () => cluster.pid(),
    stop: (timeoutMs?: number) => cluster.stop(timeoutMs),
  };
}

export async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * A connection the server drops (PostgreSQL killed or restarted) emits 'error'; one with no listener crashes the
 * process. The pool listens on idle connections only, so a connection checked out at that moment (between two
 * queries of a transaction, or between a query and its release) would take the whole app down: seen when the
 * embedded postmaster was SIGKILLed under load. Every connection gets a listener for its whole life; its next
 * query then fails, and that request is answered 503.
 *
 * A dead connection that is still checked out long after its death has been leaked by its holder: Prisma's
 * transaction manager, when the COMMIT itself fails, marks the transaction closed without releasing its
 * connection (seen in the outage soak: after enough kills Prisma's pool was exhausted and every query waited).
 * Any other holder gives a dead connection back within seconds (Prisma's transactions time out after 5 s), so
 * after LEAKED_AFTER_MS it is released here, which removes it from the pool and frees its slot.
 */
export const LEAKED_AFTER_MS = 15_000;

export function guardConnections(pool: Pool, onError: (error: Error) => void): Pool {
  const checkedOut = new Set<PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('error', onError);
  pool.on('connect', (client) =>
    client.on('error', (error) => {
      onError(error);
      if (!checkedOut.has(client)) return;
      setTimeout(() => {
        if (checkedOut.has(client)) client.release(error);
      }, LEAKED_AFTER_MS).unref();
    }),
  );
  return pool;
}

/**
 * The node-postgres pool beside Prisma's: the session store, the throttles and the per-request statements too
 * hot for Prisma. Every signed-in request uses it once (the session with its user), so it is as large as Prisma's.
 *
 * Its named statements are planned once per connection (force_generic_plan). They look rows up by key, so one
 * plan fits every value, and PostgreSQL's default would re-plan the scoring statement on every submission:
 * 1 ms of planning for 0.3 ms of work (EXPLAIN ANALYZE). Its sessions, and its Dates, are in UTC whatever the
 * server's zone (utc-timestamps.ts).
 */
export function createPool(url: string, onIdleError: (error: Error) => void, size = 10): Pool {
  readAndWriteTimestampsAsUtc();
  const pool = new Pool({
    connectionString: url,
    max: size,
    options: `-c plan_cache_mode=force_generic_plan ${UTC_SESSION}`,
  });
  return guardConnections(pool, onIdleError);
}
