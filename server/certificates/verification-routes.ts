// The public verification page (rate limited, minimal data) and revocation, which admins do from that page.
// Anonymous GETs reach this router before the session middleware (app.ts), so a verifier costs no session.
import { Router, type Request, type Response } from 'express';
import type { Pool } from 'pg';
import type { Throttle } from '../auth/throttle';
import type { PrismaClient } from '../generated/prisma/client';
import { z } from 'zod';
import { allow } from '../http/access';
import { rawBody, readQuery } from '../http/input';
import { HttpError, NotFoundError } from '../http/errors';
import { formatDate } from '../catalogue/view-model';
import { certificateText } from './certificate-text';
import {
  REVOKE_REASON_MAX,
  findCertificateForVerification,
  revokeCertificate,
  validateRevokeReason,
  type Verification,
} from './service';
import { parseCertificateCode, verifyPath } from './snapshot';
import { verificationPages } from './verification-cache';

export { VERIFICATION_PAGE_TTL_MS } from './verification-cache';

// Whatever is typed is answered with the form again; only a string can be a code.
const verifyQuery = z.object({ code: z.string().max(200).optional().catch('') });

export function verificationRoutes(deps: { prisma: PrismaClient; pool: Pool; throttle: Throttle }): Router {
  const router = Router();
  // Pages of found certificates as an anonymous visitor sees them (a signed-in page shows the user's name, an
  // admin's a revocation form) are kept a few seconds (verification-cache.ts).
  const anonymousPages = verificationPages;

  router.get('/verify', allow.public(), (req, res) => {
    const { code: input } = readQuery(req, verifyQuery);
    if (input === undefined) return res.render('certificates/verify-form', { title: 'Verify a certificate' });
    const code = parseCertificateCode(input);
    if (code) return res.redirect(verifyPath(code));
    res.status(422).render('certificates/verify-form', {
      title: 'Verify a certificate',
      value: input.slice(0, 100),
      error:
        'Enter the certificate code printed on the certificate: 32 letters (A to F) and digits, dashes optional.',
    });
  });

  const verificationView = (code: string, found: Verification, viewer: Express.User | undefined) => {
    // The same words as the PDF (the verify URL is only printed there).
    const text = certificateText(found.snapshot, {
      code,
      verifyUrl: verifyPath(code),
      issuedAt: found.issuedAt,
      revokedAt: found.revokedAt,
    });
    return {
      title: 'Certificate verification',
      code,
      valid: found.status === 'valid',
      revoked: found.status === 'revoked',
      revokedOn: text.revokedOn,
      revokedReason: found.revokedReason,
      // The replacement's code is not shown: the learner decides whom to give the corrected certificate; a
      // verifier holding this one learns that it was replaced, when, and to ask the holder for the current one.
      superseded: found.status === 'superseded',
      supersededOn: found.supersededAt ? formatDate(found.supersededAt) : null,
      // Only what a reader needs to check a PDF against: no email, identifiers, score or degree.
      certificate: {
        learnerName: text.learnerName,
        activityTitle: text.activityTitle,
        completedOn: text.completedOn,
        credit: text.credit.text,
        code: text.code,
        issuedOn: text.issuedOn,
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
    const cached = req.user || extra.status ? undefined : anonymousPages.get(code);
    if (cached !== undefined) return res.type('html').send(cached);
    const found = await findCertificateForVerification(deps.pool, code);
    if (!found)
      return res
        .status(404)
        .render('certificates/verify', { title: 'Certificate not found', notFound: true });
    const view = {
      ...verificationView(code, found, req.user),
      revokeError: extra.revokeError,
      reason: extra.reason,
    };
    res.render('certificates/verify', view, (error: Error | null, html: string) => {
      if (error) return req.next!(error);
      if (!req.user && !extra.status) anonymousPages.set(code, html);
      res.status(extra.status ?? 200).send(html);
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
    const typed = rawBody(req).reason;
    const checked = validateRevokeReason(typed);
    if ('error' in checked) {
      const reason = typeof typed === 'string' ? typed.slice(0, REVOKE_REASON_MAX + 100) : '';
      return renderVerification(req, res, code, { status: 422, revokeError: checked.error, reason });
    }
    // revokeCertificate forgets the cached page of the code.
    await revokeCertificate(deps.prisma, req.user!, code, checked.reason, req.ip ?? 'unknown');
    res.redirect(303, verifyPath(code));
  });

  return router;
}
