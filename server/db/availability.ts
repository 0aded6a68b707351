// Whether PostgreSQL can be reached, as this process last saw it. A request that fails because the database is
// unreachable marks it down; while down, every request that needs the database is answered 503 + Retry-After at
// once (requireDatabase, below) instead of failing half-way, and one probe a second notices the recovery
// (the embedded server is restarted by its supervisor; an external one by its operator; node-postgres pools
// reconnect by themselves).
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';

/** Seconds a client is asked to wait before retrying during an outage. */
export const RETRY_AFTER_SECONDS = 5;
const PROBE_INTERVAL_MS = 1000;

// SQLSTATE classes and codes meaning "no usable connection", not "this query is wrong".
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection (?:is )?(?:closed|ended)|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (?:starting up|shutting down|in recovery mode)|terminating connection due to administrator command|server closed the connection unexpectedly|Cannot use a pool after calling end|DatabaseNotReachable|Can't reach database server/i;

/**
 * True when a transaction waited longer than Prisma's maxWait for a connection of its pool: PostgreSQL answers, the
 * pool was full for a moment. That request is answered 503 (try again shortly), but the instance is not marked down:
 * under load, taking a queue for an outage turned a moment of waiting into a second of 503s for everyone.
 */
export function isDatabaseBusy(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as Record<string, unknown>;
  return (
    code === 'P2028' &&
    typeof message === 'string' &&
    /Unable to start a transaction in the given time/i.test(message)
  );
}

/** True for errors that mean PostgreSQL could not be reached, whichever client (pg, Prisma's adapter) saw them. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { code, message, cause, kind, originalCode } = error as Record<string, unknown>;
  if (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)))
    return true;
  if (typeof code === 'string' && code.startsWith('08')) return true; // connection_exception
  if (
    typeof originalCode === 'string' &&
    (UNAVAILABLE_SQLSTATES.has(originalCode) || originalCode.startsWith('08'))
  )
    return true;
  if (kind === 'DatabaseNotReachable' || kind === 'SocketTimeout') return true;
  // Prisma's "Transaction already closed": the connection died under a transaction (its COMMIT or ROLLBACK could
  // not run). Seen when the postmaster was killed during a commit; retrying is the answer. The same code also means
  // "the pool was busy" (isDatabaseBusy), which is not an outage.
  if (code === 'P2028' && !isDatabaseBusy(error)) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

export interface DatabaseAvailability {
  /** False while the last attempt to reach the database failed and no probe has succeeded since. */
  readonly up: boolean;
  /** Called with any error: marks the database down when the error says it is unreachable. */
  report(error: unknown): void;
  stop(): void;
}

/** Answers 503 at once while the database is known to be unreachable. */
export const requireDatabase =
  (availability: DatabaseAvailability, unavailable: () => Error): RequestHandler =>
  (_req, _res, next) => {
    if (!availability.up) throw unavailable();
    next();
  };

export function watchDatabase(pool: Pool, onChange: (up: boolean) => void = () => {}): DatabaseAvailability {
  let up = true;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const probe = () => {
    timer = null;
    pool.query('SELECT 1').then(
      () => {
        up = true;
        onChange(true);
      },
      () => {
        // A pool that is being closed (shutdown, end of a test) will never answer again.
        if (!(pool as { ending?: boolean }).ending) schedule();
      },
    );
  };
  const schedule = () => {
    if (!stopped && !timer) timer = setTimeout(probe, PROBE_INTERVAL_MS).unref();
  };
  // An idle connection killed by the server is the earliest sign of an outage.
  pool.on('error', (error) => availability.report(error));

  const availability: DatabaseAvailability = {
    get up() {
      return up;
    },
    report(error) {
      if (!isDatabaseUnavailable(error)) return;
      if (up) {
        up = false;
        onChange(false);
      }
      schedule();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
  return availability;
}
