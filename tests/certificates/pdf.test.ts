// The PDF certificate as its owner downloads it: the text it states (from the frozen snapshot), its QR code, and
// who else may not have it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as cheerio from 'cheerio';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { formatCertificateCode, newCertificateCode } from '../../server/certificates/snapshot';
import { createTestApp, type TestApp } from '../support/app';
import { getBinary, signIn, visitor, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { APP_URL, certificateMaker, type CertificateMaker } from './issued';

let tmp: string;
let t: TestApp;
let make: Factories;
let issueCertificate: CertificateMaker['issue'];
let learner: CertificateMaker['learner'];
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  ({ issue: issueCertificate, learner } = certificateMaker(make));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-cert-test-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await t?.close();
});

const downloadPdf = (agent: Agent, code: string) => getBinary(agent, `/certificates/${code}.pdf`);

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
      /^attachment; filename="?certificate-renal-leiomyosarcoma-2027-05-22\.pdf"?$/,
    );
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    const content = pdfText(pdf);
    expect(content).toContain('Certificate of completion');
    expect(content).toContain('Avery Quinn-Okafor, MD');
    expect(content).toContain('Renal Leiomyosarcoma');
    expect(content).toContain('May 22, 2027');
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
    const other = await make.user();
    const admin = await make.user({ role: 'admin' });
    expect((await downloadPdf(await signIn(t.app, other.email), code)).status).toBe(404);
    expect((await downloadPdf(await signIn(t.app, admin.email), code)).status).toBe(404);
    const anonymous = await visitor(t.app).get(`/certificates/${code}.pdf`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe(`/login?next=${encodeURIComponent(`/certificates/${code}.pdf`)}`);
    const ownerAgent = await signIn(t.app, owner.email);
    expect((await downloadPdf(ownerAgent, 'not-a-code')).status).toBe(404);
    expect((await downloadPdf(ownerAgent, newCertificateCode())).status).toBe(404);
  });

  it('when the learner changes the name on the profile, then the certificate still states the name it was issued with', async () => {
    const user = await learner('Jordan Original');
    const { code } = await issueCertificate(user);
    await make.updateProfile(user, { fullName: 'Jordan Renamed', degree: 'DO' });
    const agent = await signIn(t.app, user.email);
    const content = pdfText((await downloadPdf(agent, code)).body as Buffer);
    expect(content).toContain('Jordan Original, MD');
    expect(content).not.toContain('Renamed');
    const page = text((await visitor(t.app).get(`/verify/${code}`).expect(200)).text);
    expect(page).toContain('Jordan Original');
    expect(page).not.toContain('Renamed');
  });
  it('when the credit is participation and the activity has a UAN, then the PDF says so', async () => {
    // Other healthcare professionals earn a certificate of participation.
    const user = await learner('Morgan Participant', { profession: 'other', degree: 'BSW' });
    const { code } = await issueCertificate(user);
    // No activity can state a UAN yet (the catalogue's view of an activity has none), so the one part of a snapshot
    // the claim service cannot write is added to the issued certificate by hand.
    const { snapshot } = await t.db.prisma.certificate.findUniqueOrThrow({ where: { code } });
    await t.db.prisma.certificate.update({
      where: { code },
      data: { snapshot: { ...(snapshot as object), uan: 'JA0000000-0000-26-001-H01-P' } },
    });
    const content = pdfText((await downloadPdf(await signIn(t.app, user.email), code)).body as Buffer);
    expect(content).toContain('Certificate of participation');
    expect(content).not.toContain('Certificate of completion');
    expect(content).toContain('0.5 hours of participation');
    expect(content).toContain('UAN: JA0000000-0000-26-001-H01-P');
  });

  it('when the name was stored with a bidi control, then the PDF states it without the control, as the verification page does', async () => {
    const user = await learner('Avery Okafor');
    // A name stored before names refused bidi controls (registration refuses it now); the claim freezes it as stored.
    await t.db.prisma.user.update({ where: { id: user.id }, data: { fullName: 'Mallory \u202Egnp.exe' } });
    const { code } = await issueCertificate(user);
    const content = pdfText((await downloadPdf(await signIn(t.app, user.email), code)).body as Buffer);
    expect(content).toContain('Mallory gnp.exe, MD');
    expect(content).not.toContain('?gnp');
    const page = cheerio.load((await visitor(t.app).get(`/verify/${code}`).expect(200)).text);
    expect(page('#certificate-facts dd').first().text()).toBe('Mallory gnp.exe');
  });
});
