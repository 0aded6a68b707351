// The certificate's words, from snapshots as the claim service freezes them: what the PDF draws and the
// verification page, My CE and the CSV show. Pure functions: no app, no database.
import {
  certificateText,
  completionText,
  creditLine,
  italicSegments,
  learnerLine,
  learnerName,
} from '../../server/certificates/certificate-text';
import { formatCredits, formatIsoDate } from '../../server/catalogue/view-model';
import { winAnsiSafe } from '../../server/certificates/pdf';
import type { CertificateSnapshot } from '../../server/certificates/snapshot';

const PROVIDER = 'CME Platform Continuing Education';
const ACCME =
  `${PROVIDER} is accredited by the Accreditation Council for Continuing Medical Education (ACCME) to ` +
  'provide continuing medical education for physicians.';
const JOINT =
  `In support of improving patient care, ${PROVIDER} is jointly accredited by the Accreditation Council for ` +
  'Continuing Medical Education (ACCME), the Accreditation Council for Pharmacy Education (ACPE), and the ' +
  'American Nurses Credentialing Center (ANCC), to provide continuing education for the healthcare team.';
const CODE = '0123456789abcdef0123456789abcdef';
const GROUPED = '0123-4567-89AB-CDEF-0123-4567-89AB-CDEF';
const VERIFY_URL = `https://cme.example.org/verify/${CODE}`;

const physician: CertificateSnapshot = {
  learnerName: 'Avery Quinn-Okafor',
  learnerDegree: 'MD',
  profession: 'physician',
  activityTitle: 'Renal Leiomyosarcoma',
  activitySlug: 'renal-leiomyosarcoma',
  activityVersion: 'abcdef012345',
  completedOn: '2026-05-22',
  creditCode: 'AMA_PRA_1',
  creditLabel: 'AMA PRA Category 1 Credit™',
  amount: '0.5',
  maxAmount: '0.5',
  scorePercent: '83.33',
  providerName: PROVIDER,
  accreditationStatement: ACCME,
  designationStatement:
    `${PROVIDER} designates this enduring material for a maximum of 0.5 *AMA PRA Category 1 Credits*™. ` +
    'Physicians should claim only the credit commensurate with the extent of their participation in the activity.',
  uan: null,
};

const nurse: CertificateSnapshot = {
  ...physician,
  learnerName: 'Zoë Ångström-Müller',
  learnerDegree: 'RN, BSN',
  profession: 'nurse',
  creditCode: 'ANCC',
  creditLabel: 'ANCC contact hours',
  accreditationStatement: JOINT,
  designationStatement: `${PROVIDER} designates this activity for a maximum of 0.5 ANCC contact hours.`,
};

const pharmacist: CertificateSnapshot = {
  ...nurse,
  learnerName: 'José Nuñez',
  learnerDegree: 'PharmD',
  profession: 'pharmacist',
  creditCode: 'ACPE',
  creditLabel: 'ACPE contact hours',
  amount: '1',
  designationStatement:
    `${PROVIDER} designates this knowledge-based activity for a maximum of 1.0 contact hours of ACPE credit ` +
    'for pharmacists and pharmacy technicians.',
  uan: 'JA0000000-0000-26-001-H01-P',
};

const participant: CertificateSnapshot = {
  ...nurse,
  learnerName: 'Morgan Participant',
  learnerDegree: '',
  profession: 'other',
  creditCode: 'PARTICIPATION',
  creditLabel: 'Certificate of participation (hours)',
  designationStatement: '',
};

const textOf = (snapshot: CertificateSnapshot) =>
  certificateText(snapshot, { code: CODE, verifyUrl: VERIFY_URL });

describe('the certificate text', () => {
  it('when a physician earns AMA PRA Category 1 credit, then every block reads as the PDF prints it, the credit in italics', () => {
    const text = textOf(physician);
    expect(text).toMatchObject({
      provider: PROVIDER,
      title: 'Certificate of completion',
      certifies: 'This certifies that',
      learnerName: 'Avery Quinn-Okafor',
      learnerLine: 'Avery Quinn-Okafor, MD',
      completion: 'has completed the enduring material',
      activityTitle: 'Renal Leiomyosarcoma',
      completedOn: 'May 22, 2026',
      awarded: 'on May 22, 2026, and is awarded',
      credit: { text: '0.5 AMA PRA Category 1 Credit™', italic: true },
      accreditationStatement: ACCME,
      code: GROUPED,
      verifyUrl: VERIFY_URL,
      status: 'valid',
      issuedOn: null,
      revokedOn: null,
      document: {
        title: 'Certificate of completion: Renal Leiomyosarcoma',
        author: PROVIDER,
        subject: `Certificate ${GROUPED}`,
      },
    });
    expect(text.designationStatement).toEqual([
      { text: `${PROVIDER} designates this enduring material for a maximum of 0.5 `, italic: false },
      { text: 'AMA PRA Category 1 Credits', italic: true },
      {
        text:
          '™. Physicians should claim only the credit commensurate with the extent of their participation ' +
          'in the activity.',
        italic: false,
      },
    ]);
    expect(text.footer).toEqual([
      { kind: 'provider', label: 'Provider', value: PROVIDER },
      { kind: 'code', label: 'Certificate code', value: GROUPED },
      { kind: 'verify', label: 'Verify at', value: VERIFY_URL },
    ]);
  });

  it('when a nurse earns ANCC hours under joint accreditation, then the joint statement is kept word for word and nothing is italic', () => {
    const text = textOf(nurse);
    expect(text.title).toBe('Certificate of completion');
    expect(text.learnerLine).toBe('Zoë Ångström-Müller, RN, BSN');
    expect(text.credit).toEqual({ text: '0.5 ANCC contact hours', italic: false });
    expect(text.accreditationStatement).toBe(JOINT);
    expect(text.designationStatement).toEqual([{ text: nurse.designationStatement, italic: false }]);
    expect(text.footer.map((line) => line.kind)).toEqual(['provider', 'code', 'verify']);
  });

  it('when a pharmacist earns ACPE hours for an activity with a UAN, then the amount has one decimal and the UAN follows the provider', () => {
    const text = textOf(pharmacist);
    expect(text.learnerLine).toBe('José Nuñez, PharmD');
    expect(text.credit).toEqual({ text: '1.0 ACPE contact hours', italic: false });
    expect(text.footer).toEqual([
      { kind: 'provider', label: 'Provider', value: PROVIDER },
      { kind: 'uan', label: 'UAN', value: 'JA0000000-0000-26-001-H01-P' },
      { kind: 'code', label: 'Certificate code', value: GROUPED },
      { kind: 'verify', label: 'Verify at', value: VERIFY_URL },
    ]);
  });

  it('when the credit is participation, then the certificate is one of participation, stated in hours, with no designation', () => {
    const text = textOf(participant);
    expect(text.title).toBe('Certificate of participation');
    expect(text.completion).toBe('participated in the enduring material');
    expect(text.learnerLine).toBe('Morgan Participant');
    expect(text.credit).toEqual({ text: '0.5 hours of participation', italic: false });
    expect(text.designationStatement).toEqual([]);
    expect(text.document.title).toBe('Certificate of participation: Renal Leiomyosarcoma');
    expect(creditLine({ ...participant, amount: '1' })).toBe('1.0 hour of participation');
    expect(creditLine({ ...participant, amount: '2.5' })).toBe('2.5 hours of participation');
  });

  it('when a name has accents and "™", then the text keeps them, and so does the PDF\'s font; Greek becomes "?" only in the PDF', () => {
    const text = textOf({ ...physician, learnerName: 'Renée Ødegård-Çelik™' });
    expect(text.learnerLine).toBe('Renée Ødegård-Çelik™, MD');
    expect(winAnsiSafe(text.learnerLine)).toBe('Renée Ødegård-Çelik™, MD');
    // Decomposed accents (as some keyboards send them) are composed first, so they stay drawable.
    expect(winAnsiSafe('Rene\u0301e')).toBe('Renée');
    expect(textOf({ ...physician, learnerName: 'Ελένη' }).learnerName).toBe('Ελένη');
    expect(winAnsiSafe('Ελένη')).toBe('?????');
  });

  it('when a name or degree was stored with bidi controls, then it is shown without them, on every surface', () => {
    const text = textOf({ ...physician, learnerName: 'Mallory \u202Egnp.exe', learnerDegree: 'MD\u200F' });
    expect(text.learnerName).toBe('Mallory gnp.exe');
    expect(text.learnerLine).toBe('Mallory gnp.exe, MD');
    expect(learnerName('\u2066Eve\u2069 \u200BAdams')).toBe('Eve Adams');
    expect(learnerLine('Eve Adams', '\u202E')).toBe('Eve Adams');
    const row = completionText({
      completedOn: '2026-05-22',
      learnerName: 'Mallory \u202Egnp.exe',
      amount: '0.5',
      certificateCode: CODE,
      revokedAt: null,
    });
    expect(row.learnerName).toBe('Mallory gnp.exe');
  });

  it('when issue and revocation dates are known, then they are stated as the pages show dates', () => {
    const text = certificateText(physician, {
      code: CODE,
      verifyUrl: VERIFY_URL,
      issuedAt: new Date('2026-05-22T15:04:05Z'),
      revokedAt: new Date('2026-06-01T23:59:00Z'),
    });
    expect(text).toMatchObject({ issuedOn: 'May 22, 2026', revokedOn: 'June 1, 2026', status: 'revoked' });
  });
});

describe('a completion on My CE and in the CSV', () => {
  it('when it has a certificate, then date, amount and code read as on the certificate; without one, there is no code', () => {
    expect(
      completionText({
        completedOn: '2026-03-02',
        learnerName: 'Casey Transcript',
        amount: '1',
        certificateCode: CODE,
        revokedAt: new Date('2026-04-01T08:00:00Z'),
      }),
    ).toEqual({
      completedOn: 'March 2, 2026',
      learnerName: 'Casey Transcript',
      amount: '1.0',
      code: GROUPED,
      revokedOn: 'April 1, 2026',
    });
    expect(
      completionText({
        completedOn: '2026-03-02',
        learnerName: 'Casey Transcript',
        amount: '0.25',
        certificateCode: null,
        revokedAt: null,
      }),
    ).toMatchObject({ amount: '0.25', code: null, revokedOn: null });
  });
});

describe('the shared formatters', () => {
  it('when an amount is formatted, then it has at least one decimal, whatever its stored form; text that is no number stays as it is', () => {
    expect(['0.5', '1', '1.00', '0.25', '12'].map(formatCredits)).toEqual([
      '0.5',
      '1.0',
      '1.0',
      '0.25',
      '12.0',
    ]);
    expect(formatCredits({ toString: () => '2.50' })).toBe('2.5');
    expect(formatCredits('n/a')).toBe('n/a');
  });

  it('when an ISO day is formatted, then it is that UTC day, spelled out', () => {
    expect(formatIsoDate('2026-01-01')).toBe('January 1, 2026');
    expect(formatIsoDate('2026-12-31')).toBe('December 31, 2026');
  });

  it('when a statement marks words with *, then those words are the italic runs', () => {
    expect(italicSegments('a *b* c')).toEqual([
      { text: 'a ', italic: false },
      { text: 'b', italic: true },
      { text: ' c', italic: false },
    ]);
    expect(italicSegments('')).toEqual([]);
  });
});
