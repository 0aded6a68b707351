// What a certificate states, frozen when it is issued (never re-read from live data: a later name change,
// retake or content edit must not change an issued certificate).
import crypto from 'node:crypto';

export interface CertificateSnapshot {
  learnerName: string;
  learnerDegree: string;
  profession: string;
  activityTitle: string;
  activitySlug: string;
  /** Content hash of the activity version the learner completed (first 12 hex characters). */
  activityVersion: string;
  /** YYYY-MM-DD (UTC): the date the learner passed and completed the activity. */
  completedOn: string;
  creditCode: string;
  creditLabel: string;
  /** Credits claimed, e.g. "0.5" */
  amount: string;
  maxAmount: string;
  scorePercent: string;
  providerName: string;
  accreditationStatement: string;
  /** Markdown-ish: *text* is set in italics (the AMA PRA credit name must be italic). */
  designationStatement: string;
  /** The activity's UAN for pharmacy credit, when it has one. */
  uan: string | null;
}

/** 128 random bits as 32 lower-case hex characters. */
export const newCertificateCode = () => crypto.randomBytes(16).toString('hex');

/** "1a2b3c4d…" → "1A2B-3C4D-…": readable on paper and over the phone. */
export const formatCertificateCode = (code: string) =>
  code
    .toUpperCase()
    .match(/.{1,4}/g)!
    .join('-');

/** Accepts the grouped or plain form, any case, with spaces; null when it cannot be a code. */
export function parseCertificateCode(input: string): string | null {
  const plain = input.replace(/[\s-]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(plain) ? plain : null;
}

/** The public verification page of a code (the QR code on the PDF points here). */
export const verifyPath = (code: string) => `/verify/${code}`;
