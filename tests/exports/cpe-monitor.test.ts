// The ACPE CPE Monitor file for pharmacists and technicians, as CSV and as tab-delimited text: its rows exactly (each
// profession with its own UAN), the 60-day limit, the activity's dates and UANs, and the certificates' UAN.
import * as cheerio from 'cheerio';
import { CPE_COLUMNS } from '../../server/exports/cpe-columns';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { activityFile, editYaml } from '../support/content';
import { factories, firstActivity, type Factories } from '../support/factories';
import { PHARMACIST_UAN, TECHNICIAN_UAN, fullReporting, setActivityReporting } from './accredited-content';
import { download, parseDelimited } from './files';
import { lastExportAudit } from './records';

const NOW = new Date('2027-03-01T12:00:00Z');
const HEADER = CPE_COLUMNS.map((column) => column.header);

let t: TestApp;
let make: Factories;
let adminAgent: Agent;

const completedOn = (user: User, day: string) => make.completion(user, { at: new Date(`${day}T15:00:00Z`) });
const snapshotUan = async (code: string) =>
  ((await t.db.prisma.certificate.findUniqueOrThrow({ where: { code } })).snapshot as { uan: string | null })
    .uan;

const codes: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({ throttle: relaxedThrottle, now: () => NOW });
  make = factories(t);
  await setActivityReporting(make, fullReporting);
  adminAgent = await signIn(t.app, (await make.user({ role: 'admin' })).email);

  const pharmacist = await make.user({
    fullName: 'Phil Pharmacist',
    profession: 'pharmacist',
    degree: 'PharmD',
    nabpEProfileId: '123456',
    birthMonth: '2',
    birthDay: '29',
  });
  codes.pharmacist = (await completedOn(pharmacist, '2027-02-10')).code;
  const technician = await make.user({
    fullName: 'Tess Technician',
    profession: 'pharmacy_technician',
    degree: 'CPhT',
    nabpEProfileId: '1234567',
    birthMonth: '7',
    birthDay: '4',
  });
  codes.technician = (await completedOn(technician, '2027-02-01')).code;
  // 76 days before the file is made: past CPE Monitor's 60 days.
  const tooLate = await make.user({
    fullName: 'Late Pharmacist',
    profession: 'pharmacist',
    degree: 'RPh',
    nabpEProfileId: '7654321',
    birthMonth: '11',
    birthDay: '30',
  });
  await completedOn(tooLate, '2026-12-15');
  const nurse = await make.user({ fullName: 'Nora Nurse', profession: 'nurse', degree: 'RN' });
  codes.nurse = (await completedOn(nurse, '2027-02-11')).code;
}, 120_000);
afterAll(() => t?.close());

const philRow = ['123456', '0229', PHARMACIST_UAN, '02/10/2027', '0.5'];
const tessRow = ['1234567', '0704', TECHNICIAN_UAN, '02/01/2027', '0.5'];

async function notReportable(query = '') {
  const $ = cheerio.load((await adminAgent.get(`/admin/exports${query}`).expect(200)).text);
  return $('#cpe-not-reportable tbody tr')
    .toArray()
    .map((tr) => ({
      learner: $(tr).find('th').contents().first().text().trim(),
      reasons: $(tr)
        .find('.reasons li')
        .toArray()
        .map((li) => $(li).text().trim()),
    }));
}

describe('the CPE Monitor file', () => {
  it('when an admin downloads it as CSV, then it holds the pharmacists and technicians who can be reported, each with their UAN', async () => {
    const file = await download(adminAgent, '/admin/exports/cpe-monitor.csv');
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toBe('attachment; filename=cpe-monitor-2027-03-01.csv');
    expect(parseDelimited(file.text, ',')).toEqual([HEADER, philRow, tessRow]);
    expect(await lastExportAudit(t)).toMatchObject({
      action: 'export.cpe-monitor.csv',
      details: { filters: {}, format: 'csv', rows: 2, completed: true },
    });
  });

  it('when an admin downloads it as text, then it is the same rows, tab-delimited', async () => {
    const file = await download(adminAgent, '/admin/exports/cpe-monitor.txt');
    expect(file.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(parseDelimited(file.text, '\t')).toEqual([HEADER, philRow, tessRow]);
    const filtered = await download(
      adminAgent,
      '/admin/exports/cpe-monitor.txt?profession=pharmacy_technician',
    );
    expect(parseDelimited(filtered.text, '\t')).toEqual([HEADER, tessRow]);
  });

  it('when a record is more than 60 days old, then it is listed as no longer reportable and left out', async () => {
    expect(await notReportable()).toEqual([
      {
        learner: 'Late Pharmacist',
        reasons: ["Completed 76 days ago: past CPE Monitor's 60-day limit, no longer reportable"],
      },
    ]);
  });

  it('when the activity has no UAN for a profession, then its records are listed with that reason', async () => {
    await setActivityReporting(make, { uan: { pharmacy_technician: TECHNICIAN_UAN } });
    try {
      const file = await download(adminAgent, '/admin/exports/cpe-monitor.csv');
      expect(parseDelimited(file.text, ',')).toEqual([HEADER, tessRow]);
      expect(await notReportable('?profession=pharmacist&from=2027-01-01')).toEqual([
        { learner: 'Phil Pharmacist', reasons: ['The activity has no UAN for pharmacists'] },
      ]);
    } finally {
      await setActivityReporting(make, fullReporting);
    }
  });

  it("when a completion falls outside the activity's release and expiration dates, then it is not reportable", async () => {
    await make.syncContent((dir) =>
      editYaml(activityFile(dir, firstActivity), (document) => {
        document.set('reporting', fullReporting);
        document.set('releaseDate', '2027-02-05');
        document.set('reviewDate', '2027-02-05');
      }),
    );
    try {
      const file = await download(adminAgent, '/admin/exports/cpe-monitor.csv');
      expect(parseDelimited(file.text, ',')).toEqual([HEADER, philRow]);
      expect(await notReportable('?from=2027-01-01')).toEqual([
        {
          learner: 'Tess Technician',
          reasons: ["Completed outside the activity's release and expiration dates"],
        },
      ]);
    } finally {
      await setActivityReporting(make, fullReporting);
    }
  });
});

describe("the certificates' UAN", () => {
  it("when pharmacists, technicians and others claim credit, then each certificate states its profession's UAN, or none", async () => {
    expect(await snapshotUan(codes.pharmacist!)).toBe(PHARMACIST_UAN);
    expect(await snapshotUan(codes.technician!)).toBe(TECHNICIAN_UAN);
    expect(await snapshotUan(codes.nurse!)).toBeNull();
  });
});
