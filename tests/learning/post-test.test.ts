// The post-test, as a learner takes it: locked until every lesson is read, the form drawn and kept, answers
// checked, scoring once, results by objective, retakes and their limit.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { csrfTokenFrom, postForm, signIn, submitForm, visitor } from '../support/client';
import { activityFile, editYaml } from '../support/content';
import { factories, firstActivity, type Factories } from '../support/factories';
import { activityPath, answersFor, startAttempt, submitAttempt } from '../support/journey';

const clock = new Date('2027-01-10T09:00:00Z');
let t: TestApp;
let make: Factories;
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  make = factories(t);
});
afterAll(() => t.close());

const newLearner = async () => {
  const user = await make.user();
  return { user, agent: await signIn(t.app, user.email) };
};
/** A signed-in learner who has opened every lesson (through the progress service, as reading them does). */
const readingLearner = async () => {
  const learner = await newLearner();
  await make.readLessons(learner.user);
  return learner;
};

describe('the post-test', () => {
  it('when lessons are unread, then the post-test is locked and says why, and the server refuses to start it', async () => {
    const { user, agent } = await newLearner();
    const $ = cheerio.load((await agent.get(`${activityPath}/post-test`).expect(200)).text);
    expect($('[role=status]').text()).toContain('Read every lesson first (0 of 13 opened)');
    expect($('form[action$="/attempts"]')).toHaveLength(0);
    const start = await submitForm(agent, '/account', `${activityPath}/post-test/attempts`, {});
    expect(start.status).toBe(409);
    expect(await t.db.prisma.attempt.count({ where: { userId: user.id } })).toBe(0);
  });

  it('when all lessons are read, then a form of 3 items per objective is drawn and stored, and a reload shows the same', async () => {
    const { agent } = await readingLearner();
    const page = cheerio.load((await agent.get(`${activityPath}/post-test`).expect(200)).text);
    expect(page('main').text()).toContain('The passing score is 75%');
    const attemptId = await startAttempt(agent);
    const responses = await t.db.prisma.attemptResponse.findMany({
      where: { attemptId },
      include: { itemVersion: { include: { item: { include: { objective: true } } } } },
    });
    expect(responses).toHaveLength(12);
    const perObjective = new Map<string, number>();
    for (const r of responses)
      perObjective.set(
        r.itemVersion.item.objective.code,
        (perObjective.get(r.itemVersion.item.objective.code) ?? 0) + 1,
      );
    expect(Object.fromEntries(perObjective)).toEqual({ O1: 3, O2: 3, O3: 3, O4: 3 });
    const shown = async () => {
      const $ = cheerio.load(
        (await agent.get(`${activityPath}/post-test/attempts/${attemptId}`).expect(200)).text,
      );
      return $('fieldset.question')
        .map(
          (_, q) =>
            $(q).find('legend').text() +
            $(q)
              .find('input')
              .map((__, i) => $(i).attr('value'))
              .get()
              .join(''),
        )
        .get();
    };
    const first = await shown();
    expect(first).toHaveLength(12);
    expect(await shown()).toEqual(first);
    // Starting again while an attempt is open returns the same attempt.
    expect(await startAttempt(agent)).toBe(attemptId);
  });

  it("when answers are missing or foreign, then a clear 422 changes nothing; another learner's attempt is a 404", async () => {
    const { agent } = await readingLearner();
    const attemptId = await startAttempt(agent);
    const answers = await answersFor(t, attemptId);
    delete answers.q3;
    const missing = await submitAttempt(agent, attemptId, answers);
    expect(missing.status).toBe(422);
    expect(cheerio.load(missing.text)('#q3-error').text()).toBe('Answer this question.');
    const foreign = await submitAttempt(agent, attemptId, { ...(await answersFor(t, attemptId)), q1: 'Z' });
    expect(foreign.status).toBe(422);
    expect(cheerio.load(foreign.text)('#q1-error').text()).toBe('That option is not part of this question.');
    expect((await t.db.prisma.attempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe(
      'in_progress',
    );

    const other = await newLearner();
    await other.agent.get(`${activityPath}/post-test/attempts/${attemptId}`).expect(404);
    await submitAttempt(other.agent, attemptId, await answersFor(t, attemptId)).catch(() => undefined);
    const foreignAttempt = `${activityPath}/post-test/attempts/${attemptId}`;
    const posted = await submitForm(other.agent, '/account', foreignAttempt, await answersFor(t, attemptId));
    expect(posted.status).toBe(404);
    expect((await t.db.prisma.attempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe(
      'in_progress',
    );
  });

  it('when a learner fails, then the result shows per-objective scores, answers and rationales, and a retake draws a new form', async () => {
    const { agent } = await readingLearner();
    const attemptId = await startAttempt(agent);
    const res = await submitAttempt(agent, attemptId, await answersFor(t, attemptId, 4));
    expect(res.status).toBe(303);
    const $ = cheerio.load((await agent.get(String(res.headers.location)).expect(200)).text);
    expect($('[role=status]').text()).toContain('You scored 66.67% (8 of 12 correct)');
    expect($('[role=status]').text()).toContain('did not reach the passing score of 75%');
    const rows = $('table tbody tr');
    expect(rows).toHaveLength(4);
    expect(
      rows
        .map((_, r) => $(r).find('td').eq(1).text())
        .get()
        .join(','),
    ).toMatch(/^(\d\/3,){3}\d\/3$/);
    expect($('li.answer')).toHaveLength(12);
    expect($('li.answer-wrong')).toHaveLength(4);
    const firstAnswer = $('li.answer').first();
    expect(
      firstAnswer
        .find('p')
        .filter((_, p) => $(p).text().startsWith('Why:'))
        .text().length,
    ).toBeGreaterThan(40);
    expect(firstAnswer.find('.citation-line a').first().attr('href')).toMatch(
      /^\/activities\/renal-leiomyosarcoma\/lessons\/\d+-/,
    );

    const retake = await startAttempt(agent);
    expect(retake).not.toBe(attemptId);
    const pass = await submitAttempt(agent, retake, await answersFor(t, retake, 3));
    const passed = cheerio.load((await agent.get(String(pass.headers.location)).expect(200)).text);
    expect(passed('[role=status]').text()).toContain('You scored 75% (9 of 12 correct)');
    expect(passed('[role=status]').text()).toContain('You passed');
  });

  it('when the same attempt is submitted 20 times at once, then it is scored exactly once', async () => {
    const { agent } = await readingLearner();
    const attemptId = await startAttempt(agent);
    const answers = await answersFor(t, attemptId, 1);
    const form = `${activityPath}/post-test/attempts/${attemptId}`;
    const token = await csrfTokenFrom(agent, form);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => postForm(agent, form, answers, token)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(303));
    const attempts = await t.db.prisma.attempt.findMany({ where: { id: attemptId } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'scored', correctCount: 11, passed: true });
    // Answering again after scoring changes nothing, and answers with the result.
    const late = await postForm(agent, form, await answersFor(t, attemptId, 12), token);
    expect(late.headers.location).toBe(`${activityPath}/post-test/attempts/${attemptId}/result`);
    expect((await t.db.prisma.attempt.findUniqueOrThrow({ where: { id: attemptId } })).correctCount).toBe(11);
  });

  it('when an item is edited after an attempt, then the attempt keeps the version it showed', async () => {
    const { agent } = await readingLearner();
    const attemptId = await startAttempt(agent);
    await submitAttempt(agent, attemptId, await answersFor(t, attemptId));
    const shownVersion = await t.db.prisma.attemptResponse.findFirstOrThrow({
      where: { attemptId, position: 1 },
      include: { itemVersion: { include: { item: true } } },
    });
    // The item is reworded in items.yaml and the content synced again: the sync adds a new version.
    const { key } = shownVersion.itemVersion.item;
    await make.syncContent((dir) =>
      editYaml(activityFile(dir, firstActivity, 'items.yaml'), (items) => {
        const index = (items.toJS() as { key: string }[]).findIndex((item) => item.key === key);
        items.setIn([index, 'stem'], 'A reworded stem?');
      }),
    );
    const versions = await t.db.prisma.itemVersion.findMany({
      where: { itemId: shownVersion.itemVersion.itemId },
    });
    expect(versions.map((v) => v.stem)).toContain('A reworded stem?');
    const $ = cheerio.load(
      (await agent.get(`${activityPath}/post-test/attempts/${attemptId}/result`).expect(200)).text,
    );
    expect($('li.answer h3').first().text()).toBe(shownVersion.itemVersion.stem);
  });

  it('when the attempt limit is reached, then no further attempt can start', async () => {
    const limited = await createTestApp({ now: () => clock });
    try {
      const makeLimited = factories(limited);
      await makeLimited.syncContent((dir) =>
        editYaml(activityFile(dir, firstActivity), (activity) =>
          activity.setIn(['postTest', 'maxAttempts'], 1),
        ),
      );
      const user = await makeLimited.user();
      const agent = await signIn(limited.app, user.email);
      await makeLimited.readLessons(user);
      const page = cheerio.load((await agent.get(`${activityPath}/post-test`).expect(200)).text);
      expect(page('main').text()).toContain('You may take it up to 1 times (1 left)');
      const attemptId = await startAttempt(agent);
      await submitAttempt(agent, attemptId, await answersFor(limited, attemptId, 12));
      const again = await submitForm(agent, '/account', `${activityPath}/post-test/attempts`, {});
      expect(again.status).toBe(409);
      expect(await limited.db.prisma.attempt.count({ where: { userId: user.id } })).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it('when a learner is signed out, then the post-test asks to sign in', async () => {
    const res = await visitor(t.app).get(`${activityPath}/post-test`).expect(302);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`${activityPath}/post-test`)}`);
  });
});
