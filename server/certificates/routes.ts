// Certificates as learners, verifiers and admins see them: the PDF download (owner only), the public
// verification page (rate limited, minimal data), revocation (admins) and the learner's CE transcript.
import { Router, type Request, type Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import type { Throttle } from '../auth/throttle';
import { formatDate } from '../catalogue/view-model';
import type { PrismaClient } from '../generated/prisma/client';
import { allow } from '../http/access';
import { HttpError, NotFoundError } from '../http/errors';
import { creditLine, formatAmount, formatIsoDate, renderCertificatePdf } from './pdf';
import {
  REVOKE_REASON_MAX,
  findCertificateForOwner,
  findCertificateForVerification,
  revokeCertificate,
  transcript,
  validateRevokeReason,
  type Verification,
} from './service';
import { formatCertificateCode, parseCertificateCode } from './snapshot';

/** A leading = + - @ (or tab, carriage return) makes spreadsheets read a cell as a formula: neutralise it. */
export const csvSafe = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

export function certificateRoutes(deps: {
  prisma: PrismaClient;
  throttle: Throttle;
  appUrl: string;
}): Router {
  const router = Router();
  const appUrl = deps.appUrl.replace(/\/+$/, '');
  const verifyPath = (code: string) => `/verify/${code}`;
  const verifyUrl = (code: string) => `${appUrl}${verifyPath(code)}`;

  router.get('/certificates/:code.pdf', allow.signedIn(), async (req, res) => {
    const code = parseCertificateCode(String(req.params.code));
    // Anyone else's code, admins included, is "not found": the answer says nothing about other learners.
    const certificate = code ? await findCertificateForOwner(deps.prisma, req.user!.id, code) : null;
    if (!code || !certificate)
      throw new NotFoundError('There is no certificate with this code in your account.');
    if (certificate.revokedAt)
      throw new HttpError(
        410,
        `This certificate was revoked on ${formatDate(certificate.revokedAt)}: ${certificate.revokedReason ?? ''}`,
      );
    const pdf = await renderCertificatePdf(certificate.snapshot, code, verifyUrl(code));
    const slug = certificate.snapshot.activitySlug.replace(/[^a-z0-9-]/gi, '') || 'activity';
    res.set('Cache-Control', 'private, no-store');
    res.attachment(`certificate-${slug}-${certificate.snapshot.completedOn}.pdf`);
    res.type('application/pdf').send(pdf);
  });

  router.get('/verify', allow.public(), (req, res) => {
    const input = req.query.code;
    if (input === undefined) return res.render('certificates/verify-form', { title: 'Verify a certificate' });
    const code = typeof input === 'string' ? parseCertificateCode(input) : null;
    if (code) return res.redirect(verifyPath(code));
    res.status(422).render('certificates/verify-form', {
      title: 'Verify a certificate',
      value: typeof input === 'string' ? input.slice(0, 100) : '',
      error:
        'Enter the certificate code printed on the certificate: 32 letters (A to F) and digits, dashes optional.',
    });
  });

  const verificationView = (code: string, found: Verification, viewer: Express.User | undefined) => {
    const s = found.snapshot;
    return {
      title: 'Certificate verification',
      code,
      valid: found.status === 'valid',
      revoked: found.status === 'revoked',
      revokedOn: found.revokedAt ? formatDate(found.revokedAt) : null,
      revokedReason: found.revokedReason,
      // Only what a reader needs to check a PDF against: no email, identifiers, score or degree.
      certificate: {
        learnerName: s.learnerName,
        activityTitle: s.activityTitle,
        completedOn: formatIsoDate(s.completedOn),
        credit: creditLine(s),
        code: formatCertificateCode(code),
        issuedOn: formatDate(found.issuedAt),
      },
      canRevoke: viewer?.role === 'admin' && found.status === 'valid',
      reasonMax: REVOKE_REASON_MAX,
    };
  };

  const renderVerification = async (
    req: Request,
    res: Response,
    code: string,
    extra: { status?: number; revokeError?: string; reason?: string } = {},
  ) => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Robots-Tag', 'noindex');
    const found = await findCertificateForVerification(deps.prisma, code);
    if (!found)
      return res
        .status(404)
        .render('certificates/verify', { title: 'Certificate not found', notFound: true });
    res.status(extra.status ?? 200).render('certificates/verify', {
      ...verificationView(code, found, req.user),
      revokeError: extra.revokeError,
      reason: extra.reason,
    });
  };

  router.get('/verify/:code', allow.public(), async (req, res) => {
    const wait = await deps.throttle.hitIp('verify', req.ip ?? 'unknown');
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      throw new HttpError(429, `Too many verifications from your network. Try again in ${wait} seconds.`);
    }
    const raw = String(req.params.code);
    const code = parseCertificateCode(raw);
    if (code && code !== raw) return res.redirect(301, verifyPath(code));
    if (!code) {
      res.set('Cache-Control', 'no-store');
      res.set('X-Robots-Tag', 'noindex');
      return res
        .status(404)
        .render('certificates/verify', { title: 'Certificate not found', notFound: true });
    }
    await renderVerification(req, res, code);
  });

  router.post('/admin/certificates/:code/revoke', allow.roles('admin'), async (req, res) => {
    const code = parseCertificateCode(String(req.params.code));
    if (!code) throw new NotFoundError('There is no certificate with this code.');
    const checked = validateRevokeReason(req.body?.reason);
    if ('error' in checked) {
      const reason =
        typeof req.body?.reason === 'string' ? req.body.reason.slice(0, REVOKE_REASON_MAX + 100) : '';
      return renderVerification(req, res, code, { status: 422, revokeError: checked.error, reason });
    }
    await revokeCertificate(deps.prisma, req.user!, code, checked.reason, req.ip ?? 'unknown');
    res.redirect(303, verifyPath(code));
  });

  router.get('/my-ce', allow.signedIn(), async (req, res) => {
    const { entries, totals } = await transcript(deps.prisma, req.user!.id);
    res.set('Cache-Control', 'private, no-store');
    res.render('certificates/transcript', {
      title: 'My CE',
      entries: entries.map((entry) => ({
        ...entry,
        completedOnText: formatIsoDate(entry.completedOn),
        amount: formatAmount(entry.amount),
        scorePercent: entry.scorePercent === null ? null : `${Number(entry.scorePercent)}%`,
        revokedOn: entry.revokedAt ? formatDate(entry.revokedAt) : null,
        pdfPath: entry.certificateCode ? `/certificates/${entry.certificateCode}.pdf` : null,
        verifyPath: entry.certificateCode ? verifyPath(entry.certificateCode) : null,
        groupedCode: entry.certificateCode ? formatCertificateCode(entry.certificateCode) : null,
      })),
      totals: totals.map((total) => ({ ...total, amount: formatAmount(total.amount) })),
    });
  });

  router.get('/my-ce.csv', allow.signedIn(), async (req, res) => {
    const { entries } = await transcript(deps.prisma, req.user!.id);
    const rows = entries.map((entry) => [
      entry.completedOn,
      entry.learnerName,
      entry.activityTitle,
      entry.creditLabel,
      formatAmount(entry.amount),
      entry.scorePercent ?? '',
      entry.certificateCode ? formatCertificateCode(entry.certificateCode) : '',
      entry.certificateCode ? verifyUrl(entry.certificateCode) : '',
      entry.revokedAt ? `revoked ${entry.revokedAt.toISOString().slice(0, 10)}` : 'valid',
    ]);
    const csv = stringify(
      [
        [
          'Completed on',
          'Learner',
          'Activity',
          'Credit type',
          'Amount',
          'Score (%)',
          'Certificate code',
          'Verification URL',
          'Status',
        ],
        ...rows.map((row) => row.map(csvSafe)),
      ],
      { record_delimiter: 'windows' },
    );
    res.set('Cache-Control', 'private, no-store');
    res.attachment(`my-ce-${new Date().toISOString().slice(0, 10)}.csv`);
    // A byte-order mark so that Excel reads UTF-8 (names with accents, "™").
    res.type('text/csv; charset=utf-8').send(`\uFEFF${csv}`);
  });

  return router;
}
