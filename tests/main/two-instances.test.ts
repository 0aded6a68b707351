// Two instances of the app (two real processes, as behind a load balancer) on one PostgreSQL: nothing a learner or
// an admin relies on lives in only one process. A learner signs in on one and carries on on the other; wrong
// passwords count across both; a role change or a deactivation on one applies at once on the other; a revocation
// on one is reported at once by the other's verification page, even where that page was cached.
import * as cheerio from 'cheerio';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, type TestApp } from '../support/app';
import { factories, firstActivity, type Factories } from '../support/factories';
import { exitWithin, listening, startCompiled, type Started } from './app-process';
import { Visitor, type Instance } from './process-client';

let t: TestApp;
let make: Factories;
let one: Instance;
let two: Instance;
const processes: Started[] = [];

async function startInstance(databaseUrl: string): Promise<Instance> {
  const started = startCompiled({
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    PORT: '0',
    SESSION_SECRET: 'two-instances-share-this-session-secret-0123456789',
  });
  processes.push(started);
  return { url: await listening(started) };
}

beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  [one, two] = await Promise.all([startInstance(t.db.url), startInstance(t.db.url)]);
}, 120_000);
afterAll(async () => {
  for (const started of processes) {
    started.child.kill('SIGTERM');
    if (!(await exitWithin(started, 15_000))) started.child.kill('SIGKILL');
  }
  await t.close();
});

const activityPath = `/activities/${firstActivity}`;

describe('two instances on one database', () => {
  it('when a learner signs in on one, reads and starts the post-test on the other and submits on the first, then the attempt is scored', async () => {
    const learner = await make.user();
    const browser = new Visitor();
    expect((await browser.signIn(one, learner.email)).status).toBe(302);
    expect((await browser.request(two, '/account')).status).toBe(200);
    const lessons = await t.db.prisma.lesson.findMany({ select: { position: true, slug: true } });
    for (const lesson of lessons) {
      expect(
        (await browser.request(two, `${activityPath}/lessons/${lesson.position}-${lesson.slug}`)).status,
      ).toBe(200);
    }
    const started = await browser.submit(
      two,
      `${activityPath}/post-test`,
      two,
      `${activityPath}/post-test/attempts`,
      {},
    );
    expect(started.status).toBe(303);
    const attemptPath = started.location!;
    const attemptId = Number(/attempts\/(\d+)$/.exec(attemptPath)![1]);
    const key = await t.db.prisma.attemptResponse.findMany({
      where: { attemptId },
      select: { position: true, itemVersion: { select: { correct: true } } },
    });
    const answers = key.flatMap((r) =>
      r.itemVersion.correct.map((id): [string, string] => [`q${r.position}`, id]),
    );
    const submitted = await browser.submit(two, attemptPath, one, attemptPath, answers);
    expect(submitted.status).toBe(303);
    const attempt = await t.db.prisma.attempt.findUniqueOrThrow({ where: { id: attemptId } });
    expect(attempt).toMatchObject({ status: 'scored', passed: true });
  }, 60_000);

  it('when wrong passwords are spread over both instances, then they add up to one lock', async () => {
    const learner = await make.user();
    const browser = new Visitor();
    for (const instance of [one, two, one, two, one]) {
      const attempt = await browser.signIn(instance, learner.email, 'not the password at all');
      expect(attempt.status).toBe(401);
    }
    // The right password now, on either instance: refused by the lock the five failures made together.
    for (const instance of [two, one]) {
      const locked = await browser.signIn(instance, learner.email);
      expect(locked.status).toBe(401);
      expect(cheerio.load(locked.text)('[role=alert]').text()).toMatch(/^Too many failed sign-in attempts/);
    }
  }, 60_000);

  it('when an admin on one instance demotes or deactivates a user, then the other instance applies it at once', async () => {
    const admin = await make.user({ role: 'admin' });
    const colleague: User = await make.user({ role: 'admin' });
    const adminBrowser = new Visitor();
    const userBrowser = new Visitor();
    expect((await adminBrowser.signIn(one, admin.email)).status).toBe(302);
    expect((await userBrowser.signIn(two, colleague.email)).status).toBe(302);
    expect((await userBrowser.request(two, '/admin/users')).status).toBe(200);

    const demoted = await adminBrowser.submit(one, '/admin/users', one, `/admin/users/${colleague.id}/role`, {
      role: 'learner',
    });
    expect(demoted.status).toBe(302);
    expect((await userBrowser.request(two, '/admin/users')).status).toBe(403);

    const deactivated = await adminBrowser.submit(
      one,
      '/admin/users',
      one,
      `/admin/users/${colleague.id}/active`,
      {
        active: 'false',
      },
    );
    expect(deactivated.status).toBe(302);
    const after = await userBrowser.request(two, '/account');
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/login/);
  }, 60_000);
  it("when a certificate is revoked on one instance, then the other instance's verification page, cached a moment ago, says so at once", async () => {
    const learner = await make.user();
    const { code } = await make.completion(learner);
    const verifier = new Visitor();
    const verifyOnTwo = async () =>
      cheerio
        .load((await verifier.request(two, `/verify/${code}`)).text)('main')
        .text();
    const valid = /Valid\. .* has not been revoked/;
    expect(await verifyOnTwo()).toMatch(valid);
    expect(await verifyOnTwo()).toMatch(valid); // the second look is answered from two's memory

    const admin = await make.user({ role: 'admin' });
    const adminBrowser = new Visitor();
    expect((await adminBrowser.signIn(one, admin.email)).status).toBe(302);
    const revoked = await adminBrowser.submit(
      one,
      `/verify/${code}`,
      one,
      `/admin/certificates/${code}/revoke`,
      {
        reason: 'Issued in error (two-instance test)',
      },
    );
    expect(revoked.status).toBe(303);
    // The revocation's NOTIFY reaches two when the transaction commits: well under a second, never the 10 s TTL.
    const deadline = Date.now() + 1000;
    let page = await verifyOnTwo();
    while (valid.test(page) && Date.now() < deadline) page = await verifyOnTwo();
    expect(page).not.toMatch(valid);
    expect(page).toMatch(/Revoked/);
    expect(page).toContain('Issued in error (two-instance test)');
  }, 60_000);
});
