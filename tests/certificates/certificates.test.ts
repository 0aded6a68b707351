// Certificates as a learner, a verifier and an admin meet them: the PDF (text, QR code), the public
// verification page, revocation, the transcript and its CSV. Claims and certificates are created directly
// in the database, as the claim service would leave them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as cheerio from 'cheerio';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import request from 'supertest';
import {
  formatCertificateCode,
  newCertificateCode,
  type CertificateSnapshot,
} from '../../server/certificates/snapshot';
import { formatDate } from '../../server/catalogue/view-model';
import { createTestApp, type TestApp } from '../support/app';
import { createUser, signIn, submitForm, type Agent } from '../support/session';

const ACTIVITY_SLUG = 'renal-leiomyosarcoma';
const APP_URL = 'http://localhost:3000';

let t: TestApp;
let tmp: string;
beforeAll(async () => {
  t = await createTestApp();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-cert-test-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await t?.close();
});

type User = Awaited<ReturnType<typeof createUser>>;

async function activityBySlug(slug: string) {
  return t.db.prisma.activity.findUniqueOrThrow({ where: { slug } });
}

/** A second activity, so that a transcript has two completions (the content has only one). */
async function secondActivity() {
  const existing = await t.db.prisma.activity.findUnique({ where: { slug: 'second-test-activity' } });
  if (existing) return existing;
  return t.db.prisma.activity.create({
    data: {
      slug: 'second-test-activity',
      title: 'A Second Test Activity',
      description: 'Only for the transcript test.',
      contentHash: 'f'.repeat(64),
      releaseDate: new Date('2026-01-01T00:00:00Z'),
      reviewDate: new Date('2027-01-01T00:00:00Z'),
      expirationDate: new Date('2028-01-01T00:00:00Z'),
      estimatedMinutes: 60,
      maxCredits: '1.00',
      passingScorePercent: 75,
      details: {},
    },
  });
}

/** Everything the claim service writes for one passed, evaluated and claimed activity. */
async function issueCertificate(
  user: User,
  options: {
    activitySlug?: string;
    snapshot?: Partial<CertificateSnapshot>;
    completedAt?: Date;
    amount?: string;
  } = {},
) {
  const slug = options.activitySlug ?? ACTIVITY_SLUG;
  const activity = slug === ACTIVITY_SLUG ? await activityBySlug(slug) : await secondActivity();
  const completedAt = options.completedAt ?? new Date('2026-05-22T15:04:05Z');
  const amount = options.amount ?? '0.5';
  const prisma = t.db.prisma;
  const attempt = await prisma.attempt.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      number: 1,
      status: 'scored',
      submittedAt: completedAt,
      itemCount: 12,
      correctCount: 10,
      scorePercent: '83.33',
      passed: true,
      passingScorePercent: 75,
    },
  });
  const evaluation = await prisma.evaluation.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      objectiveRatings: { O1: 5, O2: 4, O3: 5 },
      relevance: 5,
      freeOfBias: true,
      intendedChange: 'Refer earlier to a sarcoma centre.',
      overallQuality: 5,
    },
  });
  const claim = await prisma.creditClaim.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      attemptId: attempt.id,
      evaluationId: evaluation.id,
      creditCode: 'AMA_PRA_1',
      creditLabel: 'AMA PRA Category 1 Credit™',
      amount,
      maxAmount: amount,
      completedAt,
      learner: {
        fullName: user.fullName,
        degree: user.degree,
        profession: user.profession,
        email: user.email,
        npi: '1234567893',
      },
    },
  });
  const code = newCertificateCode();
  const snapshot: CertificateSnapshot = {
    learnerName: user.fullName,
    learnerDegree: user.degree,
    profession: user.profession,
    activityTitle: activity.title,
    activitySlug: activity.slug,
    activityVersion: activity.contentHash.slice(0, 12),
    completedOn: completedAt.toISOString().slice(0, 10),
    creditCode: 'AMA_PRA_1',
    creditLabel: 'AMA PRA Category 1 Credit™',
    amount,
    maxAmount: amount,
    scorePercent: '83.33',
    providerName: 'CME Platform Continuing Education',
    accreditationStatement:
      'CME Platform Continuing Education is accredited by the Accreditation Council for Continuing Medical ' +
      'Education (ACCME) to provide continuing medical education for physicians.',
    designationStatement:
      'CME Platform Continuing Education designates this enduring material for a maximum of 0.5 ' +
      '*AMA PRA Category 1 Credits*™. Physicians should claim only the credit commensurate with the extent ' +
      'of their participation in the activity.',
    uan: null,
    ...options.snapshot,
  };
  await prisma.certificate.create({
    data: { claimId: claim.id, code, snapshot: snapshot as unknown as object },
  });
  return { code, snapshot, claim };
}

/** A learner with an NPI on the profile (which must never appear on the public page). */
async function learner(fullName = 'Avery Quinn-Okafor') {
  const user = await createUser(t.db.prisma, { fullName });
  return t.db.prisma.user.update({ where: { id: user.id }, data: { npi: '1234567893' } });
}

const binary = (res: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

async function downloadPdf(agent: Agent, code: string) {
  return agent
    .get(`/certificates/${code}.pdf`)
    .buffer(true)
    .parse(binary as never);
}

function pdfText(pdf: Buffer): string {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

/** Every QR code found in the images embedded in the PDF. */
function qrCodesIn(pdf: Buffer): string[] {
  const dir = fs.mkdtempSync(path.join(tmp, 'images-'));
  const file = path.join(dir, 'certificate.pdf');
  fs.writeFileSync(file, pdf);
  execFileSync('/usr/bin/pdfimages', ['-png', file, path.join(dir, 'image')]);
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.png'))
    .map((name) => {
      const png = PNG.sync.read(fs.readFileSync(path.join(dir, name)));
      return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    })
    .filter((data): data is string => typeof data === 'string');
}

const text = (html: string) => cheerio.load(html)('main').text().replace(/\s+/g, ' ');

describe('the PDF certificate', () => {
  it('when the owner downloads it, then it states the snapshot (name, activity, credit, ™, code) and its QR code opens the verification page', async () => {
    const user = await learner();
    const { code } = await issueCertificate(user);
    const agent = await signIn(t.app, user.email);
    const res = await downloadPdf(agent, code);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?certificate-renal-leiomyosarcoma-2026-05-22\.pdf"?$/,
    );
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    const content = pdfText(pdf);
    expect(content).toContain('Certificate of completion');
    expect(content).toContain('Avery Quinn-Okafor, MD');
    expect(content).toContain('Renal Leiomyosarcoma');
    expect(content).toContain('May 22, 2026');
    expect(content).toContain('0.5 AMA PRA Category 1 Credit™');
    expect(content).toContain('AMA PRA Category 1 Credits™');
    expect(content).toContain(formatCertificateCode(code));
    expect(content).toContain(`${APP_URL}/verify/${code}`);
    expect(content).toContain('CME Platform Continuing Education');

    expect(qrCodesIn(pdf)).toEqual([`${APP_URL}/verify/${code}`]);
  });

  it('when another learner or an admin asks for it, then it does not exist for them; a visitor is sent to sign in', async () => {
    const owner = await learner();
    const { code } = await issueCertificate(owner);
    const other = await createUser(t.db.prisma);
    const admin = await createUser(t.db.prisma, { role: 'admin' });
    expect((await downloadPdf(await signIn(t.app, other.email), code)).status).toBe(404);
    expect((await downloadPdf(await signIn(t.app, admin.email), code)).status).toBe(404);
    const anonymous = await request(t.app).get(`/certificates/${code}.pdf`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe(`/login?next=${encodeURIComponent(`/certificates/${code}.pdf`)}`);
    const ownerAgent = await signIn(t.app, owner.email);
    expect((await downloadPdf(ownerAgent, 'not-a-code')).status).toBe(404);
    expect((await downloadPdf(ownerAgent, newCertificateCode())).status).toBe(404);
  });

  it('when the learner changes the name on the profile, then the certificate still states the name it was issued with', async () => {
    const user = await learner('Jordan Original');
    const { code } = await issueCertificate(user);
    await t.db.prisma.user.update({
      where: { id: user.id },
      data: { fullName: 'Jordan Renamed', degree: 'DO' },
    });
    const agent = await signIn(t.app, user.email);
    const content = pdfText((await downloadPdf(agent, code)).body as Buffer);
    expect(content).toContain('Jordan Original, MD');
    expect(content).not.toContain('Renamed');
    const page = text((await request(t.app).get(`/verify/${code}`).expect(200)).text);
    expect(page).toContain('Jordan Original');
    expect(page).not.toContain('Renamed');
  });
  it('when the credit is participation and the activity has a UAN, then the PDF says so', async () => {
    const user = await learner('Morgan Participant');
    const { code } = await issueCertificate(user, {
      snapshot: {
        creditCode: 'PARTICIPATION',
        creditLabel: 'Certificate of participation (hours)',
        designationStatement: '',
        uan: 'JA0000000-0000-26-001-H01-P',
      },
    });
    const content = pdfText((await downloadPdf(await signIn(t.app, user.email), code)).body as Buffer);
    expect(content).toContain('Certificate of participation');
    expect(content).not.toContain('Certificate of completion');
    expect(content).toContain('0.5 hours of participation');
    expect(content).toContain('UAN: JA0000000-0000-26-001-H01-P');
  });

  it('when the name was stored with a bidi control, then the PDF states it without the control, as the verification page does', async () => {
    const user = await learner('Avery Okafor');
    const { code } = await issueCertificate(user, { snapshot: { learnerName: 'Mallory \u202Egnp.exe' } });
    const content = pdfText((await downloadPdf(await signIn(t.app, user.email), code)).body as Buffer);
    expect(content).toContain('Mallory gnp.exe, MD');
    expect(content).not.toContain('?gnp');
    const page = cheerio.load((await request(t.app).get(`/verify/${code}`).expect(200)).text);
    expect(page('#certificate-facts dd').first().text()).toBe('Mallory gnp.exe');
  });
});

describe('public verification', () => {
  it('when a valid code is checked, then the page says Valid and shows only name, activity, completion, credit, code and issue date', async () => {
    const user = await learner('Sam Verifiable');
    const { code } = await issueCertificate(user);
    const res = await request(t.app).get(`/verify/${code}`).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toBe('noindex');
    const $ = cheerio.load(res.text);
    expect($('#verification-status').text()).toMatch(/^Valid\./);
    const facts = Object.fromEntries(
      $('#certificate-facts > div')
        .toArray()
        .map((row) => [$(row).find('dt').text(), $(row).find('dd').text()]),
    );
    expect(facts).toEqual({
      Learner: 'Sam Verifiable',
      Activity: 'Renal Leiomyosarcoma',
      'Completed on': 'May 22, 2026',
      Credit: '0.5 AMA PRA Category 1 Credit™',
      'Certificate code': formatCertificateCode(code),
      'Issued on': formatDate(new Date()),
    });
    const page = text(res.text);
    expect(page).not.toContain(user.email);
    expect(page).not.toContain('1234567893');
    expect(page).not.toContain('83.33');
    expect(page).not.toContain('83%');
    expect(page).not.toMatch(/\bMD\b/);
    expect($('form[action*="revoke"]')).toHaveLength(0);
  });

  it('when a code is typed grouped, lower- or upper-case, then the form leads to the canonical page', async () => {
    const { code } = await issueCertificate(await learner());
    for (const typed of [
      formatCertificateCode(code),
      code.toUpperCase(),
      code,
      ` ${formatCertificateCode(code).toLowerCase()} `,
    ]) {
      const res = await request(t.app).get('/verify').query({ code: typed }).expect(302);
      expect(res.headers.location).toBe(`/verify/${code}`);
    }
    const grouped = await request(t.app)
      .get(`/verify/${formatCertificateCode(code)}`)
      .expect(301);
    expect(grouped.headers.location).toBe(`/verify/${code}`);
  });

  it('when the form is opened without a code, then it asks for one with a label', async () => {
    const $ = cheerio.load((await request(t.app).get('/verify').expect(200)).text);
    expect($('form[method=get][action="/verify"] label[for=code]').text()).toMatch(/Certificate code/);
    expect($('#code').attr('name')).toBe('code');
  });

  it('when a well-formed code matches no certificate, then the answer is 404 Not found', async () => {
    const res = await request(t.app).get(`/verify/${newCertificateCode()}`).expect(404);
    expect(cheerio.load(res.text)('#verification-status').text()).toMatch(/^Not found\./);
    expect(res.headers['cache-control']).toBe('no-store');
    await request(t.app).get('/verify/not-a-certificate-code').expect(404);
  });

  it('when a malformed code is typed, then the form comes back with an error and the typed value', async () => {
    const res = await request(t.app).get('/verify').query({ code: '1234-XYZ' }).expect(422);
    const $ = cheerio.load(res.text);
    expect($('#code-error').text()).toMatch(/Enter the certificate code/);
    expect($('#code').attr('value')).toBe('1234-XYZ');
    expect($('#code').attr('aria-invalid')).toBe('true');
  });
});

describe('revocation', () => {
  it('when a learner posts a revocation, then it is forbidden and the certificate stays valid', async () => {
    const owner = await learner();
    const { code } = await issueCertificate(owner);
    const agent = await signIn(t.app, owner.email);
    const res = await submitForm(agent, `/verify/${code}`, `/admin/certificates/${code}/revoke`, {
      reason: 'I would like to revoke my own certificate',
    });
    expect(res.status).toBe(403);
    const certificate = await t.db.prisma.certificate.findUniqueOrThrow({ where: { code } });
    expect(certificate.revokedAt).toBeNull();
  });

  it('when an admin revokes with a reason, then verification reports the date and reason, the audit log has it, and the PDF is withdrawn', async () => {
    const owner = await learner('Riley Revoked');
    const { code } = await issueCertificate(owner);
    const admin = await createUser(t.db.prisma, { role: 'admin' });
    const agent = await signIn(t.app, admin.email);
    // A visitor's page is kept for a few seconds: revoking must not leave the "Valid" page behind.
    const before = cheerio.load((await request(t.app).get(`/verify/${code}`).expect(200)).text);
    expect(before('#verification-status').text()).toMatch(/^Valid\./);

    const form = cheerio.load((await agent.get(`/verify/${code}`).expect(200)).text);
    expect(form(`form[action="/admin/certificates/${code}/revoke"] label[for=reason]`).text()).toMatch(
      /Reason/,
    );

    const tooShort = await submitForm(agent, `/verify/${code}`, `/admin/certificates/${code}/revoke`, {
      reason: 'no',
    });
    expect(tooShort.status).toBe(422);
    expect(cheerio.load(tooShort.text)('#reason-error').text()).toMatch(/5 to 500 characters/);

    const reason = 'Post-test answers were shared <b>between accounts</b>';
    const res = await submitForm(agent, `/verify/${code}`, `/admin/certificates/${code}/revoke`, { reason });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/verify/${code}`);

    const page = await request(t.app).get(`/verify/${code}`).expect(200);
    const $ = cheerio.load(page.text);
    expect($('#verification-status').text().replace(/\s+/g, ' ')).toContain(
      `Revoked on ${formatDate(new Date())}.`,
    );
    expect($('#revoked-reason').text()).toBe(reason);
    expect(page.text).not.toContain('<b>between');

    const entries = await t.db.prisma.auditEntry.findMany({ where: { action: 'certificate.revoke' } });
    const certificate = await t.db.prisma.certificate.findUniqueOrThrow({ where: { code } });
    expect(entries).toEqual([
      expect.objectContaining({
        actorId: admin.id,
        targetType: 'certificate',
        targetId: String(certificate.id),
        details: expect.objectContaining({ code, reason }),
      }),
    ]);

    const again = await submitForm(agent, `/verify/${code}`, `/admin/certificates/${code}/revoke`, {
      reason: 'A second reason that must not replace the first',
    });
    // The page has no revoke form any more; the token comes from the layout's sign-out form.
    expect(again.status).toBe(409);
    expect((await t.db.prisma.certificate.findUniqueOrThrow({ where: { code } })).revokedReason).toBe(reason);

    const ownerAgent = await signIn(t.app, owner.email);
    expect((await downloadPdf(ownerAgent, code)).status).toBe(410);
  });
});

describe('the transcript (My CE)', () => {
  it('when a learner has completions, then My CE lists them newest first with totals per credit type', async () => {
    const user = await learner('Casey Transcript');
    const first = await issueCertificate(user, { completedAt: new Date('2026-03-02T10:00:00Z') });
    const second = await issueCertificate(user, {
      activitySlug: 'second-test-activity',
      completedAt: new Date('2026-05-22T10:00:00Z'),
      amount: '1',
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
        'May 22, 2026',
        'A Second Test Activity',
        'AMA PRA Category 1 Credit™',
        '1.0',
        '83.33%',
        'Download PDF certificate for A Second Test Activity',
        `${formatCertificateCode(second.code)} (verification page)`,
      ],
      [
        'March 2, 2026',
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
      `2026-05-22,"'=HYPERLINK(""x"")",Renal Leiomyosarcoma,AMA PRA Category 1 Credit™,0.5,83.33,${formatCertificateCode(code)},${APP_URL}/verify/${code},valid`,
    ]);
  });

  it('when a visitor asks for My CE, then sign-in is asked', async () => {
    expect((await request(t.app).get('/my-ce').expect(302)).headers.location).toBe('/login?next=%2Fmy-ce');
    expect((await request(t.app).get('/my-ce.csv').expect(302)).headers.location).toBe(
      '/login?next=%2Fmy-ce.csv',
    );
  });
});

// Last: it uses up this address's verification allowance for the next minute.
describe('rate limiting', () => {
  it('when one address checks more than 120 codes in a minute, then it gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 121; i += 1) {
      const res = await request(t.app).get(`/verify/${newCertificateCode()}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 404)).toBe(true);
  });
});
