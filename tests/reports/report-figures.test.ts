// The activity report's figures on a constructed history: eight learners stopping at every step of the path to
// credit, an educator who completes it all (and must not be counted), claims in chosen ISO weeks. The expected
// figures are worked out here from the plan, and the mean score per objective from the stored answers read
// through Prisma, never from the report's own SQL.
import type * as cheerio from 'cheerio';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories, firstActivity, type Factories } from '../support/factories';
import { creditSteps, evaluationInput, readReport, tableRows } from './report-data';

const now = new Date('2026-11-27T12:00:00Z'); // a Friday of ISO week 2026-W48
const day = (iso: string) => new Date(`${iso}T10:00:00Z`);

let t: TestApp;
let make: Factories;
let adminAgent: Agent;
let $: cheerio.CheerioAPI;

// What each learner answers; L1–L3 claim credit, L4 stops after the evaluation.
const evaluations = [
  evaluationInput([5, 4, 5, 3], {
    relevance: 5,
    freeOfBias: true,
    biasComment: null,
    intendedChange: 'Order a core biopsy first',
    overallQuality: 5,
  }),
  evaluationInput([4, 4, 2, 3], {
    relevance: 3,
    freeOfBias: false,
    biasComment: 'Drug names in section 7',
    intendedChange: 'Refer to a sarcoma centre',
    overallQuality: 4,
  }),
  evaluationInput([5, 2, 2, 1], {
    relevance: 4,
    freeOfBias: true,
    biasComment: null,
    intendedChange: 'No change: already my practice',
    overallQuality: 2,
  }),
  evaluationInput([3, 4, 5, 3], {
    relevance: 4,
    freeOfBias: false,
    biasComment: 'Device brand shown',
    intendedChange: 'Discuss imaging with radiology',
    overallQuality: 4,
  }),
];

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  make = factories(t);
  const steps = creditSteps(t);
  const admin = await make.user({ role: 'admin' });
  adminAgent = await signIn(t.app, admin.email);
  const learner = () => make.user();
  const [l1, l2, l3, l4, l5, l6, l7] = [
    await learner(),
    await learner(),
    await learner(),
    await learner(),
    await learner(),
    await learner(),
    await learner(),
  ] as [User, User, User, User, User, User, User];
  await learner(); // L8 registers and does nothing else

  // L1: passes at once, evaluates, claims on Tuesday 2026-11-03 (W45).
  await make.scoredAttempt(l1, { at: day('2026-11-03') });
  await steps.evaluate(l1, evaluations[0]!, day('2026-11-03'));
  await steps.claim(l1, day('2026-11-03'));
  // L2: fails with 6 of 12, passes with 11 of 12, claims on 2026-11-04 (W45).
  await make.scoredAttempt(l2, { wrong: 6, at: day('2026-11-04') });
  await make.scoredAttempt(l2, { wrong: 1, at: day('2026-11-04') });
  await steps.evaluate(l2, evaluations[1]!, day('2026-11-04'));
  await steps.claim(l2, day('2026-11-04'));
  // L3: passes with 10 of 12, claims on 2026-11-18 (W47).
  await make.scoredAttempt(l3, { wrong: 2, at: day('2026-11-18') });
  await steps.evaluate(l3, evaluations[2]!, day('2026-11-18'));
  await steps.claim(l3, day('2026-11-18'));
  // L4 passes (11 of 12) and evaluates; L5 passes (12 of 12); L6 fails (8 of 12); L7 opens three lessons.
  await make.scoredAttempt(l4, { wrong: 1 });
  await steps.evaluate(l4, evaluations[3]!);
  await make.scoredAttempt(l5);
  await make.scoredAttempt(l6, { wrong: 4 });
  const activity = (await t.catalogue.find(firstActivity))!;
  for (const lesson of activity.lessons.slice(0, 3))
    await t.services.progress.recordView(l7.id, activity.id, lesson.id);

  // An educator trying the activity out completes it in W46: staff are not the activity's audience.
  const educator = await make.user({ role: 'educator' });
  await make.completion(educator, { at: day('2026-11-10') });

  $ = await readReport(adminAgent);
});
afterAll(() => t.close());

describe('the activity report’s figures', () => {
  it('when claims fall in ISO weeks 45 and 47, then every week up to the current one is listed, quiet ones as 0', () => {
    const weeks = $('#weeks-table tbody tr')
      .toArray()
      .map((tr) =>
        $(tr)
          .children()
          .toArray()
          .map((cell) => $(cell).text().trim()),
      );
    expect(weeks).toEqual([
      ['2026-W45', '2026-11-02', '2'],
      ['2026-W46', '2026-11-09', '0'],
      ['2026-W47', '2026-11-16', '1'],
      ['2026-W48', '2026-11-23', '0'],
    ]);
    expect($('#completions-total').text()).toBe('3 completion records in all.');
    const chart = $('#completions').nextAll('figure.chart').find('img');
    expect(chart.attr('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(chart.attr('alt')).toContain('2026-W45 2, 2026-W46 0, 2026-W47 1, 2026-W48 0');
  });

  it('when learners stop at each step, then the funnel counts the learners who reached it, and its shares', () => {
    expect(tableRows($, 'funnel-table', 'step')).toEqual({
      registered: ['Registered', 'learner accounts on the platform', '8', '100.0%', '—'],
      started: ['Started', 'opened a first lesson', '7', '87.5%', '87.5%'],
      read_all: ['Read all lessons', 'opened every lesson', '6', '75.0%', '85.7%'],
      passed: ['Passed', 'passed the post-test', '5', '62.5%', '83.3%'],
      evaluated: ['Evaluated', 'submitted the evaluation', '4', '50.0%', '80.0%'],
      claimed: ['Claimed credit', 'claimed credit (a completion record)', '3', '37.5%', '75.0%'],
    });
    expect($('#funnel-definition').text()).toContain('Registered = learner accounts on the platform');
  });

  it('when seven attempts were scored and five passed, then both pass rates and the mean attempts to pass follow', () => {
    // Attempts: L1 pass, L2 fail + pass, L3 pass, L4 pass, L5 pass, L6 fail; L2 passed at its second attempt.
    expect(tableRows($, 'pass-table', 'rate')).toEqual({
      attempts: ['Scored attempts', '5', '7', `${((5 / 7) * 100).toFixed(1)}%`],
      learners: ['Learners who attempted', '5', '6', `${((5 / 6) * 100).toFixed(1)}%`],
    });
    expect($('#attempts-to-pass').text()).toContain(`Mean attempts to pass: ${(1 + 2 + 1 + 1 + 1) / 5}`);
  });

  it('when answers were scored, then the mean score per objective is the share of its answers that were correct', async () => {
    const answers = await t.db.prisma.attemptResponse.findMany({
      where: { attempt: { status: 'scored', user: { role: 'learner' } } },
      select: { correct: true, itemVersion: { select: { item: { select: { objective: true } } } } },
    });
    // The plan: seven attempts of 12 questions, 0 + 6 + 1 + 2 + 1 + 0 + 4 answered wrongly.
    expect(answers).toHaveLength(7 * 12);
    expect(answers.filter((a) => a.correct)).toHaveLength(7 * 12 - 14);
    const expected = Object.fromEntries(
      ['O1', 'O2', 'O3', 'O4'].map((code) => {
        const own = answers.filter((a) => a.itemVersion.item.objective.code === code);
        const correct = own.filter((a) => a.correct).length;
        return [code, [String(own.length), String(correct), `${((correct / own.length) * 100).toFixed(1)}%`]];
      }),
    );
    const rows = tableRows($, 'objectives-table', 'objective');
    expect(Object.fromEntries(Object.entries(rows).map(([code, cells]) => [code, cells.slice(1)]))).toEqual(
      expected,
    );
    expect(rows.O2![0]).toMatch(/^O2: Review the importance of image-guided/);
  });

  it('when four learners evaluated, then each rated question shows how often each rating was given, and its mean', () => {
    const question = (pick: (e: (typeof evaluations)[number]) => number) => {
      const given = evaluations.map(pick);
      const counts = [1, 2, 3, 4, 5].map((r) => given.filter((g) => g === r).length);
      const mean = given.reduce((a, b) => a + b, 0) / given.length;
      return [
        ...counts.map((n) => `${n} (${((n / given.length) * 100).toFixed(1)}%)`),
        String(given.length),
        String(Number(mean.toFixed(2))),
      ];
    };
    const rows = tableRows($, 'ratings-table', 'question');
    const cellsOf = (key: string) => rows[key]!.slice(1);
    for (const code of ['O1', 'O2', 'O3', 'O4'])
      expect(cellsOf(`objective:${code}`)).toEqual(question((e) => e.objectiveRatings[code]!));
    expect(cellsOf('relevance')).toEqual(question((e) => e.relevance));
    expect(cellsOf('overall_quality')).toEqual(question((e) => e.overallQuality));
    expect(Object.keys(rows)).toEqual([
      'objective:O1',
      'objective:O2',
      'objective:O3',
      'objective:O4',
      'relevance',
      'overall_quality',
    ]);
    expect(tableRows($, 'bias-table', 'answer')).toEqual({
      yes: ['Yes', '2', '50.0%'],
      no: ['No', '2', '50.0%'],
    });
    expect($('#evaluation-count').text()).toMatch(/^4 evaluations submitted/);
  });

  it('when the report is drawn, then every chart is an SVG image whose alt text carries its numbers', () => {
    const charts = $('figure.chart img').toArray();
    expect(charts).toHaveLength(6);
    for (const img of charts) {
      expect($(img).attr('src')).toMatch(/^data:image\/svg\+xml;base64,/);
      expect($(img).attr('alt')).toMatch(/chart, .+\d/);
    }
    const funnelAlt = $('#funnel').parent().find('figure.chart img').attr('alt');
    expect(funnelAlt).toContain(
      'Registered 8, Started 7, Read all lessons 6, Passed 5, Evaluated 4, Claimed credit 3',
    );
  });

  it('when the free-text answers are listed, then the four learners’ answers appear newest first, without names', () => {
    const texts = $('#answers-table tbody tr')
      .toArray()
      .map((tr) => $(tr).children('td').first().text());
    expect(texts).toEqual([...evaluations].reverse().map((e) => e.intendedChange));
    expect($('#answers-table').text()).not.toContain('Test learner');
  });
});
