// Liveness (/healthz) and readiness (/readyz: the database answers and has every migration).
import { Client } from 'pg';
import { migrationNames } from '../../server/db/migrations';
import { createTestApp, projectRoot, type TestApp } from '../support/app';
import { visitor } from '../support/client';

const migrations = migrationNames(projectRoot);
const lastMigration = migrations[migrations.length - 1]!;

async function sql(url: string, text: string, values: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

describe('health checks on a migrated database', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('when /healthz is asked, then it answers 200 {status: ok}', async () => {
    const res = await visitor(t.app).get('/healthz').expect(200).expect('Content-Type', /json/);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('when every migration is applied, then /readyz answers 200 with their count', async () => {
    const res = await visitor(t.app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', migrations: migrations.length });
  });

  it('when a migration row is deleted from _prisma_migrations, then /readyz answers 503 migrations pending', async () => {
    await sql(t.db.url, 'DELETE FROM _prisma_migrations WHERE migration_name = $1', [lastMigration]);
    const res = await visitor(t.app).get('/readyz').expect(503);
    expect(res.body).toEqual({
      status: 'unavailable',
      reason: 'migrations pending',
      pending: [lastMigration],
    });
  });

  it('when a migration is recorded as started but not finished, then /readyz answers 503 migrations pending', async () => {
    await sql(t.db.url, 'UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = $1', [
      migrations[0],
    ]);
    const res = await visitor(t.app).get('/readyz').expect(503);
    expect(res.body).toMatchObject({ reason: 'migrations pending', pending: [migrations[0]] });
  });
});

describe('health checks when the database is gone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await visitor(t.app).get('/readyz').expect(200); // the app has connected
    // tests/support/app.ts's session pool has no error listener; a dropped connection must not end the test run.
    t.pool.on('error', () => {});
    const admin = process.env.TEST_PG_ADMIN_URL!;
    await sql(admin, `DROP DATABASE "${t.db.name}" WITH (FORCE)`);
  });
  afterAll(() => t.close());

  it('when /readyz is asked, then it answers 503 database unreachable, without details', async () => {
    const res = await visitor(t.app).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', reason: 'database unreachable' });
  });

  it('when /healthz is asked, then it still answers 200: the process itself is alive', async () => {
    const res = await visitor(t.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
