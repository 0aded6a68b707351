// Item analysis across versions: attempts keep the version they showed, so a reworded item has a row per version,
// each with the figures of its own attempts only.
import * as cheerio from 'cheerio';
import type { ActivityView } from '../../server/catalogue/view-model';
import { createTestApp, type TestApp } from '../support/app';
import { signIn } from '../support/client';
import { activityFile, editYaml } from '../support/content';
import { factories, firstActivity, type Factories } from '../support/factories';
import { answeredAttempt, expectedFigures, type DrawnQuestion, type GivenAnswer } from './analysis-data';

const EDITED = 'o2-imaging-cannot-exclude-rcc';
const BEFORE_EDIT = 8;

let t: TestApp;
let make: Factories;
let activity: ActivityView;

beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  activity = (await t.catalogue.find(firstActivity))!;
});
afterAll(() => t.close());

/** Learner i answers the questions whose position is at most 4 + i, and picks the first option otherwise. */
const answerUpTo =
  (i: number) =>
  (q: DrawnQuestion): string[] =>
    q.position <= 4 + i ? q.correct : [q.optionIds.find((id) => !q.correct.includes(id))!];

it('when an item is reworded after attempts, then its old version keeps a row with its own attempts’ figures and the new version starts its own', async () => {
  const cohort: GivenAnswer[][] = [];
  for (let i = 0; i < BEFORE_EDIT; i++) cohort.push(await answeredAttempt(t, make, answerUpTo(i)));
  const first = await t.db.prisma.item.findFirstOrThrow({
    where: { key: EDITED },
    select: { id: true, publishedVersionId: true },
  });
  const firstShown = cohort.flat().filter((a) => a.versionId === first.publishedVersionId).length;
  expect(firstShown).toBeGreaterThan(0);

  await make.syncContent((dir) =>
    editYaml(activityFile(dir, firstActivity, 'items.yaml'), (items) => {
      const index = (items.toJS() as { key: string }[]).findIndex((item) => item.key === EDITED);
      items.setIn([index, 'stem'], 'Which statement about imaging in renal LMS does the article support?');
    }),
  );
  const second = await t.db.prisma.item.findUniqueOrThrow({ where: { id: first.id } });
  expect(second.publishedVersionId).not.toBe(first.publishedVersionId);
  // More attempts until the new version has been shown exactly once (the form draws 3 of the objective's 5 items).
  for (let i = 0; i < 20; i++) {
    const attempt = await answeredAttempt(t, make, answerUpTo(i));
    cohort.push(attempt);
    if (attempt.some((a) => a.versionId === second.publishedVersionId)) break;
  }

  const report = await t.services.itemAnalysis.analyse(activity);
  const rows = report.versions.filter((v) => v.key === EDITED);
  expect(rows.map((v) => [v.version, v.versionState])).toEqual([
    [1, 'superseded'],
    [2, 'published'],
  ]);
  const expected = expectedFigures(cohort);
  const [old, current] = rows;
  expect(old!.shown).toBe(firstShown);
  expect(old!.shown).toBe(expected.get(first.publishedVersionId!)!.shown);
  expect(old!.correct).toBe(expected.get(first.publishedVersionId!)!.correct);
  expect(current!.shown).toBe(1);
  // One response: a correlation is undefined.
  expect(current!.discrimination).toBeNull();
  expect(report.scoredAttempts).toBe(cohort.length);

  const educator = await make.user({ role: 'educator' });
  const agent = await signIn(t.app, educator.email);
  const $ = cheerio.load((await agent.get(`/items/${firstActivity}/analysis`).expect(200)).text);
  const cells = (version: number) =>
    $(`#item-versions tr[data-version="${EDITED} v${version}"] td`)
      .map((_, td) => $(td).text().trim())
      .get();
  expect(cells(1).slice(0, 3)).toEqual(['v1 (superseded)', 'O2', String(firstShown)]);
  expect(cells(2).slice(0, 3)).toEqual(['v2 (published)', 'O2', '1']);
  expect(cells(2)[4]).toBe('—');
});
