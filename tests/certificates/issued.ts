// Certificates as the certificate tests need them, issued by the real claim service (tests/support/factories.ts)
// after a passed post-test and an evaluation.
import type { CompletionOptions, Factories } from '../support/factories';

export const APP_URL = 'http://localhost:3000';
export const completedAt = new Date('2027-05-22T15:04:05Z');

export function certificateMaker(make: Factories) {
  return {
    /** A certificate of 10 of 12 right (83.33%), completed and issued on May 22, 2027 unless `at` says otherwise. */
    issue: (user: { id: number }, options: CompletionOptions = {}) =>
      make.completion(user, { wrong: 2, at: completedAt, ...options }),
    /** A physician (MD) with an NPI on the profile (which must never appear on the public page). */
    learner: (fullName = 'Avery Quinn-Okafor', fields: Record<string, string> = {}) =>
      make.user({ fullName, npi: '1234567893', ...fields }),
  };
}

export type CertificateMaker = ReturnType<typeof certificateMaker>;
