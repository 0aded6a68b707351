// What a certificate says, in words, once: the PDF lays these blocks out (pdf.ts), the verification page, My CE
// and the transcript CSV show the same formatted values. Pure functions of the frozen snapshot; no I/O, no
// fonts (the PDF's own character limits are applied where it draws, in pdf.ts).
import { formatCredits, formatDate, formatIsoDate } from '../catalogue/view-model';
import { withoutInvisibleFormat } from '../http/input';
import { formatCertificateCode, type CertificateSnapshot } from './snapshot';

/** A run of text set upright or in italics. */
export interface TextRun {
  text: string;
  italic: boolean;
}

/** One "Label: value" line of the certificate's footer; `kind` lets a layout style each one. */
export interface FooterLine {
  kind: 'provider' | 'uan' | 'code' | 'verify';
  label: string;
  value: string;
}

/** Every block of text on the certificate, top to bottom, plus what the verification page adds. */
export interface CertificateText {
  provider: string;
  /** "Certificate of completion" or "Certificate of participation". */
  title: string;
  certifies: string;
  /** The name as stored, without invisible format characters (a verifier sees no degree). */
  learnerName: string;
  /** "Name, Degree", or the name alone. */
  learnerLine: string;
  /** "has completed the enduring material" / "participated in the enduring material". */
  completion: string;
  activityTitle: string;
  /** "May 22, 2026". */
  completedOn: string;
  /** "on May 22, 2026, and is awarded". */
  awarded: string;
  /** "0.5 AMA PRA Category 1 Credit™"; italic when the credit's name must be printed in italics. */
  credit: TextRun;
  /** Word for word as the accreditation requires; null when the snapshot has none. */
  accreditationStatement: string | null;
  /** The designation statement, its *marked* words in italics; empty when the snapshot has none. */
  designationStatement: TextRun[];
  /** The certificate code grouped by four: "1A2B-3C4D-…". */
  code: string;
  verifyUrl: string;
  footer: FooterLine[];
  /** Issue and revocation dates as shown, when known. */
  issuedOn: string | null;
  revokedOn: string | null;
  status: 'valid' | 'revoked';
  /** The PDF's document properties. */
  document: { title: string; author: string; subject: string };
}

export interface CertificateFacts {
  code: string;
  verifyUrl: string;
  issuedAt?: Date | null;
  revokedAt?: Date | null;
}

/** Names stored before bidi controls were refused must not reorder or hide what a reader sees. */
export const learnerName = (stored: string) => withoutInvisibleFormat(stored);

/** "Avery Quinn-Okafor, MD", or the name alone when no degree was given. */
export function learnerLine(name: string, degree: string | null | undefined): string {
  const cleanDegree = withoutInvisibleFormat(degree ?? '');
  return cleanDegree ? `${learnerName(name)}, ${cleanDegree}` : learnerName(name);
}

/** Participation is certified, not credited: it has its own title and wording, and is stated in hours. */
const isParticipation = (creditCode: string) => creditCode === 'PARTICIPATION';

/** "0.5 AMA PRA Category 1 Credit™"; participation is stated in hours. */
export function creditLine(credit: { creditCode: string; creditLabel: string; amount: string }): string {
  const amount = formatCredits(credit.amount);
  return isParticipation(credit.creditCode)
    ? `${amount} ${Number(amount) === 1 ? 'hour' : 'hours'} of participation`
    : `${amount} ${credit.creditLabel}`;
}

/** Splits "a *b* c" into [{text:'a ', italic:false}, {text:'b', italic:true}, {text:' c', italic:false}]. */
export function italicSegments(text: string): TextRun[] {
  return text
    .split('*')
    .map((part, index) => ({ text: part, italic: index % 2 === 1 }))
    .filter((segment) => segment.text !== '');
}

export function certificateText(snapshot: CertificateSnapshot, facts: CertificateFacts): CertificateText {
  const participation = isParticipation(snapshot.creditCode);
  const title = participation ? 'Certificate of participation' : 'Certificate of completion';
  const completedOn = formatIsoDate(snapshot.completedOn);
  const code = formatCertificateCode(facts.code);
  const footer: FooterLine[] = [
    { kind: 'provider', label: 'Provider', value: snapshot.providerName },
    ...(snapshot.uan ? [{ kind: 'uan' as const, label: 'UAN', value: snapshot.uan }] : []),
    { kind: 'code', label: 'Certificate code', value: code },
    { kind: 'verify', label: 'Verify at', value: facts.verifyUrl },
  ];
  return {
    provider: snapshot.providerName,
    title,
    certifies: 'This certifies that',
    learnerName: learnerName(snapshot.learnerName),
    learnerLine: learnerLine(snapshot.learnerName, snapshot.learnerDegree),
    completion: participation
      ? 'participated in the enduring material'
      : 'has completed the enduring material',
    activityTitle: snapshot.activityTitle,
    completedOn,
    awarded: `on ${completedOn}, and is awarded`,
    // The AMA requires its credit name in italics wherever it is printed.
    credit: { text: creditLine(snapshot), italic: snapshot.creditCode === 'AMA_PRA_1' },
    accreditationStatement: snapshot.accreditationStatement || null,
    designationStatement: italicSegments(snapshot.designationStatement ?? ''),
    code,
    verifyUrl: facts.verifyUrl,
    footer,
    issuedOn: facts.issuedAt ? formatDate(facts.issuedAt) : null,
    revokedOn: facts.revokedAt ? formatDate(facts.revokedAt) : null,
    status: facts.revokedAt ? 'revoked' : 'valid',
    document: {
      title: `${title}: ${snapshot.activityTitle}`,
      author: snapshot.providerName,
      subject: `Certificate ${code}`,
    },
  };
}

/** A completion as My CE and its CSV list it, in the certificate's words. */
export function completionText(entry: {
  completedOn: string;
  learnerName: string;
  amount: string;
  certificateCode: string | null;
  revokedAt: Date | null;
}) {
  return {
    completedOn: formatIsoDate(entry.completedOn),
    learnerName: learnerName(entry.learnerName),
    amount: formatCredits(entry.amount),
    code: entry.certificateCode ? formatCertificateCode(entry.certificateCode) : null,
    revokedOn: entry.revokedAt ? formatDate(entry.revokedAt) : null,
  };
}
