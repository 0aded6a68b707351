// Streaming a query's rows into a download: a server-side cursor (pg-query-stream) on one connection of the app's
// pool, read a batch at a time as the client takes the bytes, so memory stays flat whatever the number of rows.
// The connection goes back to the pool when the download ends, fails or is abandoned by the client: the cursor is
// closed first, so PostgreSQL stops working for a client that left.
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { HttpError } from '../http/errors';

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/**
 * Rows fetched per round trip. 250, not more: a batch waits in the cursor's buffer while it is written out, and rows
 * that outlive two of V8's young-generation collections move to the old generation, which only a full collection
 * gives back. With 1,000 the process grew by ~110 MB during a million-row export, with 250 by ~35 MB, for ~15 %
 * more time (README, Benchmarks).
 */
const BATCH_SIZE = 250;

/**
 * Exports running at once in this process. Each one holds a connection of the pool (ten, shared with sessions)
 * for as long as its client downloads; a third export waits for one of them to finish rather than starving
 * sign-ins.
 */
export const MAX_CONCURRENT_EXPORTS = 2;

export class ExportBusyError extends HttpError {
  constructor() {
    super(429, 'Two exports are already running. Try again when one of them has finished.');
  }
}

/** The client closed the connection before the last byte: an ordinary end for a download. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGone';
  }
}

/** The download ended before its last byte: the client went away, or the stream failed. */
export class AbortedExport extends Error {
  constructor(cause?: unknown) {
    super('the export was not completed', { cause });
    this.name = 'AbortedExport';
  }
}

async function closeCursor(stream: QueryStream, client: PoolClient): Promise<void> {
  let failure: Error | undefined;
  stream.on('error', (error: Error) => (failure = error));
  if (!stream.destroyed) stream.destroy();
  // 'close' comes once the cursor is closed on the server (pg-query-stream's _destroy waits for it).
  if (!stream.closed) await once(stream, 'close').catch(() => {});
  // A connection whose cursor could not be closed cleanly is not given to anyone else.
  client.release(failure);
}

/** Cursors over `pool`, at most `maxConcurrent` at once (the exports page's own reads are not limited). */
export function createCursorRunner(pool: Pool, maxConcurrent = MAX_CONCURRENT_EXPORTS) {
  let running = 0;

  /**
   * Runs `use` with a cursor over the query's rows (arrays with rowMode 'array', objects otherwise), then closes
   * the cursor and releases the connection, however `use` ended. Refused with 429 beyond `maxConcurrent`.
   */
  async function withCursor<T>(
    query: SqlQuery,
    options: { rowMode?: 'array' },
    use: (rows: QueryStream) => Promise<T>,
  ): Promise<T> {
    if (running >= maxConcurrent) throw new ExportBusyError();
    running += 1;
    try {
      // Connected before anything is sent: a database that is down is still answered with a proper 503.
      const client = await pool.connect();
      const stream = client.query(
        new QueryStream(query.text, query.values, { batchSize: BATCH_SIZE, rowMode: options.rowMode }),
      );
      try {
        return await use(stream);
      } finally {
        await closeCursor(stream, client);
      }
    } finally {
      running -= 1;
    }
  }

  return { withCursor };
}

export type CursorRunner = ReturnType<typeof createCursorRunner>;

/** Bytes gathered before each write to the response. */
const SEND_SIZE = 64 * 1024;

/**
 * A writable that passes bytes on to the response, waiting when the client is slow, but never ends it: the export
 * ends the response itself once it has recorded the download in the audit log, so that a complete download is
 * always an audited one. A response closed early (the client left) destroys it, which stops the pipeline.
 */
export function intoResponse(res: Writable): Writable {
  // A CSV line is a chunk of its own: written one by one, each would be an HTTP chunk and a socket write. The first
  // chunk (the header line) goes at once, so the download starts while PostgreSQL is still at its first rows.
  let pending: Buffer[] = [];
  let size = 0;
  let started = false;
  const flush = (callback: (error?: Error | null) => void) => {
    // A response closed before the export started (the client left while it waited for a connection) was never
    // heard closing, and would never drain.
    if (res.destroyed) return callback(new ClientGone());
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending = [];
    size = 0;
    if (data.length === 0 || res.write(data)) callback();
    else res.once('drain', () => callback());
  };
  const sink = new Writable({
    highWaterMark: SEND_SIZE,
    write(chunk: Buffer, _encoding, callback) {
      pending.push(chunk);
      size += chunk.length;
      if (size >= SEND_SIZE || !started) flush(callback);
      else callback();
      started = true;
    },
    final: flush,
  });
  const closedEarly = () => {
    if (!res.writableFinished) sink.destroy(new ClientGone());
  };
  res.once('close', closedEarly);
  sink.once('close', () => res.off('close', closedEarly));
  return sink;
}

/**
 * Pipes rows through `stages` into the response. Resolves when the last byte was handed to the client; rejects with
 * AbortedExport when the client left first (or a stage failed after the download had started).
 */
export async function pipeToResponse(
  rows: QueryStream,
  stages: NodeJS.ReadWriteStream[],
  res: Writable,
): Promise<void> {
  try {
    await pipeline([rows, ...stages, res]);
  } catch (error) {
    throw error instanceof AbortedExport ? error : new AbortedExport(error);
  }
}
