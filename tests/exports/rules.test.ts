// The exports' rules on their own: formula neutralising, the name rule, each accreditor's reportability rules at their
// boundaries, and the content settings they depend on (ACCME IDs, UANs) validated when content loads.
import fs from 'node:fs';
import path from 'node:path';
import { ContentError, loadContent } from '../../server/content/load';
import { CPE_RULES, type CpeCandidate } from '../../server/exports/cpe-columns';
import { CSV, TAB_DELIMITED, cellText, neutralise, textDocument } from '../../server/exports/csv';
import { splitName } from '../../server/exports/names';
import { PARS_RULES, parsIsLate, type ParsCandidate } from '../../server/exports/pars-columns';
import { problemsOf } from '../../server/exports/reporting';
import { activityFile, contentCopy, editYaml, removeContentCopy } from '../support/content';
import { firstActivity } from '../support/factories';

describe('formula neutralising', () => {
  it.each([
    ['=cmd|" /C calc"!A0', `'=cmd|" /C calc"!A0`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tinside', "'\tinside"],
    ['\rreturn', "'\rreturn"],
  ])('when a cell is %j, then it is written %j', (value, written) => {
    expect(neutralise(value)).toBe(written);
    expect(cellText(value)).toBe(written);
  });

  it.each(['Grace Hopper', '0.5', '2027-01-05', "O'Brien", ' =not first', ''])(
    'when a cell is %j, then it is written as it is',
    (value) => expect(neutralise(value)).toBe(value),
  );

  it('when a cell holds invisible format characters stored before they were refused, then they are dropped first', () => {
    expect(cellText('\u202E=cmd')).toBe("'=cmd");
    expect(cellText('Mallory\u202Egnp.exe')).toBe('Mallorygnp.exe');
  });

  it('when a document is written, then cells are quoted as RFC 4180 says, with CRLF, and neutralised', () => {
    const columns = [
      { header: 'A', cell: (row: string[]) => row[0] },
      { header: 'B', cell: (row: string[]) => row[1] },
    ];
    const rows = [
      ['=1+1', 'say "hi", twice'],
      ['line\nbreak', null as unknown as string],
    ];
    expect(textDocument(rows, columns, CSV)).toBe(`A,B\r\n'=1+1,"say ""hi"", twice"\r\n"line\nbreak",\r\n`);
    expect(textDocument(rows, columns, { ...TAB_DELIMITED, bom: true })).toBe(
      `\uFEFFA\tB\r\n'=1+1\t"say ""hi"", twice"\r\n"line\nbreak"\t\r\n`,
    );
  });
});

describe('first and last name', () => {
  it.each([
    ['Dana Learner', { first: 'Dana', last: 'Learner' }],
    ['  Anne-Marie   Dupont-Leroy ', { first: 'Anne-Marie', last: 'Dupont-Leroy' }],
    ['de la Cruz, Juan Carlos', { first: 'Juan Carlos', last: 'de la Cruz' }],
    ['Curie,Marie', { first: 'Marie', last: 'Curie' }],
  ])('when the name is %j, then it splits as %j', (name, split) => expect(splitName(name)).toEqual(split));

  it.each([
    ['Cher', 'is a single word'],
    ['Juan Carlos de la Cruz', 'has 5 words'],
    ['María García López', 'has 3 words'],
    ['John Smith Jr.', 'has 3 words'],
    ['Jane Doe, MD', 'credentials or a suffix after its comma'],
    ['Smith, John, MD', 'more than one comma'],
    [', Marie', 'nothing on one side of its comma'],
  ])('when the name is %j, then it is not split: it %s', (name, problem) => {
    const split = splitName(name);
    expect('problem' in split && split.problem).toContain(problem);
  });
});

const NOW = new Date('2027-03-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000);

const parsRecord = (changes: Partial<ParsCandidate> = {}): ParsCandidate => ({
  claimId: 1,
  activityTitle: 'Activity',
  accmeActivityId: '001234567',
  completedAt: daysAgo(1),
  amount: '0.5',
  consented: true,
  revoked: false,
  fullName: 'Dana Learner',
  email: 'dana@example.org',
  birthMonth: 2,
  birthDay: 29,
  npi: null,
  licenseState: null,
  licenseNumber: null,
  certifyingBoard: 'ABIM',
  boardId: '123456',
  name: splitName('Dana Learner'),
  ...changes,
});

describe('PARS rules', () => {
  it('when a record has everything, then it is reportable', () => {
    expect(problemsOf(parsRecord(), PARS_RULES)).toEqual([]);
    expect(
      problemsOf(parsRecord({ certifyingBoard: null, boardId: null, npi: '1234567893' }), PARS_RULES),
    ).toEqual([]);
    const licence = { certifyingBoard: null, boardId: null, licenseState: 'CA', licenseNumber: 'A1' };
    expect(problemsOf(parsRecord(licence), PARS_RULES)).toEqual([]);
  });

  it('when a record lacks several things, then every reason is given, in the rules’ order', () => {
    const record = parsRecord({
      consented: false,
      revoked: true,
      accmeActivityId: null,
      certifyingBoard: 'ABIM',
      boardId: null,
      licenseState: 'CA',
      licenseNumber: null,
      birthMonth: 2,
      birthDay: 30,
      name: splitName('Cher'),
    });
    expect(problemsOf(record, PARS_RULES)).toEqual([
      'No consent to share with boards',
      'Certificate revoked',
      'The activity has no ACCME activity ID',
      'No board ID, state licence or NPI',
      'No birth month and day',
      'Name cannot be split: "Cher" is a single word',
    ]);
  });

  it('when a record was completed 30 days ago, then it is on time; 31 days ago, late', () => {
    expect(parsIsLate(parsRecord({ completedAt: daysAgo(30) }), NOW)).toBe(false);
    expect(parsIsLate(parsRecord({ completedAt: daysAgo(31) }), NOW)).toBe(true);
  });
});

const cpeRecord = (changes: Partial<CpeCandidate> = {}): CpeCandidate => ({
  claimId: 1,
  activityTitle: 'Activity',
  profession: 'pharmacist',
  uan: '0000-0000-26-001-H01-P',
  releaseDate: new Date('2026-11-01T00:00:00Z'),
  expirationDate: new Date('2029-10-31T00:00:00Z'),
  completedAt: daysAgo(1),
  amount: '0.5',
  revoked: false,
  fullName: 'Phil Pharmacist',
  email: 'phil@example.org',
  nabpEProfileId: '123456',
  birthMonth: 2,
  birthDay: 29,
  today: NOW,
  ...changes,
});

describe('CPE Monitor rules', () => {
  it('when a record was completed 60 days ago, then it is reportable; 61 days ago, it is not', () => {
    expect(problemsOf(cpeRecord({ completedAt: daysAgo(60) }), CPE_RULES)).toEqual([]);
    expect(problemsOf(cpeRecord({ completedAt: daysAgo(61) }), CPE_RULES)).toEqual([
      "Completed 61 days ago: past CPE Monitor's 60-day limit, no longer reportable",
    ]);
  });

  it('when a record lacks its IDs or falls outside the activity’s dates, then every reason is given', () => {
    const record = cpeRecord({
      profession: 'pharmacy_technician',
      uan: null,
      revoked: true,
      nabpEProfileId: '12345',
      birthMonth: null,
      completedAt: new Date('2026-10-31T23:59:59Z'),
    });
    expect(problemsOf(record, CPE_RULES)).toEqual([
      'Certificate revoked',
      'No valid NABP e-Profile ID',
      'No birth month and day',
      'The activity has no UAN for technicians',
      "Completed outside the activity's release and expiration dates",
      "Completed 121 days ago: past CPE Monitor's 60-day limit, no longer reportable",
    ]);
  });

  it('when a record was completed on the expiration day, then it is inside the dates; the day after, outside', () => {
    const expiring = { expirationDate: new Date('2027-02-27T00:00:00Z') };
    expect(
      problemsOf(cpeRecord({ ...expiring, completedAt: new Date('2027-02-27T23:59:59Z') }), CPE_RULES),
    ).toEqual([]);
    expect(
      problemsOf(cpeRecord({ ...expiring, completedAt: new Date('2027-02-28T00:00:00Z') }), CPE_RULES),
    ).toEqual(["Completed outside the activity's release and expiration dates"]);
  });
});

describe('the identifiers in content/', () => {
  function loadWith(edit: (dir: string) => void) {
    const dir = contentCopy(edit);
    try {
      return loadContent(dir);
    } finally {
      removeContentCopy(dir);
    }
  }
  const activityWith = (reporting: unknown) => (dir: string) =>
    editYaml(activityFile(dir, firstActivity), (document) => document.set('reporting', reporting));
  const refusal = (edit: (dir: string) => void) => {
    try {
      loadWith(edit);
    } catch (error) {
      if (error instanceof ContentError) return error.message;
      throw error;
    }
    throw new Error('the content was accepted');
  };

  it('when the activity and provider give their identifiers, then the catalogue reads them', () => {
    const content = loadWith((dir) => {
      activityWith({
        accmeActivityId: '001234567',
        uan: { pharmacist: '0000-0000-26-001-H01-P', pharmacy_technician: 'JA0012345-9999-26-001-H01-T' },
      })(dir);
      fs.appendFileSync(path.join(dir, 'provider.yaml'), 'accmeProviderId: "0012345"\n');
    });
    expect(content.provider.accmeProviderId).toBe('0012345');
    expect(content.activities[0]!.activity.reporting).toEqual({
      accmeActivityId: '001234567',
      uan: { pharmacist: '0000-0000-26-001-H01-P', pharmacy_technician: 'JA0012345-9999-26-001-H01-T' },
    });
  });

  it.each([
    [{ accmeActivityId: '12345678' }, 'reporting.accmeActivityId', 'must be the 9-digit ACCME activity ID'],
    [{ accmeActivityId: 123456789 }, 'reporting.accmeActivityId', 'written in quotes'],
    [{ uan: { pharmacist: '0000-0000-26-001-H01-T' } }, 'reporting.uan.pharmacist', 'must end in -P'],
    [
      { uan: { pharmacy_technician: '0000-0000-26-001-H01-P' } },
      'reporting.uan.pharmacy_technician',
      'must end in -T',
    ],
    [{ uan: { pharmacist: '0000-0000-26-001-L01-P' } }, 'reporting.uan.pharmacist', 'home-study UAN'],
    [{ uan: { pharmacist: '000-0000-26-001-H01-P' } }, 'reporting.uan.pharmacist', 'home-study UAN'],
    [{ uan: { nurse: '0000-0000-26-001-H01-P' } }, 'reporting.uan', 'nurse'],
  ])('when activity.yaml says %j, then loading stops naming %s', (reporting, field, message) => {
    const error = refusal(activityWith(reporting));
    expect(error).toContain(`activities/${firstActivity}/activity.yaml (${field})`);
    expect(error).toContain(message);
  });

  it('when provider.yaml has an ACCME provider ID that is not 7 digits, then loading stops naming it', () => {
    const error = refusal((dir) =>
      fs.appendFileSync(path.join(dir, 'provider.yaml'), 'accmeProviderId: "123456"\n'),
    );
    expect(error).toMatch(/provider\.yaml \(accmeProviderId\): must be the 7-digit ACCME provider ID/);
  });
});
