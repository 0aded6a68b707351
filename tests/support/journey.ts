// Steps of the learner's journey, driven over HTTP like a browser would.
import * as cheerio from 'cheerio';
import type { TestApp } from './app';
import { submitForm, type Agent, type FormFields } from './client';
import { answerKey } from './factories';

export const activityPath = '/activities/renal-leiomyosarcoma';

export async function readAllLessons(agent: Agent): Promise<void> {
  let url: string | undefined = `${activityPath}/lessons/1-introduction`;
  while (url) {
    const res: { text: string } = await agent.get(url).expect(200);
    url = cheerio.load(res.text)('a[rel=next]').attr('href');
  }
}

export async function startAttempt(agent: Agent): Promise<number> {
  const res = await submitForm(agent, `${activityPath}/post-test`, `${activityPath}/post-test/attempts`, {});
  if (res.status !== 303) throw new Error(`starting the post-test answered ${res.status}`);
  return Number(/attempts\/(\d+)$/.exec(String(res.headers.location))![1]);
}

/** Form fields answering the attempt: all correctly, except the first `wrong` questions. */
export async function answersFor(t: TestApp, attemptId: number, wrong = 0): Promise<FormFields> {
  const key = await answerKey(t, attemptId, wrong);
  return Object.fromEntries(
    Object.entries(key).map(([position, answer]) => [
      `q${position}`,
      answer.length === 1 ? answer[0]! : answer,
    ]),
  );
}

export function submitAttempt(agent: Agent, attemptId: number, fields: FormFields) {
  const form = `${activityPath}/post-test/attempts/${attemptId}`;
  return submitForm(agent, form, form, fields);
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
