// The evaluation's free-text answers on the report: listed newest first in pages of 25 (keyset: no answer twice,
// none skipped), searchable case-insensitively with the search taken literally (% and _ are not wildcards), and
// shown as text whatever they contain.
import type { User } from '../../server/generated/prisma/client';
import { ANSWERS_PER_PAGE } from '../../server/reports/service';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { answersOf, creditSteps, evaluationInput, readReport, reportUrl } from './report-data';

let t: TestApp;
let make: Factories;
let admin: Agent;
/** Evaluation ids, oldest first. */
let ids: number[];

const hostile = '<script>alert("x")</script> in section 7';
const special = [
  { intendedChange: 'Biopsy when 50% sure', biasComment: null },
  { intendedChange: 'Use the rule_of_three', biasComment: null },
  { intendedChange: 'Ask PHARMACY first', biasComment: hostile },
];
const fillers = Array.from({ length: 27 }, (_, i) => ({
  intendedChange: `Routine answer ${i + 1}`,
  biasComment: null,
}));
const written = [...special, ...fillers];

beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  const steps = creditSteps(t);
  admin = await signIn(t.app, (await make.user({ role: 'admin' })).email);
  for (const answer of written) {
    const learner: User = await make.user();
    await make.scoredAttempt(learner);
    await steps.evaluate(
      learner,
      evaluationInput([4, 4, 4, 4], {
        relevance: 4,
        freeOfBias: answer.biasComment === null,
        overallQuality: 4,
        ...answer,
      }),
    );
  }
  ids = (await t.db.prisma.evaluation.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map(
    (e) => e.id,
  );
}, 120_000);
afterAll(() => t.close());

const intendedChanges = (rows: string[][]) => rows.map((cells) => cells[1]);

describe('free-text answers', () => {
  it('when there are more answers than a page holds, then the pages list each answer once, newest first', async () => {
    expect(ids).toHaveLength(written.length);
    const first = answersOf(await readReport(admin));
    expect(first.ids).toEqual([...ids].reverse().slice(0, ANSWERS_PER_PAGE));
    expect(first.first).toBeNull();
    expect(first.next).toBe(`${reportUrl}?before=${first.ids[ANSWERS_PER_PAGE - 1]}#answers`);

    const second = answersOf(await readReport(admin, { before: String(first.ids[ANSWERS_PER_PAGE - 1]) }));
    expect(second.ids).toEqual([...ids].reverse().slice(ANSWERS_PER_PAGE));
    expect(second.next).toBeNull();
    expect(second.first).toBe(`${reportUrl}#answers`);
    expect(intendedChanges(second.rows)).toEqual(
      written
        .slice(0, written.length - ANSWERS_PER_PAGE)
        .map((a) => a.intendedChange)
        .reverse(),
    );
  });

  it('when the search holds % or _, then they match themselves only, not any text', async () => {
    expect(intendedChanges(answersOf(await readReport(admin, { q: '%' })).rows)).toEqual([
      'Biopsy when 50% sure',
    ]);
    expect(intendedChanges(answersOf(await readReport(admin, { q: '50%' })).rows)).toEqual([
      'Biopsy when 50% sure',
    ]);
    expect(intendedChanges(answersOf(await readReport(admin, { q: '_' })).rows)).toEqual([
      'Use the rule_of_three',
    ]);
    const none = await readReport(admin, { q: 'x%y' });
    expect(answersOf(none).rows).toEqual([]);
    expect(none('#no-answers').text()).toBe('No answer contains “x%y”.');
  });

  it('when the search differs in case, then it still matches, in the change or in the bias comment', async () => {
    expect(intendedChanges(answersOf(await readReport(admin, { q: 'pharmacy' })).rows)).toEqual([
      'Ask PHARMACY first',
    ]);
    expect(intendedChanges(answersOf(await readReport(admin, { q: 'SECTION 7' })).rows)).toEqual([
      'Ask PHARMACY first',
    ]);
  });

  it('when an answer or the search holds markup, then both are shown as text and no element is made', async () => {
    const res = await admin.get(reportUrl).query({ q: '<script>' }).expect(200);
    expect(res.text).not.toContain('<script>alert');
    const $ = await readReport(admin, { q: '<script>' });
    const { rows } = answersOf($);
    expect(rows).toEqual([[expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), 'Ask PHARMACY first', hostile]]);
    expect($('main script')).toHaveLength(0);
    expect($('#q').attr('value')).toBe('<script>');
    expect($('#answers-table caption').text()).toBe('Answers containing “<script>”, newest first');
  });

  it('when a search spans pages, then the next page keeps the search', async () => {
    const first = answersOf(await readReport(admin, { q: 'routine' }));
    expect(first.ids).toHaveLength(ANSWERS_PER_PAGE);
    expect(first.next).toBe(`${reportUrl}?q=routine&before=${first.ids[ANSWERS_PER_PAGE - 1]}#answers`);
    const second = answersOf(await readReport(admin, { q: 'routine', before: String(first.ids.at(-1)) }));
    expect(intendedChanges(second.rows)).toEqual(['Routine answer 2', 'Routine answer 1']);
  });

  it('when the page cursor is not an id, then the newest answers are shown; a search too long is refused', async () => {
    expect(answersOf(await readReport(admin, { before: 'abc' })).ids[0]).toBe(ids.at(-1));
    await admin
      .get(reportUrl)
      .query({ q: 'x'.repeat(201) })
      .expect(400);
  });
});
