// Verification pages as an anonymous visitor sees them, kept a few seconds: a verifier's reloads and a QR code
// scanned twice are answered from memory. One cache per process, keyed by certificate code (128 random bits, so two
// apps in one process, as in the tests, never share a key), so that whatever changes a certificate's state in this
// process (a revocation from the verification page or from the records page, a reissue) forgets its page at once.
import { LRUCache } from 'lru-cache';

/**
 * How long a visitor's verification page is reused. A change in this process evicts it at once; on another instance
 * the old page can be shown for at most this long after a revocation or a reissue.
 */
export const VERIFICATION_PAGE_TTL_MS = 10_000;

export const verificationPages = new LRUCache<string, string>({ max: 2000, ttl: VERIFICATION_PAGE_TTL_MS });

/** Forgets the cached pages of these codes (after their certificate's state changed). */
export function forgetVerificationPages(...codes: string[]): void {
  for (const code of codes) verificationPages.delete(code);
}
