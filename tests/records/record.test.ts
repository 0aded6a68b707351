// One completion record as an admin reads it: the learner as claimed (identifiers, consent), the reading (lessons
// opened, time spent), each attempt with its score per objective, the evaluation and the claim; text is shown as
// text, whatever it holds.
import * as cheerio from 'cheerio';
import { createProgressService } from '../../server/progress/service';
import { factsOf, readList, readRecord, startRecordsApp, type RecordsApp } from './records-pages';

let app: RecordsApp;
const FIRST_TRY = new Date('2027-04-02T09:00:00Z');
const COMPLETED = new Date('2027-04-03T10:00:00Z');
let claimId: number;
let attemptCorrect: number[];

beforeAll(async () => {
  app = await startRecordsApp();
  const { make, t } = app;
  const learner = await make.user({
    fullName: 'Priya <b>Pharmacist</b>',
    profession: 'pharmacist',
    degree: 'PharmD',
    nabpEProfileId: '1234567',
    birthMonth: '4',
    birthDay: '12',
    consentToShare: 'on',
  });
  // A first attempt failed (6 of 12), then an hour of reading time on lesson 1, metered by heartbeats…
  await make.scoredAttempt(learner, { at: FIRST_TRY, wrong: 6 });
  const activity = (await t.catalogue.find('renal-leiomyosarcoma'))!;
  const lesson = activity.lessons[0]!;
  for (const seconds of [30, 60, 90]) {
    const progress = createProgressService({
      prisma: t.db.prisma,
      pool: t.pool,
      now: () => new Date(FIRST_TRY.getTime() + seconds * 1000),
    });
    expect(await progress.heartbeat(learner.id, activity.id, lesson.id)).toBe(30);
  }
  // …then the retake, passed with one wrong answer, the evaluation and the claim.
  const { claim } = await make.completion(learner, { at: COMPLETED, wrong: 1 });
  claimId = claim.id;
  const attempts = await t.db.prisma.attempt.findMany({
    where: { userId: learner.id },
    orderBy: { number: 'asc' },
  });
  attemptCorrect = attempts.map((attempt) => attempt.correctCount!);
}, 120_000);
afterAll(() => app?.t.close());

const rowsOf = ($: cheerio.CheerioAPI, table: string) =>
  $(`${table} tbody tr`)
    .toArray()
    .map((tr) =>
      $(tr)
        .find('th, td')
        .toArray()
        .map((cell) => $(cell).text().replace(/\s+/g, ' ').trim()),
    );

describe('the record page', () => {
  it('when an admin opens a record, then the learner is shown as claimed, with identifiers and consent', async () => {
    const { $ } = await readRecord(app.adminAgent, claimId);
    expect($('h1').text().replace(/\s+/g, ' ')).toBe('Priya <b>Pharmacist</b> · Renal Leiomyosarcoma');
    expect($('h1 b')).toHaveLength(0);
    expect(factsOf($, '#learner-facts')).toEqual({
      Name: 'Priya <b>Pharmacist</b>',
      Email: expect.stringMatching(/@example\.org$/) as unknown,
      Profession: 'Pharmacist',
      Credentials: 'PharmD',
      'NABP e-Profile ID': '1234567',
      'Birth month/day': '04/12',
      'Consent to share with boards': 'Given at the claim; given now',
    });
    expect(factsOf($, '#claim-facts')).toEqual({
      'Credit type': 'ACPE contact hours',
      Amount: '0.5 of 0.5',
      'Completed on': 'April 3, 2027',
      Attested: 'Apr 3, 2027, 10:00 AM UTC',
    });
  });

  it('when the reading is shown, then every lesson is listed with when it was opened and the time metered on it', async () => {
    const { $ } = await readRecord(app.adminAgent, claimId);
    expect($('#reading-summary').text()).toBe('13 of 13 lessons opened; 1 min 30 s of reading time.');
    const lessons = rowsOf($, '#lessons');
    expect(lessons).toHaveLength(13);
    expect(lessons[0]).toEqual([
      '1. Introduction',
      'Apr 2, 2027, 09:00 AM UTC',
      'Apr 3, 2027, 10:00 AM UTC',
      '1 min 30 s',
    ]);
    expect(lessons.slice(1).every((row) => row[3] === '0 s')).toBe(true);
  });

  it('when the attempts are shown, then each has its score and result, the credited one is marked, and each objective is scored per attempt', async () => {
    const { $ } = await readRecord(app.adminAgent, claimId);
    expect(attemptCorrect).toEqual([6, 11]);
    expect(rowsOf($, '#attempts')).toEqual([
      [
        '1',
        'Apr 2, 2027, 09:00 AM UTC',
        'Apr 2, 2027, 09:00 AM UTC',
        '6/12',
        '50%',
        'Not passed (pass mark 75%)',
      ],
      [
        '2 credited',
        'Apr 3, 2027, 10:00 AM UTC',
        'Apr 3, 2027, 10:00 AM UTC',
        '11/12',
        '91.67%',
        'Passed (pass mark 75%)',
      ],
    ]);
    const objectives = rowsOf($, '#objective-scores');
    expect(objectives.map((row) => row[0]!.slice(0, 3))).toEqual(['O1.', 'O2.', 'O3.', 'O4.']);
    // Three questions per objective; per attempt, the objectives' correct answers add up to the attempt's.
    for (const [column, correct] of attemptCorrect.entries()) {
      const cells = objectives.map((row) => /^(\d)\/3 \(\d+(?:\.\d+)?%\)$/.exec(row[column + 1]!));
      expect(cells.every(Boolean)).toBe(true);
      expect(cells.reduce((sum, match) => sum + Number(match![1]), 0)).toBe(correct);
    }
  });

  it('when the evaluation is shown, then each answer is there, under its question', async () => {
    const { $ } = await readRecord(app.adminAgent, claimId);
    const answers = Object.fromEntries(
      $('#evaluation dt')
        .toArray()
        .map((dt) => [$(dt).text().trim(), $(dt).next('dd').text().trim()]),
    );
    expect(answers).toMatchObject({
      'How well the activity met: Describe the clinical characteristics of renal leiomyosarcoma.': '5 of 5',
      'Relevance to practice': '4 of 5',
      'Free of commercial bias': 'Yes',
      'What the learner will change in practice':
        'Refer solid renal masses with atypical features for image-guided core biopsy.',
      'Overall quality': '5 of 5',
    });
    expect(Object.keys(answers).filter((question) => question.startsWith('How well'))).toHaveLength(4);
  });

  it('when the list shows the record, then its markup-like name is text there too, and it counts two attempts', async () => {
    const { rows, $ } = await readList(app.adminAgent, '/admin/records?learner=priya');
    expect(rows.map((row) => [row.learner, row.attempts, row.score])).toEqual([
      ['Priya <b>Pharmacist</b>', '2', '91.67%'],
    ]);
    expect($('#records b')).toHaveLength(0);
  });
});
