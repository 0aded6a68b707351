// npm run seed:scale on a small size: it refuses a database with real learners, marks every row synthetic, writes
// chains that hold together (the foreign keys, the scores and their responses, claims and their certificates), a
// re-run completes an interrupted seed and adds nothing twice, and the app's own pages read the result.
import { spawn } from 'node:child_process';
import path from 'node:path';
import * as cheerio from 'cheerio';
import { loadContent } from '../../server/content/load';
import { SeedRefused } from '../../server/cli/seed-scale/guard';
import { defaultSeedOptions } from '../../server/cli/seed-scale/options';
import { seedScale, type SeedSummary } from '../../server/cli/seed-scale/seed';
import { contentDir, createTestApp, projectRoot, type TestApp } from '../support/app';
import { getBinary, signIn, visitor } from '../support/client';
import { factories, firstActivity } from '../support/factories';
import { chainProblems, foreignKeyViolations, rowsNotSynthetic } from './checks';

const learnerPassword = 'synthetic learner passphrase';
const options = {
  ...defaultSeedOptions,
  learners: 200,
  records: 1_000,
  copies: 20,
  batchSize: 40,
  jobs: 2,
  // A seed whose 200 learners include the rare cases too (accounts deleted since, at 0.3 %: three here).
  seed: 4,
  learnerPassword,
  source: firstActivity,
};
const provider = loadContent(contentDir).provider;

let t: TestApp;
let interrupted: unknown;
let resumed: SeedSummary;
let claimsAfterInterruption: number;

const seed = (o = options, onProgress?: Parameters<typeof seedScale>[2]) =>
  seedScale({ databaseUrl: t.db.url, prisma: t.db.prisma, provider }, o, onProgress);
const count = async (sql: string) =>
  Number((await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`)).rows[0]!.n);

beforeAll(async () => {
  t = await createTestApp();
  // A first run stopped after its first batches (as Ctrl-C would), then a second run with the same options.
  interrupted = await seed(options, (progress) => {
    if (progress.recordsDone > 0) throw new Error('interrupted');
  }).catch((error: unknown) => error);
  claimsAfterInterruption = await count('credit_claims');
  resumed = await seed();
}, 240_000);
afterAll(() => t.close());

describe('seed:scale refuses', () => {
  it('when the database holds a real learner, then the command refuses with the reason and writes nothing', async () => {
    const other = await createTestApp();
    try {
      await factories(other).user();
      const activities = await other.db.prisma.activity.count();
      const run = await runCli(other.db.url, ['--learners', '20', '--records', '40']);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/Refusing to seed: this database holds 1 real learner account/);
      expect(await other.db.prisma.user.count({ where: { synthetic: true } })).toBe(0);
      expect(await other.db.prisma.activity.count()).toBe(activities);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('when the database holds a seed of other sizes, then a seed with other options is refused', async () => {
    await expect(seed({ ...options, records: 999 })).rejects.toThrow(SeedRefused);
    await expect(seed({ ...options, records: 999 })).rejects.toThrow(
      /already holds a synthetic seed of 200 learners, 1,000 records/,
    );
  });
});

describe('a seeded database', () => {
  it('when a run is interrupted, then a re-run writes only the batches it lacks, and a third run adds nothing', async () => {
    expect(interrupted).toEqual(new Error('interrupted'));
    expect(claimsAfterInterruption).toBeGreaterThan(0);
    expect(claimsAfterInterruption).toBeLessThan(1_000);
    expect(resumed.batchesTotal).toBe(5);
    expect(resumed.batchesWritten).toBeLessThan(5);
    expect(claimsAfterInterruption + resumed.recordsWritten).toBe(1_000);
    const again = await seed();
    expect(again.batchesWritten).toBe(0);
    expect(await count('credit_claims')).toBe(1_000);
    expect(await count(`users WHERE role = 'learner'`)).toBe(200);
  });

  it('then every row is marked synthetic, and learners use reserved email domains', async () => {
    expect(await rowsNotSynthetic(t.pool, firstActivity)).toEqual({
      learners: 0,
      activities: 0,
      claims: 0,
      emails: 0,
    });
    // 200 learners and the admin who revoked and corrected (test-made admins are real staff, not synthetic).
    expect(await count('users WHERE synthetic')).toBe(201);
    expect(await count('activities WHERE synthetic')).toBe(20);
    expect(await count(`activities WHERE slug LIKE '${firstActivity}-synthetic-%'`)).toBe(20);
  });

  it('then every foreign key holds', async () => {
    expect(await foreignKeyViolations(t.pool)).toEqual([]);
  });

  it('then every chain holds together: claim, passed attempt, responses, evaluation, certificate, reading', async () => {
    expect(await chainProblems(t.pool)).toEqual({});
  });

  it('then the spread is realistic: professions, consent, revocations, corrections, retakes, deleted accounts, two years', async () => {
    const { rows } = await t.pool.query<Record<string, number>>(`
      SELECT count(DISTINCT credit_code)::int AS credit_types,
        count(DISTINCT learner->>'profession')::int AS professions,
        round(100.0 * count(*) FILTER (WHERE (learner->>'consentToShare')::boolean) / count(*))::int AS consent_percent,
        (SELECT count(*) FROM certificates WHERE revoked_at IS NOT NULL)::int AS revoked,
        (SELECT count(*) FROM attempts WHERE number > 1)::int AS retakes,
        (SELECT count(*) FROM claim_corrections)::int AS corrections,
        (SELECT count(*) FROM users WHERE deleted_at IS NOT NULL)::int AS deleted,
        (SELECT count(*) FROM enrollments)::int - count(*)::int AS unfinished,
        extract(day FROM max(completed_at) - min(completed_at))::int AS days
      FROM credit_claims`);
    const spread = rows[0]!;
    expect(spread.credit_types).toBe(5);
    expect(spread.professions).toBe(6);
    expect(spread.consent_percent).toBeGreaterThanOrEqual(60);
    expect(spread.consent_percent).toBeLessThanOrEqual(80);
    expect(spread.revoked).toBeGreaterThan(0);
    expect(spread.retakes).toBeGreaterThan(0);
    expect(spread.corrections).toBeGreaterThan(0);
    expect(spread.deleted).toBeGreaterThan(0);
    expect(spread.unfinished).toBeGreaterThan(50);
    expect(spread.days).toBeGreaterThan(365);
  });
});

describe("the app's pages on synthetic data", () => {
  /** A synthetic learner with several records, one of them revoked when there is one. */
  async function busyLearner() {
    const { rows } = await t.pool.query<{ id: number; email: string }>(`
      SELECT u.id, u.email FROM users u JOIN credit_claims c ON c.user_id = u.id
      JOIN certificates cert ON cert.claim_id = c.id AND cert.superseded_at IS NULL
      WHERE u.synthetic AND u.role = 'learner' AND u.active AND u.deleted_at IS NULL
      GROUP BY u.id ORDER BY bool_or(cert.revoked_at IS NOT NULL) DESC, count(*) DESC LIMIT 1`);
    const user = rows[0]!;
    const claims = await t.db.prisma.creditClaim.findMany({
      where: { userId: user.id },
      include: { certificates: { where: { supersededAt: null } }, attempt: true, activity: true },
    });
    return { ...user, claims };
  }

  it('when a synthetic learner signs in, then My CE lists each of their records with its certificate', async () => {
    const learner = await busyLearner();
    const agent = await signIn(t.app, learner.email, learnerPassword);
    const res = await agent.get('/my-ce').expect(200);
    const $ = cheerio.load(res.text);
    expect($('#completions tbody tr')).toHaveLength(learner.claims.length);
    for (const claim of learner.claims) {
      const certificate = claim.certificates[0]!;
      expect($(`a[href="/verify/${certificate.code}"]`)).toHaveLength(1);
      expect($(`a[href="/certificates/${certificate.code}.pdf"]`)).toHaveLength(
        certificate.revokedAt ? 0 : 1,
      );
    }
    const valid = learner.claims.find((c) => !c.certificates[0]!.revokedAt)!;
    const pdf = await getBinary(agent, `/certificates/${valid.certificates[0]!.code}.pdf`).expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('when a synthetic learner opens a result, then the app scores the stored responses as the attempt says', async () => {
    const learner = await busyLearner();
    const agent = await signIn(t.app, learner.email, learnerPassword);
    for (const claim of learner.claims.slice(0, 3)) {
      const res = await agent
        .get(`/activities/${claim.activity.slug}/post-test/attempts/${claim.attemptId}/result`)
        .expect(200);
      const status = cheerio.load(res.text)('p[role=status]').first().text().replace(/\s+/g, ' ');
      expect(status).toContain(`(${claim.attempt.correctCount} of ${claim.attempt.itemCount} correct)`);
      expect(status).toContain(`${Number(claim.attempt.scorePercent)}%`);
    }
  });

  it('when an admin searches the records for a synthetic learner, then each record is listed as stored', async () => {
    const learner = await busyLearner();
    const admin = await factories(t).user({ role: 'admin' });
    const agent = await signIn(t.app, admin.email);
    const res = await agent.get(`/admin/records?learner=${encodeURIComponent(learner.email)}`).expect(200);
    const $ = cheerio.load(res.text);
    const rows = $('#records tbody tr');
    expect(rows).toHaveLength(learner.claims.length);
    expect(
      rows
        .find('.badge')
        .map((_, badge) => $(badge).text())
        .get(),
    ).toEqual(learner.claims.map(() => 'synthetic'));
    const revoked = learner.claims.filter((claim) => claim.certificates[0]!.revokedAt).length;
    expect($('.records-state-revoked')).toHaveLength(revoked);
    const detail = rows.first().find('a').attr('href')!;
    await agent.get(detail).expect(200);
  });

  it('when an admin pages through a synthetic activity, then every record appears once, in order', async () => {
    const admin = await factories(t).user({ role: 'admin' });
    const agent = await signIn(t.app, admin.email);
    const slug = `${firstActivity}-synthetic-03`;
    const expected = await t.db.prisma.creditClaim.findMany({
      where: { activity: { slug } },
      orderBy: [{ completedAt: 'desc' }, { id: 'desc' }],
      select: { id: true },
    });
    const seen: string[] = [];
    for (let next: string | undefined = `/admin/records?activity=${slug}`; next;) {
      const $ = cheerio.load((await agent.get(next).expect(200)).text);
      seen.push(
        ...$('#records tbody tr td:first-child a')
          .map((_, a) => $(a).attr('href')!)
          .get(),
      );
      next = $('a[rel=next]').attr('href');
    }
    expect(expected.length).toBeGreaterThan(25);
    expect(seen).toEqual(expected.map((claim) => `/admin/records/${claim.id}`));
  });

  it('when anyone verifies a synthetic certificate, then the page states the snapshot and any revocation', async () => {
    const [revoked] = await t.db.prisma.certificate.findMany({
      where: { revokedAt: { not: null } },
      take: 1,
    });
    const res = await visitor(t.app).get(`/verify/${revoked!.code}`).expect(200);
    const $ = cheerio.load(res.text);
    expect($('body').text()).toMatch(/Revoked on/);
    expect($('#revoked-reason').text()).toBe(revoked!.revokedReason);
  });
});

/** The CLI as `npm run seed:scale` runs it, on `databaseUrl`; its exit code and stderr. */
function runCli(databaseUrl: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    path.join(projectRoot, 'node_modules', '.bin', 'tsx'),
    ['server/cli/seed-scale.ts', ...args],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}
