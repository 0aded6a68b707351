// The admins' CSV of completion records: its columns and cells exactly, the records page's filters, the optional
// byte-order mark, formula neutralising, synthetic rows only when asked, the CSV of a whole activity, and the audit
// entry each download leaves.
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { signIn, type Agent, type ErrorBody } from '../support/client';
import { addActivity } from '../support/content';
import { factories, firstActivity, type Factories } from '../support/factories';
import { download, parseDelimited } from './files';
import { addSyntheticCopies, exportAudits, lastExportAudit } from './records';

const NOW = new Date('2027-03-01T12:00:00Z');
const SECOND = 'second-export-activity';

let t: TestApp;
let make: Factories;
let admin: User;
let adminAgent: Agent;

beforeAll(async () => {
  t = await createTestApp({ throttle: relaxedThrottle, now: () => NOW });
  make = factories(t);
  await make.syncContent((dir) =>
    addActivity(dir, { slug: SECOND, title: 'Second Export Activity', maximumCredits: 1 }),
  );
  admin = await make.user({ role: 'admin', fullName: 'Ada Admin' });
  adminAgent = await signIn(t.app, admin.email);
}, 120_000);
afterAll(() => t?.close());

const HEADER = [
  'Claim ID',
  'Completed on',
  'Learner',
  'Email',
  'Profession',
  'Degree',
  'Activity',
  'Activity slug',
  'Credit type',
  'Credit code',
  'Amount',
  'Score (%)',
  'Attempts',
  'Certificate code',
  'Certificate',
  'Consent to share',
];

async function csv(url: string) {
  const file = await download(adminAgent, url);
  expect(file.status).toBe(200);
  return { ...file, rows: parseDelimited(file.text, ',') };
}

describe('the completion records CSV', () => {
  let grace: User;
  let florence: User;
  let graceClaim: { id: number; code: string };
  let florenceClaim: { id: number; code: string };

  beforeAll(async () => {
    grace = await make.user({ fullName: 'Grace Hopper', degree: 'MD', profession: 'physician' });
    florence = await make.user({
      fullName: 'Florence Nightingale',
      degree: 'RN',
      profession: 'nurse',
      consentToShare: 'on',
    });
    const g = await make.completion(grace, { at: new Date('2027-01-10T09:00:00Z') });
    graceClaim = { id: g.claim.id, code: g.code };
    // Three wrong answers of twelve: 75 %, the passing score.
    const f = await make.completion(florence, {
      at: new Date('2027-02-15T23:30:00Z'),
      wrong: 3,
      amount: 0.25,
    });
    florenceClaim = { id: f.claim.id, code: f.code };
  }, 60_000);

  it('when an admin downloads it, then the header and every cell are the records, newest first', async () => {
    const file = await csv('/admin/exports/records.csv');
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toBe(
      'attachment; filename=completion-records-2027-03-01.csv',
    );
    expect(file.headers['cache-control']).toBe('private, no-store');
    expect(file.bom).toBe(false);
    expect(file.rows).toEqual([
      HEADER,
      [
        String(florenceClaim.id),
        '2027-02-15',
        'Florence Nightingale',
        florence.email,
        'nurse',
        'RN',
        'Renal Leiomyosarcoma',
        firstActivity,
        'ANCC contact hours',
        'ANCC',
        '0.25',
        '75',
        '1',
        florenceClaim.code,
        'valid',
        'yes',
      ],
      [
        String(graceClaim.id),
        '2027-01-10',
        'Grace Hopper',
        grace.email,
        'physician',
        'MD',
        'Renal Leiomyosarcoma',
        firstActivity,
        'AMA PRA Category 1 Credit™',
        'AMA_PRA_1',
        '0.5',
        '100',
        '1',
        graceClaim.code,
        'valid',
        'no',
      ],
    ]);
    const audit = await lastExportAudit(t);
    expect(audit).toMatchObject({
      actorId: admin.id,
      action: 'export.records.csv',
      targetType: 'export',
      details: { filters: {}, bom: false, synthetic: false, rows: 2, completed: true },
    });
  });

  it('when the admin asks for Excel, then the file starts with a UTF-8 byte-order mark and is otherwise the same', async () => {
    const plain = await csv('/admin/exports/records.csv');
    const excel = await csv('/admin/exports/records.csv?bom=1');
    expect(excel.bom).toBe(true);
    expect(excel.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(excel.text).toBe(plain.text);
    expect((await lastExportAudit(t)).details).toMatchObject({ bom: true, rows: 2 });
  });

  it('when filters are given, then only the records they select are exported, and the audit entry names them', async () => {
    const ids = async (query: string) =>
      (await csv(`/admin/exports/records.csv?${query}`)).rows.slice(1).map((r) => r[0]);
    expect(await ids('profession=nurse')).toEqual([String(florenceClaim.id)]);
    expect(await ids('creditType=AMA_PRA_1')).toEqual([String(graceClaim.id)]);
    expect(await ids('from=2027-01-10&to=2027-01-10')).toEqual([String(graceClaim.id)]);
    expect(await ids('from=2027-02-15')).toEqual([String(florenceClaim.id)]);
    expect(await ids('learner=NIGHTINGALE')).toEqual([String(florenceClaim.id)]);
    expect(await ids(`learner=${encodeURIComponent(grace.email.toUpperCase())}`)).toEqual([
      String(graceClaim.id),
    ]);
    expect(await ids('consent=yes')).toEqual([String(florenceClaim.id)]);
    expect(await ids('consent=no')).toEqual([String(graceClaim.id)]);
    expect(await ids('certificate=revoked')).toEqual([]);
    expect(await ids(`activity=${SECOND}`)).toEqual([]);
    expect((await lastExportAudit(t)).details).toEqual({
      filters: { activity: SECOND },
      bom: false,
      synthetic: false,
      rows: 0,
      completed: true,
    });
  });

  it('when a filter is not valid, then the answer is 400 saying what is wrong, and nothing is exported', async () => {
    const before = await exportAudits(t);
    const res = await adminAgent
      .get('/admin/exports/records.csv?from=2027-13-40')
      .set('Accept', 'application/json');
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.message).toMatch(/from/);
    await adminAgent.get('/admin/exports/records.csv?to=2027-01-01&from=2027-02-01').expect(400);
    await adminAgent.get('/admin/exports/records.csv?bom=yes').expect(400);
    expect(await exportAudits(t)).toEqual(before);
  });
});

describe('formula neutralising', () => {
  it('when learners typed cells a spreadsheet would run, then each starts with a single quote in the CSV', async () => {
    const names = ["=cmd|' /C calc'!A0", '+1 Plus', '-1 Minus', '@SUM(A1:A9)'];
    for (const fullName of names) {
      const user = await make.user({ fullName, degree: '=1+1', profession: 'physician' });
      await make.completion(user, { activity: SECOND, at: new Date('2027-02-01T10:00:00Z') });
    }
    const { rows } = await csv(`/admin/exports/records.csv?activity=${SECOND}`);
    const learnerAt = HEADER.indexOf('Learner');
    const degreeAt = HEADER.indexOf('Degree');
    expect(
      rows
        .slice(1)
        .map((row) => row[learnerAt])
        .sort(),
    ).toEqual(names.map((name) => `'${name}`).sort());
    expect(new Set(rows.slice(1).map((row) => row[degreeAt]))).toEqual(new Set(["'=1+1"]));
  });
});

describe('synthetic records', () => {
  it('when synthetic records exist, then the CSV leaves them out unless synthetic=include is asked for', async () => {
    const user = await make.user({ fullName: 'Real Source', profession: 'physician' });
    const { claim } = await make.completion(user, { activity: SECOND, at: new Date('2027-02-20T10:00:00Z') });
    const copies = await addSyntheticCopies(t, claim.id, 3);
    const query = `activity=${SECOND}&learner=${encodeURIComponent('Synthetic Learner')}`;
    expect((await csv(`/admin/exports/records.csv?${query}`)).rows).toEqual([HEADER]);
    const withSynthetic = await csv(`/admin/exports/records.csv?${query}&synthetic=include`);
    expect(withSynthetic.rows.slice(1).map((row) => row[0])).toEqual(copies.map(String));
    expect((await lastExportAudit(t)).details).toMatchObject({ synthetic: true, rows: 3 });
  });
});

describe('the CSV of a whole activity', () => {
  it("when an admin downloads an activity's records, then the file holds that activity's records only", async () => {
    const all = await csv(`/admin/exports/records.csv?activity=${firstActivity}`);
    const file = await csv(`/admin/activities/${firstActivity}/records.csv`);
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename=completion-records-${firstActivity}-2027-03-01.csv`,
    );
    expect(file.rows).toEqual(all.rows);
    expect(file.rows.length).toBeGreaterThan(1);
    expect(new Set(file.rows.slice(1).map((row) => row[HEADER.indexOf('Activity slug')]))).toEqual(
      new Set([firstActivity]),
    );
    expect(await lastExportAudit(t)).toMatchObject({
      action: 'export.activity-records.csv',
      details: { filters: { activity: firstActivity }, rows: file.rows.length - 1, completed: true },
    });
  });

  it('when the activity does not exist, then 404', async () => {
    await adminAgent.get('/admin/activities/no-such-activity/records.csv').expect(404);
    await adminAgent.get('/admin/activities/Not_A_Slug/records.csv').expect(404);
  });
});

describe('who may export', () => {
  it('when an educator or a learner asks for an export, then it is refused and nothing is recorded', async () => {
    const before = await exportAudits(t);
    for (const role of ['educator', 'learner'] as const) {
      const agent = await signIn(t.app, (await make.user({ role })).email);
      for (const url of [
        '/admin/exports/records.csv',
        `/admin/activities/${firstActivity}/records.csv`,
        '/admin/exports',
      ])
        await agent.get(url).expect(403);
    }
    expect(await exportAudits(t)).toEqual(before);
  });
});
