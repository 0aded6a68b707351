// Steps of the learner's journey, driven over HTTP like a browser would.
import * as cheerio from 'cheerio';
import type { TestApp } from './app';
import { csrfTokenFrom, type Agent } from './session';

export const activityPath = '/activities/renal-leiomyosarcoma';

export async function readAllLessons(agent: Agent): Promise<void> {
  let url: string | undefined = `${activityPath}/lessons/1-introduction`;
  while (url) {
    const res: { text: string } = await agent.get(url).expect(200);
    url = cheerio.load(res.text)('a[rel=next]').attr('href');
  }
}

export async function startAttempt(agent: Agent): Promise<number> {
  const _csrf = await csrfTokenFrom(agent, `${activityPath}/post-test`);
  const res = await agent.post(`${activityPath}/post-test/attempts`).type('form').send({ _csrf }).expect(303);
  return Number(/attempts\/(\d+)$/.exec(String(res.headers.location))![1]);
}

/** Form fields answering the attempt: all correctly, except the first `wrong` questions. */
export async function answersFor(
  t: TestApp,
  attemptId: number,
  wrong = 0,
): Promise<Record<string, string | string[]>> {
  const responses = await t.db.prisma.attemptResponse.findMany({
    where: { attemptId },
    orderBy: { position: 'asc' },
    include: { itemVersion: true },
  });
  return Object.fromEntries(
    responses.map((response, index) => {
      const correct = response.itemVersion.correct;
      const answer = index < wrong ? [response.optionOrder.find((id) => !correct.includes(id))!] : correct;
      return [`q${response.position}`, answer.length === 1 ? answer[0]! : answer];
    }),
  );
}

export async function submitAttempt(
  agent: Agent,
  attemptId: number,
  fields: Record<string, string | string[]>,
) {
  const _csrf = await csrfTokenFrom(agent, `${activityPath}/post-test/attempts/${attemptId}`);
  return agent
    .post(`${activityPath}/post-test/attempts/${attemptId}`)
    .type('form')
    .send({ ...fields, _csrf });
}

export const evaluationFields = {
  objective_O1: '5',
  objective_O2: '4',
  objective_O3: '5',
  objective_O4: '4',
  relevance: '4',
  freeOfBias: 'yes',
  intendedChange: 'Refer solid renal masses with atypical features for image-guided core biopsy.',
  overallQuality: '5',
};
