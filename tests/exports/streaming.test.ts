// Exports stream: the download starts before the last row is read, a client that goes away half-way gives the
// database connection back (and the audit log says how far it got), and at most two exports hold connections at once.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestApp, relaxedThrottle, serveOnPort, type ServedApp, type TestApp } from '../support/app';
import { submitForm, visitor } from '../support/client';
import { factories, strongPassword } from '../support/factories';
import { exportAudits, addSyntheticCopies } from './records';

const COPIES = 20_000;
const EXPORT = '/admin/exports/records.csv?synthetic=include';

let t: TestApp;
let served: ServedApp;
let port: number;
let cookie: string;

beforeAll(async () => {
  t = await createTestApp({ throttle: relaxedThrottle });
  const make = factories(t);
  const learner = await make.user({ fullName: 'Stream Source', profession: 'physician' });
  const { claim } = await make.completion(learner);
  await addSyntheticCopies(t, claim.id, COPIES);
  const admin = await make.user({ role: 'admin' });
  const signedIn = await submitForm(visitor(t.app), '/login', '/login', {
    email: admin.email,
    password: strongPassword,
  });
  cookie = (signedIn.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  served = await serveOnPort(t.app);
  port = served.port;
}, 120_000);
afterAll(async () => {
  await served?.close();
  await t?.close();
});

/** A GET whose answer is read up to `enough` bytes, then not any more until `abort` (or `readAll`) is called. */
function openDownload(path: string, enough = 1) {
  return new Promise<{
    res: http.IncomingMessage;
    first: Buffer;
    abort(): void;
    readAll(): Promise<Buffer>;
  }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { cookie } }, (res) => {
      const received: Buffer[] = [];
      const onData = (chunk: Buffer) => {
        received.push(chunk);
        if (Buffer.concat(received).length < enough) return;
        res.off('data', onData);
        res.off('end', onEnd);
        res.pause();
        const first = Buffer.concat(received);
        resolve({
          res,
          first,
          abort: () => req.destroy(),
          readAll: async () => {
            const chunks: Buffer[] = [first];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.resume();
            await new Promise((done) => res.once('end', done));
            return Buffer.concat(chunks);
          },
        });
      };
      // An answer shorter than `enough` (an error page) is given whole.
      const onEnd = () =>
        resolve({
          res,
          first: Buffer.concat(received),
          abort: () => {},
          readAll: () => Promise.resolve(Buffer.concat(received)),
        });
      res.on('data', onData);
      res.on('end', onEnd);
    });
    req.on('error', reject);
  });
}

async function poolSettles(): Promise<{ total: number; idle: number }> {
  for (let i = 0; i < 200 && t.pool.totalCount !== t.pool.idleCount; i += 1) await sleep(25);
  return { total: t.pool.totalCount, idle: t.pool.idleCount };
}

/** Statements still running for the exports on the server (a cursor left open would show here). */
const runningExports = async () =>
  (
    await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%AS consent_to_share%'
         AND state <> 'idle'`,
    )
  ).rows[0]!.n;

describe('streamed exports', () => {
  it('when a client reads the whole export, then every row arrives and the audit entry says it was completed', async () => {
    const download = await openDownload(EXPORT);
    expect(download.res.statusCode).toBe(200);
    const lines = (await download.readAll()).toString('utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 1 + COPIES);
    expect(lines[0]).toMatch(/^Claim ID,Completed on,/);
    await sleep(50);
    expect((await exportAudits(t)).at(-1)?.details).toMatchObject({ rows: COPIES + 1, completed: true });
    expect(await poolSettles()).toEqual({ total: t.pool.totalCount, idle: t.pool.totalCount });
  });

  it('when the client goes away half-way, then the cursor is closed, the pool is idle again, and the audit says how far it got', async () => {
    const before = (await exportAudits(t)).length;
    // 200 kB read: well into the rows, far from the end (about 5 MB).
    const download = await openDownload(EXPORT, 200_000);
    expect(download.res.statusCode).toBe(200);
    expect(download.first.toString('utf8')).toMatch(/^Claim ID,/);
    // The server is now blocked on a client that does not read: half-way through the cursor.
    await sleep(100);
    expect(t.pool.totalCount - t.pool.idleCount).toBeGreaterThanOrEqual(1);
    download.abort();

    const settled = await poolSettles();
    expect(settled.idle).toBe(settled.total);
    expect(await runningExports()).toBe(0);
    const audits = await exportAudits(t);
    expect(audits).toHaveLength(before + 1);
    const details = audits.at(-1)!.details as { rows: number; completed: boolean };
    expect(details.completed).toBe(false);
    expect(details.rows).toBeGreaterThan(0);
    expect(details.rows).toBeLessThan(COPIES);
  });

  it('when two exports are running, then a third is refused with 429 until one of them ends', async () => {
    const first = await openDownload(EXPORT);
    const second = await openDownload(EXPORT);
    const third = await fetchStatus(EXPORT);
    expect(third).toBe(429);
    first.abort();
    // Its connection is free once its cursor is closed on the server (after the batch it was fetching).
    let fourth = await openDownload(EXPORT);
    for (let i = 0; i < 50 && fourth.res.statusCode === 429; i += 1) {
      await sleep(100);
      fourth = await openDownload(EXPORT);
    }
    expect(fourth.res.statusCode).toBe(200);
    second.abort();
    fourth.abort();
    const settled = await poolSettles();
    expect(settled.idle).toBe(settled.total);
  });
});

async function fetchStatus(path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { cookie } });
  await res.arrayBuffer();
  return res.status;
}
