// The public verification page and revocation: what anyone may learn about a code, what an admin may change,
// and the limit on lookups.
import * as cheerio from 'cheerio';
import { formatCertificateCode, newCertificateCode } from '../../server/certificates/snapshot';
import { formatDate } from '../../server/catalogue/view-model';
import { createTestApp, type TestApp } from '../support/app';
import { getBinary, signIn, submitForm, visitor } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { certificateMaker, completedAt, type CertificateMaker } from './issued';

let t: TestApp;
let make: Factories;
let issueCertificate: CertificateMaker['issue'];
let learner: CertificateMaker['learner'];
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  ({ issue: issueCertificate, learner } = certificateMaker(make));
});
afterAll(() => t?.close());

const text = (html: string) => cheerio.load(html)('main').text().replace(/\s+/g, ' ');

describe('public verification', () => {
  it('when a valid code is checked, then the page says Valid and shows only name, activity, completion, credit, code and issue date', async () => {
    const user = await learner('Sam Verifiable');
    const { code } = await issueCertificate(user);
    const res = await visitor(t.app).get(`/verify/${code}`).expect(200);
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
      'Completed on': 'May 22, 2027',
      Credit: '0.5 AMA PRA Category 1 Credit™',
      'Certificate code': formatCertificateCode(code),
      // The claim service issues the certificate at completion.
      'Issued on': formatDate(completedAt),
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
      const res = await visitor(t.app).get('/verify').query({ code: typed }).expect(302);
      expect(res.headers.location).toBe(`/verify/${code}`);
    }
    const grouped = await visitor(t.app)
      .get(`/verify/${formatCertificateCode(code)}`)
      .expect(301);
    expect(grouped.headers.location).toBe(`/verify/${code}`);
  });

  it('when the form is opened without a code, then it asks for one with a label', async () => {
    const $ = cheerio.load((await visitor(t.app).get('/verify').expect(200)).text);
    expect($('form[method=get][action="/verify"] label[for=code]').text()).toMatch(/Certificate code/);
    expect($('#code').attr('name')).toBe('code');
  });

  it('when a well-formed code matches no certificate, then the answer is 404 Not found', async () => {
    const res = await visitor(t.app).get(`/verify/${newCertificateCode()}`).expect(404);
    expect(cheerio.load(res.text)('#verification-status').text()).toMatch(/^Not found\./);
    expect(res.headers['cache-control']).toBe('no-store');
    await visitor(t.app).get('/verify/not-a-certificate-code').expect(404);
  });

  it('when a malformed code is typed, then the form comes back with an error and the typed value', async () => {
    const res = await visitor(t.app).get('/verify').query({ code: '1234-XYZ' }).expect(422);
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
    const admin = await make.user({ role: 'admin' });
    const agent = await signIn(t.app, admin.email);
    // A visitor's page is kept for a few seconds: revoking must not leave the "Valid" page behind.
    const before = cheerio.load((await visitor(t.app).get(`/verify/${code}`).expect(200)).text);
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

    const page = await visitor(t.app).get(`/verify/${code}`).expect(200);
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
        details: expect.objectContaining({ code, reason }) as unknown,
      }),
    ]);

    const again = await submitForm(agent, `/verify/${code}`, `/admin/certificates/${code}/revoke`, {
      reason: 'A second reason that must not replace the first',
    });
    // The page has no revoke form any more; the token comes from the layout's sign-out form.
    expect(again.status).toBe(409);
    expect((await t.db.prisma.certificate.findUniqueOrThrow({ where: { code } })).revokedReason).toBe(reason);

    const ownerAgent = await signIn(t.app, owner.email);
    expect((await getBinary(ownerAgent, `/certificates/${code}.pdf`)).status).toBe(410);
  });
});

// Last: it uses up this address's verification allowance for the next minute.
describe('rate limiting', () => {
  it('when one address checks more than 120 codes in a minute, then it gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 121; i += 1) {
      const res = await visitor(t.app).get(`/verify/${newCertificateCode()}`);
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
