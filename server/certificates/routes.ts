// Certificates as their owner sees them: the PDF download and the CE transcript (page and CSV). The public
// verification page and revocation are in verification-routes.ts.
import { Router } from 'express';
import { formatCredits, formatDate } from '../catalogue/view-model';
import type { PrismaClient } from '../generated/prisma/client';
import { allow } from '../http/access';
import { transcriptCsv } from '../exports/transcript-csv';
import { HttpError, NotFoundError } from '../http/errors';
import { completionText } from './certificate-text';
import { renderCertificatePdf } from './pdf';
import { findCertificateForOwner, transcript } from './service';
import { parseCertificateCode, verifyPath } from './snapshot';

export function certificateRoutes(deps: { prisma: PrismaClient; appUrl: string }): Router {
  const router = Router();
  const appUrl = deps.appUrl.replace(/\/+$/, '');
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
    if (certificate.supersededAt)
      throw new HttpError(
        410,
        `This certificate was replaced by a corrected one on ${formatDate(certificate.supersededAt)}: ` +
          'download the current certificate from My CE.',
      );
    const pdf = await renderCertificatePdf(certificate.snapshot, code, verifyUrl(code));
    const slug = certificate.snapshot.activitySlug.replace(/[^a-z0-9-]/gi, '') || 'activity';
    res.set('Cache-Control', 'private, no-store');
    res.attachment(`certificate-${slug}-${certificate.snapshot.completedOn}.pdf`);
    res.type('application/pdf').send(pdf);
  });

  router.get('/my-ce', allow.signedIn(), async (req, res) => {
    const { entries, totals } = await transcript(deps.prisma, req.user!.id);
    res.set('Cache-Control', 'private, no-store');
    res.render('certificates/transcript', {
      title: 'My CE',
      entries: entries.map((entry) => {
        const shown = completionText(entry);
        return {
          ...entry,
          completedOnText: shown.completedOn,
          amount: shown.amount,
          scorePercent: entry.scorePercent === null ? null : `${Number(entry.scorePercent)}%`,
          revokedOn: shown.revokedOn,
          pdfPath: entry.certificateCode ? `/certificates/${entry.certificateCode}.pdf` : null,
          verifyPath: entry.certificateCode ? verifyPath(entry.certificateCode) : null,
          groupedCode: shown.code,
        };
      }),
      totals: totals.map((total) => ({ ...total, amount: formatCredits(total.amount) })),
    });
  });

  router.get('/my-ce.csv', allow.signedIn(), async (req, res) => {
    const { entries } = await transcript(deps.prisma, req.user!.id);
    // The exports' one CSV module writes it (quoting, formula neutralising, byte-order mark for Excel).
    const csv = transcriptCsv(entries, verifyUrl);
    res.set('Cache-Control', 'private, no-store');
    res.attachment(`my-ce-${new Date().toISOString().slice(0, 10)}.csv`);
    res.type('text/csv; charset=utf-8').send(csv);
  });

  return router;
}
