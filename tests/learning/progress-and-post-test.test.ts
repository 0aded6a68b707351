// Reading progress and the post-test, as a learner goes through them.
import * as cheerio from 'cheerio';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app';
import { activityPath, answersFor, readAllLessons, startAttempt, submitAttempt } from '../support/journey';
import { createUser, csrfTokenFrom, signIn } from '../support/session';

let clock = new Date('2027-01-10T09:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
});
afterAll(() => t.close());

const newLearner = async () => {
  const user = await createUser(t.db.prisma);
  return { user, agent: await signIn(t.app, user.email) };
};
const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};

describe('reading progress', () => {
  it('when a learner opens a lesson, then it is recorded and shown as read with the progress bar', async () => {
    const { user, agent } = await newLearner();
    await agent.get(`${activityPath}/lessons/2-etiology`).expect(200);
    const views = await t.db.prisma.lessonView.findMany({
      where: { userId: user.id },
      include: { lesson: true },
    });
    expect(views.map((v) => v.lesson.slug)).toEqual(['etiology']);
    const $ = cheerio.load((await agent.get(activityPath).expect(200)).text);
    expect($('progress#reading-progress').attr('value')).toBe('1');
    expect($('.toc li.lesson-read a').text()).toBe('Etiology');
    expect(
      $('a.button')
        .filter((_, a) => $(a).text() === 'Continue where you left off')
        .attr('href'),
    ).toBe(`${activityPath}/lessons/1-introduction`);
  });

  it('when heartbeats arrive, then time is credited once, capped, whatever the reloads and tabs', async () => {
    const { user, agent } = await newLearner();
    const lesson = `${activityPath}/lessons/1-introduction`;
    await agent.get(lesson).expect(200);
    const token = await csrfTokenFrom(agent, lesson); // a reload: no time credited for it
    const beat = () =>
      agent.post(`${lesson}/heartbeat`).set('X-CSRF-Token', token).set('Accept', 'application/json');
    advance(30);
    expect((await beat().expect(200)).body).toEqual({ credited: 30 });
    // Two tabs beating at the same moment: the second finds the clock just moved.
    advance(30);
    const [a, b] = await Promise.all([beat(), beat()]);
    expect(a.body.credited + b.body.credited).toBe(30);
    // Back after a long pause: at most 60 s are credited.
    advance(600);
    expect((await beat().expect(200)).body).toEqual({ credited: 60 });
    const view = await t.db.prisma.lessonView.findFirstOrThrow({ where: { userId: user.id } });
    expect(view.secondsSpent).toBe(120);
  });

  it('when a heartbeat comes for a lesson never opened, then it is refused and nothing is recorded', async () => {
    const { user, agent } = await newLearner();
    await agent.get(`${activityPath}/lessons/1-introduction`).expect(200);
    const token = await csrfTokenFrom(agent, `${activityPath}/lessons/1-introduction`);
    await agent
      .post(`${activityPath}/lessons/5-history-and-physical/heartbeat`)
      .set('X-CSRF-Token', token)
      .set('Accept', 'application/json')
      .expect(404);
    expect(await t.db.prisma.lessonView.count({ where: { userId: user.id } })).toBe(1);
  });
});

describe('the post-test', () => {
  it('when lessons are unread, then the post-test is locked and says why, and the server refuses to start it', async () => {
    const { user, agent } = await newLearner();
    const $ = cheerio.load((await agent.get(`${activityPath}/post-test`).expect(200)).text);
    expect($('[role=status]').text()).toContain('Read every lesson first (0 of 13 opened)');
    expect($('form[action$="/attempts"]')).toHaveLength(0);
    const token = await csrfTokenFrom(agent, '/account');
    await agent.post(`${activityPath}/post-test/attempts`).type('form').send({ _csrf: token }).expect(409);
    expect(await t.db.prisma.attempt.count({ where: { userId: user.id } })).toBe(0);
  });

  it('when all lessons are read, then a form of 3 items per objective is drawn and stored, and a reload shows the same', async () => {
    const { agent } = await newLearner();
    await readAllLessons(agent);
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
    const { agent } = await newLearner();
    await readAllLessons(agent);
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
    const token = await csrfTokenFrom(other.agent, '/account');
    await other.agent
      .post(`${activityPath}/post-test/attempts/${attemptId}`)
      .type('form')
      .send({ ...(await answersFor(t, attemptId)), _csrf: token })
      .expect(404);
    expect((await t.db.prisma.attempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe(
      'in_progress',
    );
  });

  it('when a learner fails, then the result shows per-objective scores, answers and rationales, and a retake draws a new form', async () => {
    const { agent } = await newLearner();
    await readAllLessons(agent);
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
    const { agent } = await newLearner();
    await readAllLessons(agent);
    const attemptId = await startAttempt(agent);
    const answers = await answersFor(t, attemptId, 1);
    const token = await csrfTokenFrom(agent, `${activityPath}/post-test/attempts/${attemptId}`);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        agent
          .post(`${activityPath}/post-test/attempts/${attemptId}`)
          .type('form')
          .send({ ...answers, _csrf: token }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(303));
    const attempts = await t.db.prisma.attempt.findMany({ where: { id: attemptId } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'scored', correctCount: 11, passed: true });
    // Answering again after scoring changes nothing, and answers with the result.
    const late = await agent
      .post(`${activityPath}/post-test/attempts/${attemptId}`)
      .type('form')
      .send({ ...(await answersFor(t, attemptId, 12)), _csrf: token });
    expect(late.headers.location).toBe(`${activityPath}/post-test/attempts/${attemptId}/result`);
    expect((await t.db.prisma.attempt.findUniqueOrThrow({ where: { id: attemptId } })).correctCount).toBe(11);
  });

  it('when an item is edited after an attempt, then the attempt keeps the version it showed', async () => {
    const { agent } = await newLearner();
    await readAllLessons(agent);
    const attemptId = await startAttempt(agent);
    await submitAttempt(agent, attemptId, await answersFor(t, attemptId));
    const shownVersion = await t.db.prisma.attemptResponse.findFirstOrThrow({
      where: { attemptId, position: 1 },
      include: { itemVersion: true },
    });
    await t.db.prisma.itemVersion.create({
      data: {
        ...shownVersion.itemVersion,
        id: undefined,
        version: shownVersion.itemVersion.version + 1,
        stem: 'A reworded stem?',
        options: shownVersion.itemVersion.options as object,
        createdAt: undefined,
      },
    });
    const $ = cheerio.load(
      (await agent.get(`${activityPath}/post-test/attempts/${attemptId}/result`).expect(200)).text,
    );
    expect($('li.answer h3').first().text()).toBe(shownVersion.itemVersion.stem);
  });

  it('when the attempt limit is reached, then no further attempt can start', async () => {
    const limited = await createTestApp({ now: () => clock });
    try {
      const activity = await limited.db.prisma.activity.findUniqueOrThrow({
        where: { slug: 'renal-leiomyosarcoma' },
      });
      const details = activity.details as { postTest: { maxAttempts: number | null } };
      details.postTest.maxAttempts = 1;
      await limited.db.prisma.activity.update({ where: { id: activity.id }, data: { details } });
      const user = await createUser(limited.db.prisma);
      const agent = await signIn(limited.app, user.email);
      await readAllLessons(agent);
      const page = cheerio.load((await agent.get(`${activityPath}/post-test`).expect(200)).text);
      expect(page('main').text()).toContain('You may take it up to 1 times (1 left)');
      const attemptId = await startAttempt(agent);
      await submitAttempt(agent, attemptId, await answersFor({ ...limited }, attemptId, 12));
      const token = await csrfTokenFrom(agent, '/account');
      const again = await agent
        .post(`${activityPath}/post-test/attempts`)
        .type('form')
        .send({ _csrf: token });
      expect(again.status).toBe(409);
      expect(await limited.db.prisma.attempt.count({ where: { userId: user.id } })).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it('when a learner is signed out, then the post-test asks to sign in', async () => {
    const res = await request(t.app).get(`${activityPath}/post-test`).expect(302);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`${activityPath}/post-test`)}`);
  });
});
