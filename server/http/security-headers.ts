// Security headers (helmet): a Content-Security-Policy that allows only this origin (no inline script or style,
// no framing), and HSTS.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export const securityHeaders = (): RequestHandler =>
  helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    // HSTS only means something over HTTPS; helmet sends it, browsers ignore it on plain HTTP.
    strictTransportSecurity: { maxAge: 180 * 24 * 60 * 60, includeSubDomains: true },
  });
