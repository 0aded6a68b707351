// A record's two actions, end to end: revoking its certificate and correcting its claim (which reissues the
// certificate under a new code), each with a required reason, audited, and seen where the learner and a verifier
// look: the public verification page, My CE, the PDF.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as cheerio from 'cheerio';
import type { CertificateSnapshot } from '../../server/certificates/snapshot';
import { formatCertificateCode } from '../../server/certificates/snapshot';
import type { User } from '../../server/generated/prisma/client';
import { getBinary, signIn, submitForm, visitor, type Agent } from '../support/client';
import { SECOND_ACTIVITY, factsOf, readRecord, startRecordsApp, type RecordsApp } from './records-pages';

const NOW = new Date('2027-06-01T12:00:00Z');
const COMPLETED = new Date('2027-05-22T15:04:05Z');
let app: RecordsApp;
let tmp: string;

beforeAll(async () => {
  app = await startRecordsApp(() => NOW);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-records-test-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await app?.t.close();
});

function pdfText(pdf: Buffer): string {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

const text = (html: string) => cheerio.load(html)('main').text().replace(/\s+/g, ' ');

/** A physician's completion (0.5 AMA credit unless told otherwise), its claim id and certificate code. */
async function completion(fullName: string, options: { activity?: string; amount?: number } = {}) {
  const learner = await app.make.user({ fullName, profession: 'physician', degree: 'MD' });
  const { claim, code } = await app.make.completion(learner, { at: COMPLETED, ...options });
  return { learner, claimId: claim.id, code };
}

const certificate = (code: string) => app.t.db.prisma.certificate.findUniqueOrThrow({ where: { code } });
const verification = async (code: string) => {
  const res = await visitor(app.t.app).get(`/verify/${code}`);
  expect(res.status).toBe(200);
  return { $: cheerio.load(res.text), text: text(res.text), html: res.text };
};
const recordUrl = (claimId: number) => `/admin/records/${claimId}`;
// The token comes from the records list (a record that does not exist has no page to take it from).
const revoke = (agent: Agent, claimId: number, reason: string) =>
  submitForm(agent, '/admin/records', `${recordUrl(claimId)}/revoke`, { reason });
const correct = (agent: Agent, claimId: number, fields: Record<string, string>) =>
  submitForm(agent, '/admin/records', `${recordUrl(claimId)}/correct`, fields);

async function myCe(learner: User) {
  const agent = await signIn(app.t.app, learner.email);
  const $ = cheerio.load((await agent.get('/my-ce').expect(200)).text);
  const rows = $('#completions tbody tr')
    .toArray()
    .map((tr) =>
      $(tr)
        .find('td')
        .toArray()
        .map((td) => $(td).text().replace(/\s+/g, ' ').trim()),
    );
  const totals = $('#totals tbody tr')
    .toArray()
    .map((tr) =>
      $(tr)
        .find('td')
        .toArray()
        .map((td) => $(td).text().trim())
        .join(' '),
    );
  return { agent, rows, totals };
}

describe('revoking a certificate from its record', () => {
  it('when an admin revokes with a reason, then verification, My CE, the PDF, the list, the record and the audit log all say so', async () => {
    const { learner, claimId, code } = await completion('Riley Revoked');
    // A visitor's page is kept for a few seconds: revoking here must not leave the "Valid" page behind.
    expect((await verification(code)).$('#verification-status').text()).toMatch(/^Valid\./);

    const reason = 'Post-test answers were shared <b>between accounts</b>';
    const res = await revoke(app.adminAgent, claimId, reason);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${recordUrl(claimId)}?done=revoked`);

    const after = await verification(code);
    expect(after.$('#verification-status').text().replace(/\s+/g, ' ')).toContain('Revoked on June 1, 2027.');
    expect(after.$('#revoked-reason').text()).toBe(reason);
    expect(after.html).not.toContain('<b>between');

    const stored = await certificate(code);
    expect(stored).toMatchObject({ revokedAt: NOW, revokedReason: reason, revokedById: app.admin.id });
    const audit = await app.t.db.prisma.auditEntry.findMany({ where: { action: 'certificate.revoke' } });
    expect(audit).toEqual([
      expect.objectContaining({
        actorId: app.admin.id,
        targetType: 'certificate',
        targetId: String(stored.id),
        details: { code, claimId, reason },
      }),
    ]);

    const { agent, rows, totals } = await myCe(learner);
    expect(rows[0]![5]).toBe('Revoked on June 1, 2027');
    expect(totals).toEqual([]);
    expect((await getBinary(agent, `/certificates/${code}.pdf`)).status).toBe(410);

    const $ = cheerio.load((await app.adminAgent.get(res.headers.location as string).expect(200)).text);
    expect($('#record-done').text()).toMatch(/^The certificate was revoked/);
    expect($('#certificates tbody tr td.records-status').text().replace(/\s+/g, ' ').trim()).toBe(
      `Revoked on June 1, 2027 by Ada Admin (${app.admin.email}): ${reason}`,
    );
    // Nothing left to act on: no form to revoke again or to correct.
    expect($(`form[action="${recordUrl(claimId)}/revoke"]`)).toHaveLength(0);
    expect($(`form[action="${recordUrl(claimId)}/correct"]`)).toHaveLength(0);
    const listed = cheerio.load(
      (await app.adminAgent.get('/admin/records?certificate=revoked').expect(200)).text,
    );
    expect(listed(`#records a[href="${recordUrl(claimId)}"]`)).toHaveLength(1);

    // Posted again (the layout's sign-out form gives a token): the first revocation stands.
    const again = await submitForm(app.adminAgent, '/admin/records', `${recordUrl(claimId)}/revoke`, {
      reason: 'A second reason that must not replace the first',
    });
    expect(again.status).toBe(409);
    expect((await certificate(code)).revokedReason).toBe(reason);
  });

  it('when the reason is missing or too short, then 422 shows the message at the field, keeps the text, and nothing changes', async () => {
    const { claimId, code } = await completion('Nora Noreason');
    for (const reason of ['', '   ', 'no']) {
      const res = await revoke(app.adminAgent, claimId, reason);
      expect(res.status).toBe(422);
      const $ = cheerio.load(res.text);
      expect($('#revoke-reason-error').text()).toBe('Give the reason for revoking, in 5 to 500 characters.');
      expect($('#revoke-reason').attr('aria-invalid')).toBe('true');
      expect($('#revoke-reason').text()).toBe(reason);
    }
    expect((await certificate(code)).revokedAt).toBeNull();
    expect(await app.t.db.prisma.auditEntry.count({ where: { targetType: 'certificate' } })).toBe(1);
  });

  it('when the record does not exist, then 404', async () => {
    await readRecord(app.adminAgent, 999_999, 404);
    expect((await revoke(app.adminAgent, 999_999, 'A reason long enough')).status).toBe(404);
    expect(
      (
        await correct(app.adminAgent, 999_999, {
          amount: '0.25',
          creditCode: 'AMA_PRA_1',
          reason: 'x'.repeat(9),
        })
      ).status,
    ).toBe(404);
  });
});

describe('correcting a claim', () => {
  it('when an admin corrects the amount, then a new certificate states it, the old code verifies as superseded, and everything else follows', async () => {
    const { learner, claimId, code } = await completion('Cora Corrected', {
      activity: SECOND_ACTIVITY,
      amount: 0.5,
    });
    expect((await verification(code)).$('#verification-status').text()).toMatch(/^Valid\./);
    const before = await certificate(code);

    const reason = 'Learner attested the full activity; 0.5 was a slip of the pointer.';
    const res = await correct(app.adminAgent, claimId, { amount: '1.0', creditCode: 'AMA_PRA_1', reason });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${recordUrl(claimId)}?done=corrected`);

    const old = await certificate(code);
    const reissued = await app.t.db.prisma.certificate.findFirstOrThrow({
      where: { claimId, supersededAt: null },
    });
    expect(reissued.code).not.toBe(code);
    expect(old).toMatchObject({ supersededAt: NOW, supersededById: reissued.id, revokedAt: null });
    expect(reissued).toMatchObject({ issuedAt: NOW, revokedAt: null });
    // The snapshot states the corrected amount; everything else is the old certificate's.
    expect(reissued.snapshot).toEqual({
      ...(before.snapshot as unknown as CertificateSnapshot),
      amount: '1.0',
    });

    const claim = await app.t.db.prisma.creditClaim.findUniqueOrThrow({ where: { id: claimId } });
    expect(claim.amount.toString()).toBe('1');
    expect(claim.creditCode).toBe('AMA_PRA_1');
    const corrections = await app.t.db.prisma.claimCorrection.findMany({ where: { claimId } });
    expect(
      corrections.map((c) => ({
        ...c,
        fromAmount: c.fromAmount.toString(),
        toAmount: c.toAmount.toString(),
      })),
    ).toEqual([
      expect.objectContaining({
        actorId: app.admin.id,
        fromAmount: '0.5',
        toAmount: '1',
        fromCreditCode: 'AMA_PRA_1',
        toCreditCode: 'AMA_PRA_1',
        reason,
        createdAt: NOW,
      }),
    ]);
    const audit = await app.t.db.prisma.auditEntry.findFirstOrThrow({ where: { action: 'record.correct' } });
    expect(audit).toMatchObject({
      actorId: app.admin.id,
      targetType: 'claim',
      targetId: String(claimId),
      details: {
        from: { amount: '0.5', creditCode: 'AMA_PRA_1' },
        to: { amount: '1.0', creditCode: 'AMA_PRA_1' },
        reason,
        supersededCode: code,
        code: reissued.code,
      },
    });

    // The old code: superseded, with the date; the new code is not given away.
    const superseded = await verification(code);
    expect(superseded.$('#verification-status').text().replace(/\s+/g, ' ')).toMatch(
      /^ ?Superseded on June 1, 2027\./,
    );
    expect(superseded.text).toContain('Ask the holder for the current certificate');
    expect(superseded.html).not.toContain(reissued.code);
    expect(superseded.html).not.toContain(formatCertificateCode(reissued.code));
    expect(superseded.$('form[action*="revoke"]')).toHaveLength(0);
    // The new code: valid, stating the corrected credit.
    const current = await verification(reissued.code);
    expect(current.$('#verification-status').text()).toMatch(/^Valid\./);
    expect(factsOf(current.$, '#certificate-facts').Credit).toBe('1.0 AMA PRA Category 1 Credit™');

    // My CE and the PDF: the new certificate, the corrected credit; the old PDF is gone.
    const { agent, rows, totals } = await myCe(learner);
    expect(rows).toHaveLength(1);
    expect(rows[0]![3]).toBe('1.0');
    expect(rows[0]![6]).toContain(formatCertificateCode(reissued.code));
    expect(totals).toEqual(['AMA PRA Category 1 Credit™ 1.0']);
    const pdf = await getBinary(agent, `/certificates/${reissued.code}.pdf`);
    expect(pdf.status).toBe(200);
    const content = pdfText(pdf.body as Buffer);
    expect(content).toContain('1.0 AMA PRA Category 1 Credit™');
    expect(content).toContain(formatCertificateCode(reissued.code));
    expect(content).toContain('Cora Corrected, MD');
    const gone = await getBinary(agent, `/certificates/${code}.pdf`);
    expect(gone.status).toBe(410);

    // The record: both certificates with their states, the correction with its reason.
    const { $ } = await readRecord(app.adminAgent, claimId);
    const certificates = $('#certificates tbody tr')
      .toArray()
      .map((tr) => $(tr).text().replace(/\s+/g, ' ').trim());
    expect(certificates).toEqual([
      `${formatCertificateCode(code)} May 22, 2027, 03:04 PM UTC 0.5 AMA PRA Category 1 Credit™ ` +
        `Superseded on June 1, 2027 by ${formatCertificateCode(reissued.code)}`,
      `${formatCertificateCode(reissued.code)} current Jun 1, 2027, 12:00 PM UTC 1.0 AMA PRA Category 1 Credit™ Valid`,
    ]);
    const correction = $('#corrections tbody tr td')
      .toArray()
      .map((td) => $(td).text().trim());
    expect(correction).toEqual([
      'Jun 1, 2027, 12:00 PM UTC',
      `Ada Admin (${app.admin.email})`,
      '0.5 → 1.0',
      'AMA_PRA_1 → AMA_PRA_1',
      reason,
    ]);
    expect(factsOf($, '#claim-facts').Amount).toBe('1.0 of 1.0');
  });

  it('when the credit type is corrected, then the new certificate names it, with its own designation, on the PDF too', async () => {
    const { learner, claimId, code } = await completion('Parker Participant');
    const res = await correct(app.adminAgent, claimId, {
      amount: '0.25',
      creditCode: 'PARTICIPATION',
      reason: 'Not a physician in this activity: participation only.',
    });
    expect(res.status).toBe(303);
    const reissued = await app.t.db.prisma.certificate.findFirstOrThrow({
      where: { claimId, supersededAt: null },
    });
    const snapshot = reissued.snapshot as unknown as CertificateSnapshot;
    const old = (await certificate(code)).snapshot as unknown as CertificateSnapshot;
    expect(snapshot).toMatchObject({ creditCode: 'PARTICIPATION', amount: '0.25' });
    expect(snapshot.creditLabel).toBe('Certificate of participation (hours)');
    expect(snapshot.designationStatement).not.toBe(old.designationStatement);
    expect({ ...snapshot, creditCode: 0, creditLabel: 0, amount: 0, designationStatement: 0 }).toEqual({
      ...old,
      creditCode: 0,
      creditLabel: 0,
      amount: 0,
      designationStatement: 0,
    });
    const { agent } = await myCe(learner);
    const content = pdfText((await getBinary(agent, `/certificates/${reissued.code}.pdf`)).body as Buffer);
    expect(content).toContain('Certificate of participation');
    expect(content).toContain('0.25 hours of participation');
    expect(content).not.toContain('AMA PRA Category 1 Credit');
  });

  it('when the form is not valid, then 422 shows each message at its field with the values typed, and nothing changes', async () => {
    const { claimId, code } = await completion('Vera Validation', { activity: SECOND_ACTIVITY });
    const cases: [Record<string, string>, string, string][] = [
      [
        { amount: '0.75', creditCode: 'AMA_PRA_1', reason: '' },
        '#correct-reason-error',
        'Give the reason, in 5 to 500 characters.',
      ],
      [
        { amount: '0.3', creditCode: 'AMA_PRA_1', reason: 'A good reason' },
        '#amount-error',
        'Choose an amount from 0.25 to 1.0, in steps of 0.25.',
      ],
      [
        { amount: '1.25', creditCode: 'AMA_PRA_1', reason: 'A good reason' },
        '#amount-error',
        'Choose an amount from 0.25 to 1.0, in steps of 0.25.',
      ],
      [
        { amount: '0', creditCode: 'AMA_PRA_1', reason: 'A good reason' },
        '#amount-error',
        'Choose an amount from 0.25 to 1.0, in steps of 0.25.',
      ],
      [
        { amount: '0.75', creditCode: 'BOGUS', reason: 'A good reason' },
        '#creditCode-error',
        'Choose one of the activity’s credit types.',
      ],
      [
        { amount: '0.5', creditCode: 'AMA_PRA_1', reason: 'A good reason' },
        '#amount-error',
        'Change the amount or the credit type.',
      ],
    ];
    for (const [fields, selector, message] of cases) {
      const res = await correct(app.adminAgent, claimId, fields);
      expect([fields, res.status]).toEqual([fields, 422]);
      const $ = cheerio.load(res.text);
      expect($(selector).text()).toBe(message);
      expect($('#correct-reason').text()).toBe(fields.reason);
    }
    const kept = cheerio.load(
      (await correct(app.adminAgent, claimId, { amount: '0.75', creditCode: 'ANCC', reason: '' })).text,
    );
    expect(kept('#amount option[selected]').attr('value')).toBe('0.75');
    expect(kept('#creditCode option[selected]').attr('value')).toBe('ANCC');
    expect(await app.t.db.prisma.claimCorrection.count({ where: { claimId } })).toBe(0);
    expect(await certificate(code)).toMatchObject({ supersededAt: null });
  });

  it('when a revoked record is corrected, then 409; after a correction, revoking revokes the new certificate, never the superseded one', async () => {
    const revoked = await completion('Rex Revoked');
    expect((await revoke(app.adminAgent, revoked.claimId, 'Revoked before any correction')).status).toBe(303);
    const refused = await submitForm(
      app.adminAgent,
      '/admin/records',
      `${recordUrl(revoked.claimId)}/correct`,
      {
        amount: '0.25',
        creditCode: 'AMA_PRA_1',
        reason: 'Trying to correct a revoked record',
      },
    );
    expect(refused.status).toBe(409);
    expect(await app.t.db.prisma.certificate.count({ where: { claimId: revoked.claimId } })).toBe(1);

    const corrected = await completion('Sam Sequence');
    await correct(app.adminAgent, corrected.claimId, {
      amount: '0.25',
      creditCode: 'AMA_PRA_1',
      reason: 'Half of it',
    });
    // The superseded code cannot be revoked from the verification page either.
    const viaVerify = await submitForm(
      app.adminAgent,
      `/verify/${corrected.code}`,
      `/admin/certificates/${corrected.code}/revoke`,
      { reason: 'Revoking the old paper' },
    );
    expect(viaVerify.status).toBe(409);
    expect((await revoke(app.adminAgent, corrected.claimId, 'Revoked after the correction')).status).toBe(
      303,
    );
    const all = await app.t.db.prisma.certificate.findMany({
      where: { claimId: corrected.claimId },
      orderBy: { id: 'asc' },
    });
    expect(
      all.map((c) => [c.code === corrected.code, c.supersededAt !== null, c.revokedAt !== null]),
    ).toEqual([
      [true, true, false],
      [false, false, true],
    ]);
    expect((await verification(corrected.code)).$('#verification-status').text()).toMatch(/^\s*Superseded/);
  });
});
