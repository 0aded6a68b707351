// Reading progress, as a learner goes through the lessons: lessons opened, and reading time from heartbeats.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { csrfTokenFrom, postJson, signIn } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { activityPath } from '../support/journey';

let clock = new Date('2027-01-10T09:00:00Z');
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
const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};

/** The heartbeat's JSON answer (server/progress/routes.ts): the seconds of reading time it credited. */
interface Heartbeat {
  credited: number;
}

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
    const beat = () => postJson(agent, `${lesson}/heartbeat`, token);
    advance(30);
    expect((await beat().expect(200)).body).toEqual({ credited: 30 });
    // Two tabs beating at the same moment: the second finds the clock just moved.
    advance(30);
    const [a, b] = await Promise.all([beat(), beat()]);
    expect((a.body as Heartbeat).credited + (b.body as Heartbeat).credited).toBe(30);
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
    await postJson(agent, `${activityPath}/lessons/5-history-and-physical/heartbeat`, token).expect(404);
    expect(await t.db.prisma.lessonView.count({ where: { userId: user.id } })).toBe(1);
  });
});
