// The transcript (My CE) and its CSV: every completion of a learner, newest first, with totals per credit type.
import * as cheerio from 'cheerio';
import { formatCertificateCode } from '../../server/certificates/snapshot';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, visitor } from '../support/client';
import { addActivity } from '../support/content';
import { factories, type Factories } from '../support/factories';
import { APP_URL, certificateMaker, type CertificateMaker } from './issued';

/** A second activity, so that a transcript has two completions (the content has only one). */
const SECOND_ACTIVITY = 'second-test-activity';

let t: TestApp;
let make: Factories;
let issueCertificate: CertificateMaker['issue'];
let learner: CertificateMaker['learner'];
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  ({ issue: issueCertificate, learner } = certificateMaker(make));
  await make.syncContent((dir) =>
    addActivity(dir, { slug: SECOND_ACTIVITY, title: 'A Second Test Activity', maximumCredits: 1 }),
  );
});
afterAll(() => t?.close());

describe('the transcript (My CE)', () => {
  it('when a learner has completions, then My CE lists them newest first with totals per credit type', async () => {
    const user = await learner('Casey Transcript');
    const first = await issueCertificate(user, { at: new Date('2027-03-02T10:00:00Z') });
    const second = await issueCertificate(user, {
      activity: SECOND_ACTIVITY,
      at: new Date('2027-05-22T10:00:00Z'),
      amount: 1,
    });
    const other = await issueCertificate(await learner('Someone Else'));
    const agent = await signIn(t.app, user.email);
    const res = await agent.get('/my-ce').expect(200);
    const $ = cheerio.load(res.text);
    expect($('#completions caption').text()).toMatch(/Completed activities/);
    expect($('#completions thead th[scope=col]')).toHaveLength(7);
    const rows = $('#completions tbody tr')
      .toArray()
      .map((row) =>
        $(row)
          .find('td')
          .toArray()
          .map((cell) => $(cell).text().replace(/\s+/g, ' ').trim()),
      );
    expect(rows).toEqual([
      [
        'May 22, 2027',
        'A Second Test Activity',
        'AMA PRA Category 1 Credit™',
        '1.0',
        '83.33%',
        'Download PDF certificate for A Second Test Activity',
        `${formatCertificateCode(second.code)} (verification page)`,
      ],
      [
        'March 2, 2027',
        'Renal Leiomyosarcoma',
        'AMA PRA Category 1 Credit™',
        '0.5',
        '83.33%',
        'Download PDF certificate for Renal Leiomyosarcoma',
        `${formatCertificateCode(first.code)} (verification page)`,
      ],
    ]);
    expect($(`a[href="/certificates/${first.code}.pdf"]`)).toHaveLength(1);
    expect($(`a[href="/verify/${second.code}"]`)).toHaveLength(1);
    expect(res.text).not.toContain(other.code);
    const totals = $('#totals tbody tr')
      .toArray()
      .map((row) =>
        $(row)
          .find('td')
          .toArray()
          .map((cell) => $(cell).text()),
      );
    expect(totals).toEqual([['AMA PRA Category 1 Credit™', '1.5']]);
    expect($('a[href="/my-ce.csv"]')).toHaveLength(1);
    expect($('nav a[href="/my-ce"]').text()).toBe('My CE');
  });

  it('when the transcript is downloaded as CSV, then it has a header and one row per completion, with formulas neutralised', async () => {
    const user = await learner('=HYPERLINK("x")');
    const { code } = await issueCertificate(user);
    const agent = await signIn(t.app, user.email);
    const res = await agent.get('/my-ce.csv').expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?my-ce-\d{4}-\d{2}-\d{2}\.csv"?$/,
    );
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toEqual([
      'Completed on,Learner,Activity,Credit type,Amount,Score (%),Certificate code,Verification URL,Status',
      `2027-05-22,"'=HYPERLINK(""x"")",Renal Leiomyosarcoma,AMA PRA Category 1 Credit™,0.5,83.33,${formatCertificateCode(code)},${APP_URL}/verify/${code},valid`,
    ]);
  });

  it('when a visitor asks for My CE, then sign-in is asked', async () => {
    expect((await visitor(t.app).get('/my-ce').expect(302)).headers.location).toBe('/login?next=%2Fmy-ce');
    expect((await visitor(t.app).get('/my-ce.csv').expect(302)).headers.location).toBe(
      '/login?next=%2Fmy-ce.csv',
    );
  });
});
