// Item analysis as an educator reads it: the figures of every item version over a simulated cohort whose answers
// the test chose (and so can compute from independently), the flags, the per-objective means, the charts with
// their numbers, and who may see the page.
import * as cheerio from 'cheerio';
import type { ActivityView } from '../../server/catalogue/view-model';
import type { ItemAnalysisReport } from '../../server/items/analysis';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, visitor, type Agent } from '../support/client';
import { factories, firstActivity, type Factories } from '../support/factories';
import {
  answeredAttempt,
  expectedFigures,
  seeded,
  type DrawnQuestion,
  type ExpectedVersion,
  type GivenAnswer,
} from './analysis-data';

const page = `/items/${firstActivity}/analysis`;
const COHORT = 40;
// Items with a fixed behaviour, so that each flag certainly appears; the others follow an ability model.
const EASY = 'o1-female-predominance'; // always right
const HARD = 'o2-biopsy-safety-and-accuracy'; // always wrong
const REVERSED = 'o3-leiomyoma-adequate-sampling'; // right only for the weaker half of the cohort
const ONE_DISTRACTOR = 'o4-adjuvant-therapy-margin-status'; // wrong answers always pick option A

let t: TestApp;
let make: Factories;
let activity: ActivityView;
let educator: Agent;
let emptyPage: string;
let emptyReport: ItemAnalysisReport;
let cohort: GivenAnswer[][];
let expected: Map<number, ExpectedVersion>;
let report: ItemAnalysisReport;

/** A learner of ability `theta`: right with the logistic probability of the 1-parameter model, or as fixed above. */
function answerer(theta: number, random: () => number, wrongCount: Map<string, number>) {
  return (q: DrawnQuestion): string[] => {
    const difficulty = ((q.key.length * 7) % 31) / 10 - 1.5;
    const right =
      q.key === EASY
        ? true
        : q.key === HARD
          ? false
          : q.key === REVERSED
            ? theta < 0
            : random() < 1 / (1 + Math.exp(-1.7 * (theta - difficulty)));
    if (right) return q.correct;
    const distractors = q.optionIds.filter((id) => !q.correct.includes(id));
    const turn = wrongCount.get(q.key) ?? 0;
    wrongCount.set(q.key, turn + 1);
    if (q.key === ONE_DISTRACTOR) return ['A'];
    const distractor = distractors[turn % distractors.length]!;
    // A multiple-response item is also got wrong by picking one right option and one wrong one.
    return q.correct.length > 1 && turn % 2 === 1 ? [q.correct[0]!, distractor] : [distractor];
  };
}

beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  activity = (await t.catalogue.find(firstActivity))!;
  const staff = await make.user({ role: 'educator' });
  educator = await signIn(t.app, staff.email);
  emptyReport = await t.services.itemAnalysis.analyse(activity);
  emptyPage = (await educator.get(page).expect(200)).text;

  const random = seeded(20261127);
  const wrongCount = new Map<string, number>();
  cohort = [];
  for (let i = 0; i < COHORT; i++) {
    const theta = -2 + (4 * i) / (COHORT - 1);
    cohort.push(await answeredAttempt(t, make, answerer(theta, random, wrongCount)));
  }
  expected = expectedFigures(cohort);
  report = await t.services.itemAnalysis.analyse(activity);
}, 180_000);
afterAll(() => t.close());

const versionOf = (key: string) => report.versions.find((v) => v.key === key && v.shown > 0)!;

describe('the figures', () => {
  it('when every version is compared with the figures computed independently from the answers given, then n, difficulty, discrimination and option counts agree (1e-9)', () => {
    const shown = report.versions.filter((v) => v.shown > 0);
    expect(shown.map((v) => v.versionId).sort()).toEqual([...expected.keys()].sort());
    expect(report.scoredAttempts).toBe(COHORT);
    expect(report.responses).toBe(COHORT * 12);
    for (const version of shown) {
      const want = expected.get(version.versionId)!;
      expect({ key: version.key, shown: version.shown, correct: version.correct }).toEqual({
        key: version.key,
        shown: want.shown,
        correct: want.correct,
      });
      expect(Math.abs(version.difficulty! - want.difficulty)).toBeLessThan(1e-9);
      if (want.discrimination === null) expect(version.discrimination).toBeNull();
      else expect(Math.abs(version.discrimination! - want.discrimination)).toBeLessThan(1e-9);
      expect(Object.fromEntries(version.options.map((o) => [o.id, o.count]))).toEqual(want.chosen);
      expect(version.flags.map((f) => f.kind).sort()).toEqual([...want.flags].sort());
    }
    // The data set is not degenerate: most discriminations exist, and they are not all alike.
    const rs = shown.flatMap((v) => (v.discrimination === null ? [] : [v.discrimination]));
    expect(rs.length).toBeGreaterThan(shown.length / 2);
    expect(Math.max(...rs) - Math.min(...rs)).toBeGreaterThan(0.5);
  });

  it('when nobody has been shown a published item yet, then it still has a row, with n = 0 and no figures', () => {
    expect(emptyReport.scoredAttempts).toBe(0);
    expect(emptyReport.versions).toHaveLength(24);
    for (const version of emptyReport.versions) {
      expect(version.versionState).toBe('published');
      expect([version.shown, version.difficulty, version.discrimination, version.flags]).toEqual([
        0,
        null,
        null,
        [],
      ]);
      expect(version.options.every((o) => o.count === 0)).toBe(true);
    }
    expect(emptyReport.objectives.map((o) => o.meanScore)).toEqual([null, null, null, null]);
  });

  it('when an item is always right, always wrong, favours the weaker learners or has distractors nobody picks, then it is flagged so', () => {
    const easy = versionOf(EASY);
    expect(easy.difficulty).toBe(1);
    expect(easy.discrimination).toBeNull(); // no variance in the item score
    expect(easy.flags.map((f) => f.kind)).toContain('too-easy');
    expect(versionOf(HARD).difficulty).toBe(0);
    expect(versionOf(HARD).flags.map((f) => f.kind)).toContain('too-hard');
    expect(versionOf(REVERSED).discrimination).toBeLessThan(-0.3);
    expect(versionOf(REVERSED).flags.map((f) => f.kind)).toContain('negative-discrimination');
    const never = versionOf(ONE_DISTRACTOR).flags.filter((f) => f.kind === 'option-never-chosen');
    expect(never.map((f) => f.message)).toEqual(['Options B, C never chosen']);
  });

  it('when objectives are compared, then each mean score is its questions answered right ÷ its questions shown', () => {
    for (const objective of activity.objectives) {
      const answers = cohort.flat().filter((a) => a.objectiveCode === objective.code);
      const got = report.objectives.find((o) => o.code === objective.code)!;
      expect(got.shown).toBe(answers.length);
      expect(answers.length).toBe(COHORT * 3);
      expect(Math.abs(got.meanScore! - answers.filter((a) => a.right).length / answers.length)).toBeLessThan(
        1e-12,
      );
    }
  });
});

describe('the page', () => {
  const load = async () => cheerio.load((await educator.get(page).expect(200)).text);
  const dash = '—';
  const figure = (value: number | null) =>
    value === null
      ? dash
      : value
          .toFixed(2)
          .replace(/^-/, '−')
          .replace(/^−0\.00$/, '0.00');

  it('when an educator opens it, then each item version has a row with its figures, flags, option counts and a link to the item', async () => {
    const $ = await load();
    expect($('h1').text()).toBe('Item analysis');
    expect($('#analysis-summary').text()).toContain(`${COHORT} scored attempts, ${COHORT * 12} responses`);
    const rows = $('#item-versions tbody tr');
    expect(rows).toHaveLength(report.versions.length);
    for (const version of report.versions.filter((v) => v.shown > 0)) {
      const row = $(`#item-versions tr[data-version="${version.key} v${version.version}"]`);
      const cells = row
        .find('td')
        .map((_, td) => $(td).text().trim())
        .get();
      const want = expected.get(version.versionId)!;
      expect(row.find('th a').attr('href')).toBe(`/items/${firstActivity}/${version.itemId}`);
      expect(cells.slice(1, 5)).toEqual([
        version.objectiveCode,
        String(want.shown),
        want.difficulty.toFixed(2),
        figure(want.discrimination),
      ]);
      for (const [id, count] of Object.entries(want.chosen))
        expect(row.find(`[data-option="${id}"]`).text()).toMatch(new RegExp(`^${id} ${count} \\(`));
      expect(
        row
          .find('[data-flag]')
          .map((_, li) => $(li).attr('data-flag'))
          .get()
          .sort(),
      ).toEqual([...want.flags].sort());
    }
    expect($(`#item-versions tr[data-version="${EASY} v1"] td`).eq(4).text()).toBe(dash);
    expect($(`#item-versions tr[data-version="${HARD} v1"] [data-flag="too-hard"]`).text()).toBe(
      'Too hard (less than 0.25 correct)',
    );
  });

  it('when an educator opens it, then the per-objective means are in a table', async () => {
    const $ = await load();
    const rows = $('#objective-means tbody tr');
    expect(rows).toHaveLength(activity.objectives.length);
    const first = report.objectives[0]!;
    expect(rows.first().find('th').text()).toContain(`${first.code}: `);
    expect(rows.first().find('td').last().text()).toBe(`${(first.meanScore! * 100).toFixed(1)} %`);
  });

  it('when an educator opens it, then both charts are server-drawn SVG images with their numbers in a table beside them', async () => {
    const $ = await load();
    const images = $('figure.chart img');
    expect(images).toHaveLength(2);
    for (const img of images.toArray()) {
      expect($(img).attr('src')).toMatch(/^data:image\/svg\+xml;base64,/);
      const svg = Buffer.from($(img).attr('src')!.split(',')[1]!, 'base64').toString('utf8');
      expect(svg).toMatch(/^<svg[\s>]/);
      expect(svg).not.toMatch(/<script/i);
    }
    const [bars, scatter] = images.toArray().map((img) => $(img).attr('alt')!);
    expect(bars).toMatch(/^Bar chart, Option choices per item version\./);
    expect(scatter).toMatch(/^Scatter chart, Difficulty against discrimination/);
    // The scatter plots versions with a discrimination only; the table beside it lists every shown version.
    expect(scatter).not.toContain(`${EASY.slice(0, 10)}`);
    const shown = report.versions.filter((v) => v.shown > 0);
    expect($('#option-choices tbody tr')).toHaveLength(shown.length);
    expect($('#difficulty-discrimination tbody tr')).toHaveLength(shown.length);
    const never = $(`#option-choices tr`).filter(
      (_, tr) => $(tr).find('th').text() === `${ONE_DISTRACTOR} v1`,
    );
    expect(
      never
        .find('td')
        .map((_, td) => $(td).text().trim())
        .get()
        .slice(1, 5),
    ).toEqual([
      String(expected.get(versionOf(ONE_DISTRACTOR).versionId)!.chosen.A),
      '0',
      '0',
      expect.stringMatching(/^\d+ ✓\(correct\)$/) as unknown as string,
    ]);
  });

  it('when no attempt has been scored, then the page says so and draws no chart', () => {
    const $ = cheerio.load(emptyPage);
    expect($('[role=status]').text()).toContain('No post-test has been scored yet');
    expect($('figure.chart')).toHaveLength(0);
    expect($('#item-versions tbody tr')).toHaveLength(24);
    expect($('#item-versions tbody td.number').first().text()).toBe('0');
  });
});

describe('access', () => {
  it('when a learner asks for the page, then 403; a visitor is sent to sign in; an admin may read it', async () => {
    const learner = await make.user();
    await (await signIn(t.app, learner.email)).get(page).expect(403);
    const anonymous = await visitor(t.app).get(page);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe(`/login?next=${encodeURIComponent(page)}`);
    const admin = await make.user({ role: 'admin' });
    await (await signIn(t.app, admin.email)).get(page).expect(200);
  });

  it('when the activity does not exist or the slug is malformed, then 404', async () => {
    await educator.get('/items/no-such-activity/analysis').expect(404);
    await educator.get('/items/Bad_Slug/analysis').expect(404);
  });
});
