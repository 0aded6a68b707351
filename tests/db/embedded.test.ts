// The embedded PostgreSQL's life cycle on real postmasters: initialisation that tolerates an interrupted one,
// restarts on the same port after a crash, and a stop() that never hangs nor restarts what it stops.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createPool } from '../../server/db/database';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/db/embedded';
import { processesMentioning } from '../main/app-process';

interface Event {
  level: 'warn' | 'info';
  details: Record<string, unknown>;
  message: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(25)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
  }
}

async function selectOne(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  const dirs: string[] = [];
  const clusters: EmbeddedDatabase[] = [];

  /** A fresh cluster in its own directory, with its supervision events recorded. */
  async function cluster(backoff = { firstMs: 50, maxMs: 400 }, prepare?: (dir: string) => void) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-embedded-'));
    fs.chmodSync(dir, 0o755); // as root, the postgres user must be able to enter it
    dirs.push(dir);
    prepare?.(dir);
    const events: Event[] = [];
    const record = (level: Event['level']) => (details: object, message: string) =>
      events.push({ level, details: details as Record<string, unknown>, message });
    const db = await startEmbeddedPostgres(dir, () => {}, {
      events: { warn: record('warn'), info: record('info') },
      backoff,
    });
    clusters.push(db);
    return { db, dir, events };
  }

  afterAll(async () => {
    for (const db of clusters) await db.stop(2000);
    for (const dir of dirs) {
      for (const pid of await processesMentioning(dir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('when an earlier initialisation was interrupted, then its leftovers are cleared and a cluster is made', async () => {
    const { db, dir } = await cluster(undefined, (dir) => {
      fs.mkdirSync(path.join(dir, 'pgdata')); // a data directory that never became a cluster
      fs.mkdirSync(path.join(dir, '.initdb-0badc0de', 'pgdata'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.initdb-0badc0de', 'pgdata', 'PG_VERSION'), '17\n');
    });
    expect(db.clusterDir).toBe(path.join(dir, 'pgdata'));
    expect(fs.readdirSync(dir).sort()).toEqual(['pgdata', 'superuser-password']);
    expect(fs.statSync(path.join(dir, 'superuser-password')).mode & 0o777).toBe(0o600);
    expect(await selectOne(db.adminUrl)).toBe(1);
  });

  it('when the postmaster is killed, then it is restarted on the same port and pools reconnect by themselves', async () => {
    const { db, events } = await cluster();
    const idleErrors: Error[] = [];
    const pool = createPool(db.adminUrl, (error) => idleErrors.push(error));
    try {
      await pool.query('SELECT 1');
      const killed = db.pid()!;
      process.kill(killed, 'SIGKILL');
      await until(() => events.some((event) => event.message === 'embedded PostgreSQL restarted'), 30_000);

      expect(events[0]).toMatchObject({
        level: 'warn',
        details: { signal: 'SIGKILL', postgresPid: killed },
        message: 'embedded PostgreSQL exited unexpectedly; restarting it',
      });
      expect(db.pid()).toBeDefined();
      expect(db.pid()).not.toBe(killed);
      expect(await selectOne(db.adminUrl)).toBe(1);
      // The pool's connection died with its backend and was dropped, not handed out again.
      expect(idleErrors).not.toEqual([]);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  }, 45_000);

  it('when stop() is called while a restart is pending, then it returns at once and nothing is restarted', async () => {
    const { db, dir, events } = await cluster({ firstMs: 1500, maxMs: 1500 });
    process.kill(db.pid()!, 'SIGKILL');
    await until(() => events.some((event) => event.level === 'warn'), 10_000);
    await db.stop();
    await sleep(2500); // past the moment the restart was due
    expect(events.map((event) => event.message)).toEqual([
      'embedded PostgreSQL exited unexpectedly; restarting it',
    ]);
    expect(db.pid()).toBeUndefined();
    expect(await processesMentioning(dir)).toEqual([]);
  }, 30_000);

  it('when PostgreSQL does not answer SIGINT (frozen), then stop() kills it within its time limit', async () => {
    const { db, dir, events } = await cluster();
    const pid = db.pid()!;
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    await db.stop(1000);
    expect(Date.now() - started).toBeLessThan(1000 + 500);
    expect(events).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'embedded PostgreSQL did not stop in time; killing it',
      }),
    );
    expect(await processesMentioning(dir)).toEqual([]);
    // Stopping again, or after the end, returns at once.
    await db.stop();
    expect(db.pid()).toBeUndefined();
  }, 30_000);
});
