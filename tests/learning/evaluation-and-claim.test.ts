// Evaluation, attestation and the credit claim: every rule enforced by the server.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { csrfTokenFrom, postForm, signIn, submitForm, type Agent, type FormFields } from '../support/client';
import { factories, strongPassword, type Factories } from '../support/factories';
import { activityPath, evaluationFields } from '../support/journey';

let clock = new Date('2027-01-10T09:00:00Z');
let t: TestApp;
let make: Factories;
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  make = factories(t);
});
afterAll(() => t.close());

/** Posts a form with the token of the account page (the credit pages redirect once their step is done). */
const post = (agent: Agent, path: string, fields: FormFields) => submitForm(agent, '/account', path, fields);

/** A learner who read the lessons and passed the post-test with 11 of 12 (91.67%), signed in. */
async function passedLearner(profession: 'physician' | 'nurse' = 'physician') {
  const user = await make.user({ profession, degree: profession === 'nurse' ? 'RN' : 'MD' });
  await make.scoredAttempt(user, { wrong: 1 });
  return { user, agent: await signIn(t.app, user.email) };
}

/** A passed learner who has also evaluated the activity, ready to claim. */
async function evaluatedLearner(profession: 'physician' | 'nurse' = 'physician') {
  const passed = await passedLearner(profession);
  await make.evaluation(passed.user);
  return passed;
}

describe('the evaluation', () => {
  it('when a learner has not passed, then the evaluation is refused by the server', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const res = await post(agent, `${activityPath}/evaluation`, evaluationFields);
    expect(res.status).toBe(409);
    expect(await t.db.prisma.evaluation.count({ where: { userId: user.id } })).toBe(0);
  });

  it('when answers are missing, then each is named and nothing is stored; when complete, it is stored once', async () => {
    const { user, agent } = await passedLearner();
    const bad = await post(agent, `${activityPath}/evaluation`, {
      ...evaluationFields,
      objective_O2: '',
      freeOfBias: 'no',
      intendedChange: '',
    });
    expect(bad.status).toBe(422);
    const $ = cheerio.load(bad.text);
    expect(
      $('.notice-error li')
        .map((_, li) => $(li).text())
        .get(),
    ).toEqual([
      'Rate how well this objective was met from 1 to 5',
      'Describe what you will change in your practice (or "no change" and why)',
      'Tell us where you saw commercial bias',
    ]);
    expect(await t.db.prisma.evaluation.count({ where: { userId: user.id } })).toBe(0);
    expect((await post(agent, `${activityPath}/evaluation`, evaluationFields)).status).toBe(303);
    expect(
      (await post(agent, `${activityPath}/evaluation`, { ...evaluationFields, relevance: '1' })).status,
    ).toBe(303);
    const stored = await t.db.prisma.evaluation.findMany({ where: { userId: user.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      objectiveRatings: { O1: 5, O2: 4, O3: 5, O4: 4 },
      relevance: 4,
      freeOfBias: true,
      overallQuality: 5,
    });
  });
});

describe('the credit claim', () => {
  it('when there is no evaluation yet, then the claim is refused', async () => {
    const { user, agent } = await passedLearner();
    const res = await post(agent, `${activityPath}/claim`, { amount: '0.5', attest: 'on' });
    expect(res.status).toBe(409);
    expect(await t.db.prisma.creditClaim.count({ where: { userId: user.id } })).toBe(0);
  });

  it('when the amount is out of bounds or not attested, then nothing is claimed', async () => {
    const { user, agent } = await evaluatedLearner();
    for (const fields of <Record<string, string>[]>[
      { amount: '0.75', attest: 'on' },
      { amount: '0.3', attest: 'on' },
      { amount: '0', attest: 'on' },
      { amount: '0.5' },
    ]) {
      expect((await post(agent, `${activityPath}/claim`, fields)).status).toBe(422);
    }
    expect(await t.db.prisma.creditClaim.count({ where: { userId: user.id } })).toBe(0);
  });

  it('when a physician claims, then one claim and one certificate are created with AMA PRA credit and a frozen snapshot', async () => {
    const { user, agent } = await evaluatedLearner('physician');
    expect((await post(agent, `${activityPath}/claim`, { amount: '0.25', attest: 'on' })).status).toBe(303);
    const claim = await t.db.prisma.creditClaim.findFirstOrThrow({
      where: { userId: user.id },
      include: { certificates: true },
    });
    expect(claim).toMatchObject({ creditCode: 'AMA_PRA_1', creditLabel: 'AMA PRA Category 1 Credit™' });
    expect(Number(claim.amount)).toBe(0.25);
    expect(claim.certificates[0]!.code).toMatch(/^[0-9a-f]{32}$/);
    expect(claim.certificates[0]!.snapshot).toMatchObject({
      learnerName: user.fullName,
      learnerDegree: 'MD',
      amount: '0.25',
      scorePercent: '91.67',
    });
    // A later profile edit does not change the issued certificate.
    await make.updateProfile(user, { fullName: 'Renamed Person' });
    const again = await t.db.prisma.certificate.findUniqueOrThrow({
      where: { id: claim.certificates[0]!.id },
    });
    expect((again.snapshot as { learnerName: string }).learnerName).toBe(user.fullName);
    // The claim is final: a second claim changes nothing.
    await post(agent, `${activityPath}/claim`, { amount: '0.5', attest: 'on' });
    const claims = await t.db.prisma.creditClaim.findMany({ where: { userId: user.id } });
    expect(claims).toHaveLength(1);
    expect(Number(claims[0]!.amount)).toBe(0.25);
    const claimHtml = (await agent.get(`${activityPath}/claim`).expect(200)).text;
    const page = cheerio.load(claimHtml);
    expect(page('a[href$=".pdf"]').attr('href')).toBe(`/certificates/${claim.certificates[0]!.code}.pdf`);
  });

  it('when a nurse claims, then the credit type is ANCC contact hours', async () => {
    const { user, agent } = await evaluatedLearner('nurse');
    const claimHtml = (await agent.get(`${activityPath}/claim`).expect(200)).text;
    const page = cheerio.load(claimHtml);
    expect(page('main p.designation').text().replace(/\s+/g, ' ')).toBe(
      'CME Platform Continuing Education designates this activity for a maximum of 0.5 ANCC contact hours.',
    );
    await post(agent, `${activityPath}/claim`, { amount: '0.5', attest: 'on' });
    const claim = await t.db.prisma.creditClaim.findFirstOrThrow({
      where: { userId: user.id },
      include: { certificates: true },
    });
    expect(claim).toMatchObject({ creditCode: 'ANCC', creditLabel: 'ANCC contact hours' });
    // A nurse's certificate carries the nursing designation and the joint-accreditation statement, not the AMA one.
    expect(claim.certificates[0]!.snapshot).toMatchObject({
      designationStatement:
        'CME Platform Continuing Education designates this activity for a maximum of 0.5 ANCC contact hours.',
      accreditationStatement: expect.stringContaining('jointly accredited') as unknown,
    });
  });

  it('when 20 claims arrive at once, then exactly one completion and one certificate exist', async () => {
    const { user, agent } = await evaluatedLearner();
    const csrf = await csrfTokenFrom(agent, '/account');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        postForm(agent, `${activityPath}/claim`, { amount: '0.5', attest: 'on' }, csrf),
      ),
    );
    expect(results.every((r) => r.status === 303)).toBe(true);
    expect(await t.db.prisma.creditClaim.count({ where: { userId: user.id } })).toBe(1);
    expect(await t.db.prisma.certificate.count({ where: { claim: { userId: user.id } } })).toBe(1);
  });

  it('when the activity has expired, then the claim is refused with a clear message', async () => {
    const { user, agent } = await evaluatedLearner();
    const saved = clock;
    clock = new Date('2029-11-01T00:00:00Z');
    try {
      const res = await post(agent, `${activityPath}/claim`, { amount: '0.5', attest: 'on' });
      expect(res.status).toBe(409);
      expect(cheerio.load(res.text)('main p').first().text()).toContain('expired on October 31, 2029');
      expect(await t.db.prisma.creditClaim.count({ where: { userId: user.id } })).toBe(0);
    } finally {
      clock = saved;
    }
  });
});

/** The parts of the data download (exportData in server/account/service.ts, as JSON) that are checked here. */
interface AccountData {
  lessonViews: unknown[];
  attempts: { responses: unknown[] }[];
  evaluations: unknown[];
  claims: { certificate: { code: string } }[];
}

describe('records that outlive the account', () => {
  it('when a learner downloads their data, then it holds their attempts, evaluation, claim and certificate', async () => {
    const user = await make.user();
    await make.completion(user, { wrong: 1 });
    const agent = await signIn(t.app, user.email);
    const data = JSON.parse((await agent.get('/account/data').expect(200)).text) as AccountData;
    expect(data.lessonViews).toHaveLength(13);
    expect(data.attempts).toHaveLength(1);
    expect(data.attempts[0]!.responses).toHaveLength(12);
    expect(data.evaluations).toHaveLength(1);
    expect(data.claims[0]).toMatchObject({ creditLabel: 'AMA PRA Category 1 Credit™', amount: '0.5' });
    expect(data.claims[0]!.certificate.code).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when a learner deletes the account, then the credit record and certificate stay verifiable', async () => {
    const user = await make.user();
    await make.completion(user, { wrong: 1 });
    const agent = await signIn(t.app, user.email);
    const claim = await t.db.prisma.creditClaim.findFirstOrThrow({
      where: { userId: user.id },
      include: { certificates: true },
    });
    expect((await post(agent, '/account/delete', { password: strongPassword })).status).toBe(200);
    const kept = await t.db.prisma.creditClaim.findUniqueOrThrow({ where: { id: claim.id } });
    expect(kept.learner).toMatchObject({ fullName: user.fullName, degree: 'MD' });
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).fullName).toBe(
      'Deleted user',
    );
    const verify = cheerio.load((await agent.get(`/verify/${claim.certificates[0]!.code}`).expect(200)).text);
    expect(verify('main').text()).toContain('Valid');
    expect(verify('main').text()).toContain(user.fullName);
  });
});
