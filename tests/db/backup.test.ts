// Backups of a database with real credit records (made through the app's services), restored with PostgreSQL 17's
// own pg_restore: a round trip gives the same rows in every table and the same credit records, and a restore that
// cannot finish (truncated file) or must not run (the app connected, tables it would leave) changes nothing.
// pg_dump/pg_restore 17 are installed on first use into .tools/ (server/db/client-tools.ts), as the commands do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { backupDatabase, readArchive, restoreDatabase } from '../../server/db/backup';
import { clientTools, type ClientTools } from '../../server/db/client-tools';
import { createTestApp, type TestApp } from '../support/app';
import { fingerprint, projectRoot, runCli, scratchDatabase, type ScratchDatabase } from '../support/backup';
import { factories } from '../support/factories';

jest.setTimeout(60_000);

describe('database backup and restore', () => {
  let tools: ClientTools;
  let t: TestApp;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-backup-'));
  const scratch: ScratchDatabase[] = [];
  let backup: string;

  async function database(kind: 'empty' | 'migrated'): Promise<string> {
    const db = await scratchDatabase(kind);
    scratch.push(db);
    return db.url;
  }

  beforeAll(async () => {
    const started = Date.now();
    tools = await clientTools({ projectRoot, log: (message) => console.log(message) });
    console.log(`pg_dump/pg_restore ready in ${Date.now() - started} ms (${tools.source})`);
    t = await createTestApp();
    const make = factories(t);
    for (let i = 0; i < 4; i++)
      await make.completion(await make.user(), { amount: i % 2 === 0 ? 0.25 : 0.5 });
    await make.scoredAttempt(await make.user(), { wrong: 3 });
    await make.user({ role: 'educator' });
    await make.user({ role: 'admin' });
    backup = path.join(dir, 'round-trip.dump');
    const result = await backupDatabase({ tools, url: t.db.url, file: backup });
    console.log(`backup of the test database: ${result.bytes} bytes in ${result.ms} ms`);
  }, 300_000);

  afterAll(async () => {
    for (const db of scratch) await db.drop();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when a database is backed up, then the file is a custom-format archive of every table, readable by its owner only', async () => {
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
    const archive = await readArchive(tools, backup);
    const tables = Object.keys((await fingerprint(t.db.url)).rows).map((name) => `public.${name}`);
    expect(archive.tables.sort()).toEqual(tables.sort());
    expect(archive.serverVersion).toMatch(/^17\./);
    expect(fs.existsSync(`${backup}.partial`)).toBe(false);
  });

  it('when the backup is restored into an empty database, then every table has the same rows and the credit records the same checksum', async () => {
    const source = await fingerprint(t.db.url);
    expect(source.rows.credit_claims).toBe(4);
    expect(source.rows.certificates).toBe(4);
    const target = await database('empty');
    const result = await restoreDatabase({ tools, url: target, file: backup });
    console.log(`restore of the test database: ${result.ms} ms`);
    expect(result.counts).toEqual({ users: source.rows.users, credit_claims: 4, certificates: 4 });
    expect(await fingerprint(target)).toEqual(source);
  });

  it('when the backup is restored over a database with other data, then that data is replaced by the backup', async () => {
    const target = await database('migrated');
    const before = await fingerprint(target);
    expect(before.rows.credit_claims).toBe(0);
    await restoreDatabase({ tools, url: target, file: backup });
    expect(await fingerprint(target)).toEqual(await fingerprint(t.db.url));
  });

  it('when the end of the backup file is missing, then the restore fails inside its transaction and the database is unchanged', async () => {
    // A target with credit records of its own: a restore that was not one transaction would show half-replaced.
    const target = await database('empty');
    await restoreDatabase({ tools, url: target, file: backup });
    const whole = fs.readFileSync(backup);
    const truncated = path.join(dir, 'truncated.dump');
    // Its table of contents still reads (the first bytes), so pg_restore starts: dropping, creating, loading
    // tables, until the last table's rows are missing.
    fs.writeFileSync(truncated, whole.subarray(0, whole.length - 1000));
    expect((await readArchive(tools, truncated)).tables).toHaveLength(
      (await readArchive(tools, backup)).tables.length,
    );
    const before = await fingerprint(target);
    expect(before.rows.credit_claims).toBe(4);
    await expect(restoreDatabase({ tools, url: target, file: truncated })).rejects.toThrow(
      /pg_restore failed; the database is unchanged \(one transaction\): pg_restore: error: could not read from input file: end of file/,
    );
    expect(await fingerprint(target)).toEqual(before);
  });

  it('when the backup file is cut in half, then it is refused before the database is touched', async () => {
    const target = await database('empty');
    await restoreDatabase({ tools, url: target, file: backup });
    const half = path.join(dir, 'half.dump');
    const whole = fs.readFileSync(backup);
    fs.writeFileSync(half, whole.subarray(0, Math.floor(whole.length / 2)));
    const before = await fingerprint(target);
    await expect(restoreDatabase({ tools, url: target, file: half })).rejects.toThrow(
      /half\.dump is not a readable backup/,
    );
    expect(await fingerprint(target)).toEqual(before);
  });

  it('when the file is not a backup at all, then it is refused before the database is touched', async () => {
    const garbage = path.join(dir, 'garbage.dump');
    fs.writeFileSync(garbage, Buffer.from('PGDMP but not really, just some bytes'));
    const before = await fingerprint(t.db.url);
    await expect(restoreDatabase({ tools, url: t.db.url, file: garbage })).rejects.toThrow(
      /is not a readable backup/,
    );
    expect(await fingerprint(t.db.url)).toEqual(before);
  });

  it('when the app is connected to the database, then the restore is refused and nothing changes', async () => {
    const other = await database('migrated');
    const otherBackup = path.join(dir, 'other.dump');
    await backupDatabase({ tools, url: other, file: otherBackup });
    const before = await fingerprint(t.db.url);
    // t's notification listener is connected to its database, as every running app instance is.
    await expect(restoreDatabase({ tools, url: t.db.url, file: otherBackup })).rejects.toThrow(
      /the app is running on this database \(1 instance connected\)/,
    );
    expect(await fingerprint(t.db.url)).toEqual(before);
  });

  it('when the database has a table the backup lacks, then the restore is refused instead of leaving it behind', async () => {
    const target = await database('empty');
    await restoreDatabase({ tools, url: target, file: backup });
    const client = new Client({ connectionString: target });
    await client.connect();
    await client.query('CREATE TABLE newer_feature (id int)'); // what a later migration would have made
    await client.end();
    const before = await fingerprint(target);
    await expect(restoreDatabase({ tools, url: target, file: backup })).rejects.toThrow(
      /has tables that .* does not \(public\.newer_feature\)/,
    );
    expect(await fingerprint(target)).toEqual(before);
  });

  it('when claims are made during the backup, then the backup holds one moment: every claim with its certificate', async () => {
    const make = factories(t);
    const learners = await Promise.all([1, 2, 3, 4, 5, 6].map(() => make.user()));
    const file = path.join(dir, 'during-writes.dump');
    const [result] = await Promise.all([
      backupDatabase({ tools, url: t.db.url, file }),
      (async () => {
        for (const learner of learners) await make.completion(learner);
      })(),
    ]);
    const target = await database('empty');
    const restored = await restoreDatabase({ tools, url: target, file: result.file });
    expect(restored.counts.credit_claims).toBe(restored.counts.certificates);
    const client = new Client({ connectionString: target });
    await client.connect();
    const orphans = await client.query(
      `SELECT c.id FROM credit_claims c LEFT JOIN certificates z ON z.claim_id = c.id WHERE z.id IS NULL`,
    );
    await client.end();
    expect(orphans.rows).toEqual([]);
  });

  it('when the commands run with DATABASE_URL, then db:backup writes the file and db:restore asks for --yes, then restores', async () => {
    const file = path.join(dir, 'cli.dump');
    const source = await fingerprint(t.db.url);
    const tables = Object.keys(source.rows).length;
    const backupRun = await runCli('db-backup', ['--out', file], { DATABASE_URL: t.db.url, DATA_DIR: dir });
    expect(backupRun.stderr).not.toMatch(/Error:/);
    expect(backupRun.code).toBe(0);
    expect(backupRun.stdout).toMatch(
      new RegExp(`^backup written: ${file} \\([\\d.]+ MB, ${tables} tables, [\\d.]+ s\\)\n$`),
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const again = await runCli('db-backup', ['--out', file], { DATABASE_URL: t.db.url, DATA_DIR: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; choose another --out/);

    const target = await database('empty');
    const unconfirmed = await runCli('db-restore', [file], { DATABASE_URL: target, DATA_DIR: dir });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(
      /would replace every table in the database of DATABASE_URL: what is there now is lost/,
    );
    expect((await fingerprint(target)).rows).toEqual({});

    const restored = await runCli('db-restore', [file, '--yes'], { DATABASE_URL: target, DATA_DIR: dir });
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(
      new RegExp(
        `^restored ${tables} tables in [\\d.]+ s: ${source.rows.credit_claims} rows in credit_claims, ${source.rows.certificates} certificates, ${source.rows.users} users\n$`,
      ),
    );
    expect(await fingerprint(target)).toEqual(source);
  });
});
