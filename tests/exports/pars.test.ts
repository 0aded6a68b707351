// The ACCME PARS learner file, as .xlsx (read back with exceljs's reader) and as tab-delimited text: its rows exactly,
// the rules that keep a record out of it (each listed on the exports page with its reasons), the 30-day flag, the
// provider's and the activity's ACCME IDs, formula neutralising, filters and the audit entry.
import * as cheerio from 'cheerio';
import { revokeCertificate } from '../../server/certificates/service';
import { PARS_COLUMNS } from '../../server/exports/pars-columns';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { ACCME_ACTIVITY_ID, fullReporting, setActivityReporting } from './accredited-content';
import { ACCME_PROVIDER_ID, setProviderId } from './provider-id';
import { download, parseDelimited, readXlsx, values } from './files';
import { addSyntheticCopies, exportAudits, lastExportAudit } from './records';

jest.mock('../../server/content/load', () =>
  jest.requireActual<typeof import('./provider-id')>('./provider-id').loaderWithProviderId(),
);

const NOW = new Date('2027-03-01T12:00:00Z');
const HEADER = PARS_COLUMNS.map((column) => column.header);
const GUIDANCE =
  'ACCME PARS learner batch file of ACCME provider 0012345, made 03/01/2027: row 2 is the header, then one row per ' +
  'learner and activity (Record Action "Add"). Upload it in PARS under learner reporting.';
const CREDIT = 'AMA PRA Category 1 Credit';

let t: TestApp;
let make: Factories;
let admin: User;
let adminAgent: Agent;

/** A physician with consent and a birth date unless the fields say otherwise. */
const physician = (fields: Record<string, string>) =>
  make.user({
    profession: 'physician',
    degree: 'MD',
    consentToShare: 'on',
    birthMonth: '12',
    birthDay: '9',
    ...fields,
  });
const completedOn = (user: User, day: string) => make.completion(user, { at: new Date(`${day}T15:00:00Z`) });

const people: Record<string, User> = {};
const codes: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({ throttle: relaxedThrottle, now: () => NOW });
  make = factories(t);
  await setActivityReporting(make, fullReporting);
  admin = await make.user({ role: 'admin', fullName: 'Ada Admin' });
  adminAgent = await signIn(t.app, admin.email);

  const add = async (key: string, day: string, fields: Record<string, string>) => {
    people[key] = await physician(fields);
    codes[key] = (await completedOn(people[key], day)).code;
  };
  await add('grace', '2027-02-20', {
    fullName: 'Grace Hopper',
    licenseState: 'CA',
    licenseNumber: 'A12345',
    certifyingBoard: 'ABIM',
    boardId: '0456789',
  });
  await add('ada', '2027-01-05', {
    fullName: 'Ada Lovelace',
    npi: '1234567893',
    birthMonth: '1',
    birthDay: '31',
  });
  await add('curie', '2027-02-25', { fullName: 'Curie, Marie', npi: '1234567893' });
  await add('turing', '2027-02-24', { fullName: 'Alan Turing', npi: '1234567893', consentToShare: '' });
  await add('evans', '2027-02-23', { fullName: 'Mary Ann Evans', npi: '1234567893' });
  await add('noIds', '2027-02-22', { fullName: 'Nobody Identified' });
  await add('noBirth', '2027-02-21', {
    fullName: 'Birthday Unknown',
    npi: '1234567893',
    birthMonth: '',
    birthDay: '',
  });
  await add('revoked', '2027-02-19', { fullName: 'Revoked Doctor', npi: '1234567893' });
  await revokeCertificate(t.db.prisma, admin, codes.revoked!, 'Issued in error', '127.0.0.1', NOW);
  // Not physicians' AMA PRA credit, or not real: never PARS records, not even listed.
  const nurse = await make.user({
    fullName: 'Nora Nurse',
    profession: 'nurse',
    degree: 'RN',
    consentToShare: 'on',
  });
  await completedOn(nurse, '2027-02-26');
  const { claim } = await completedOn(
    await physician({ fullName: 'Synthetic Source', npi: '1234567893' }),
    '2027-02-27',
  );
  await addSyntheticCopies(t, claim.id, 3);
}, 120_000);
afterAll(() => t?.close());

const graceRow = [
  'Add',
  ACCME_ACTIVITY_ID,
  '02/20/2027',
  'Grace',
  'Hopper',
  '12/09',
  'CA',
  'A12345',
  '0.5',
  'ABIM',
  '0456789',
  '0.5',
  CREDIT,
  '0.5',
];
const adaRow = [
  'Add',
  ACCME_ACTIVITY_ID,
  '01/05/2027',
  'Ada',
  'Lovelace',
  '01/31',
  '',
  '1234567893',
  '0.5',
  '',
  '',
  '',
  CREDIT,
  '0.5',
];
const curieRow = [
  'Add',
  ACCME_ACTIVITY_ID,
  '02/25/2027',
  'Marie',
  'Curie',
  '12/09',
  '',
  '1234567893',
  '0.5',
  '',
  '',
  '',
  CREDIT,
  '0.5',
];
const sourceRow = (day: string) => [
  'Add',
  ACCME_ACTIVITY_ID,
  day,
  'Synthetic',
  'Source',
  '12/09',
  '',
  '1234567893',
  '0.5',
  '',
  '',
  '',
  CREDIT,
  '0.5',
];

describe('the PARS file as .xlsx', () => {
  it('when an admin downloads it, then row 1 is guidance, row 2 the header, then the reportable records as text cells', async () => {
    const file = await download(adminAgent, '/admin/exports/pars.xlsx');
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename=accme-pars-learners-${ACCME_PROVIDER_ID}-2027-03-01.xlsx`,
    );
    expect(file.body.subarray(0, 2).toString('latin1')).toBe('PK');
    const sheet = await readXlsx(file.body);
    expect(sheet.sheetName).toBe('Learners');
    expect(values(sheet.rows)).toEqual(
      [[GUIDANCE], HEADER, sourceRow('02/27/2027'), curieRow, graceRow, adaRow].map((row) =>
        trimTrailingEmpty(row),
      ),
    );
    // Identifiers with leading zeros stay text: no cell is a number, a date or a formula.
    expect(sheet.rows.flat().every((cell) => cell.type === 'string')).toBe(true);
    expect(await lastExportAudit(t)).toMatchObject({
      actorId: admin.id,
      action: 'export.pars.xlsx',
      details: { filters: {}, format: 'xlsx', rows: 4, completed: true },
    });
  });
});

describe('the PARS file as tab-delimited text', () => {
  it('when an admin downloads it, then it holds the same rows as the workbook, tab-delimited, CRLF', async () => {
    const file = await download(adminAgent, '/admin/exports/pars.txt');
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename=accme-pars-learners-${ACCME_PROVIDER_ID}-2027-03-01.txt`,
    );
    expect(parseDelimited(file.text, '\t')).toEqual([
      [GUIDANCE],
      HEADER,
      sourceRow('02/27/2027'),
      curieRow,
      graceRow,
      adaRow,
    ]);
    expect((await lastExportAudit(t)).details).toMatchObject({ format: 'txt', rows: 4, completed: true });
  });

  it('when filters are given, then only the records they select are in the file', async () => {
    const file = await download(adminAgent, '/admin/exports/pars.txt?from=2027-02-20&to=2027-02-25');
    expect(parseDelimited(file.text, '\t').slice(2)).toEqual([curieRow, graceRow]);
    expect((await lastExportAudit(t)).details).toMatchObject({
      filters: { from: '2027-02-20', to: '2027-02-25' },
      rows: 2,
    });
  });
});

/** The rows of one of the exports page's record tables: learner name, activity, completion day and the reasons. */
async function listed(query = '') {
  const res = await adminAgent.get(`/admin/exports${query}`).expect(200);
  const $ = cheerio.load(res.text);
  const table = (id: string) =>
    $(`#${id} tbody tr`)
      .toArray()
      .map((tr) => ({
        learner: $(tr).find('th').contents().first().text().trim(),
        completedOn: $(tr).find('td').eq(1).text().trim(),
        reasons: $(tr)
          .find('.reasons li')
          .toArray()
          .map((li) => $(li).text().trim()),
      }));
  return {
    $,
    late: table('pars-late'),
    notReportable: table('pars-not-reportable'),
    text: $('#pars-title').parent().text(),
  };
}

describe('records PARS cannot take', () => {
  it('when records lack what a board needs, then the exports page lists each with every reason, and the files leave them out', async () => {
    const page = await listed();
    expect(page.notReportable).toEqual([
      { learner: 'Alan Turing', completedOn: '2027-02-24', reasons: ['No consent to share with boards'] },
      {
        learner: 'Mary Ann Evans',
        completedOn: '2027-02-23',
        reasons: [
          'Name cannot be split: "Mary Ann Evans" has 3 words: which of them are the last name is not known',
        ],
      },
      {
        learner: 'Nobody Identified',
        completedOn: '2027-02-22',
        reasons: ['No board ID, state licence or NPI'],
      },
      { learner: 'Birthday Unknown', completedOn: '2027-02-21', reasons: ['No birth month and day'] },
      { learner: 'Revoked Doctor', completedOn: '2027-02-19', reasons: ['Certificate revoked'] },
    ]);
    expect(page.text).toMatch(/4 records\s+can be\s+reported/);
    expect(page.$('#pars-not-reportable caption').text()).toBe('Not reportable to PARS, and why (5)');
    const file = await download(adminAgent, '/admin/exports/pars.txt');
    const names = parseDelimited(file.text, '\t')
      .slice(2)
      .map((row) => `${row[3]} ${row[4]}`);
    expect(names).toEqual(['Synthetic Source', 'Marie Curie', 'Grace Hopper', 'Ada Lovelace']);
  });

  it('when a reportable record is more than 30 days old, then the page flags it as late, and it stays in the file', async () => {
    const page = await listed();
    expect(page.late).toEqual([
      { learner: 'Ada Lovelace', completedOn: '2027-01-05', reasons: ['Completed more than 30 days ago'] },
    ]);
    expect(page.text).toMatch(/1 of them more than 30 days old/);
  });

  it('when a learner withdraws consent after claiming, then the record leaves the file; when one adds what was missing, it joins', async () => {
    const late = await physician({
      fullName: 'Later Changes',
      npi: '1234567893',
      birthMonth: '',
      birthDay: '',
    });
    await completedOn(late, '2027-02-28');
    const withdrawing = await physician({ fullName: 'Consent Withdrawn', npi: '1234567893' });
    await completedOn(withdrawing, '2027-02-28');
    const rowsOf = async () =>
      parseDelimited((await download(adminAgent, '/admin/exports/pars.txt?from=2027-02-28')).text, '\t')
        .slice(2)
        .map((row) => row[4]);
    expect(await rowsOf()).toEqual(['Withdrawn']);

    await make.updateProfile(withdrawing, { consentToShare: '' });
    await make.updateProfile(late, { birthMonth: '3', birthDay: '14' });
    expect(await rowsOf()).toEqual(['Changes']);
    const page = await listed('?from=2027-02-28');
    expect(page.notReportable).toEqual([
      {
        learner: 'Consent Withdrawn',
        completedOn: '2027-02-28',
        reasons: ['No consent to share with boards'],
      },
    ]);
  });

  it('when a name starts with a formula character, then the text file neutralises it and the workbook keeps it as text', async () => {
    const user = await physician({ fullName: '=HYPERLINK("x") Smith', npi: '1234567893' });
    await completedOn(user, '2027-02-10');
    const query = '?from=2027-02-10&to=2027-02-10';
    const text = parseDelimited((await download(adminAgent, `/admin/exports/pars.txt${query}`)).text, '\t');
    expect(text.slice(2).map((row) => row[3])).toEqual([`'=HYPERLINK("x")`]);
    const sheet = await readXlsx((await download(adminAgent, `/admin/exports/pars.xlsx${query}`)).body);
    expect(sheet.rows[2]![3]).toEqual({ value: '=HYPERLINK("x")', type: 'string' });
  });
});

describe('the ACCME identifiers', () => {
  it('when the activity has no ACCME activity ID, then its records are listed with that reason and the file has none', async () => {
    await setActivityReporting(make, null);
    try {
      const page = await listed('?from=2027-02-20&to=2027-02-20');
      expect(page.notReportable).toEqual([
        {
          learner: 'Grace Hopper',
          completedOn: '2027-02-20',
          reasons: ['The activity has no ACCME activity ID'],
        },
      ]);
      const file = await download(adminAgent, '/admin/exports/pars.txt?from=2027-02-20&to=2027-02-20');
      expect(parseDelimited(file.text, '\t')).toEqual([[GUIDANCE], HEADER]);
    } finally {
      await setActivityReporting(make, fullReporting);
    }
  });

  it('when provider.yaml has no ACCME provider ID, then the page says the file cannot be made and the downloads are refused', async () => {
    setProviderId(t, undefined);
    try {
      const before = await exportAudits(t);
      const page = await listed();
      expect(page.$('#pars-title').parent().find('.notice-error').text()).toMatch(
        /The PARS file cannot be made:\s+content\/provider\.yaml has no accmeProviderId/,
      );
      expect(page.$('a[href^="/admin/exports/pars."]')).toHaveLength(0);
      for (const url of ['/admin/exports/pars.xlsx', '/admin/exports/pars.txt']) {
        const res = await adminAgent.get(url).set('Accept', 'application/json');
        expect(res.status).toBe(409);
        expect(res.headers['content-disposition']).toBeUndefined();
        expect(res.text).toMatch(/accmeProviderId/);
      }
      expect(await exportAudits(t)).toEqual(before);
    } finally {
      setProviderId(t, ACCME_PROVIDER_ID);
    }
  });
});

function trimTrailingEmpty(row: string[]): string[] {
  const copy = [...row];
  while (copy.length > 0 && copy.at(-1) === '') copy.pop();
  return copy;
}
