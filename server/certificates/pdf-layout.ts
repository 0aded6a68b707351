// Where and how each block of the certificate's text (certificate-text.ts) is drawn on the page: the one place
// for positions, fonts, sizes and colours of the PDF.
//
// Page size: the intersection of A4 and US Letter in landscape, 792 × 595.28 pt (11 in × 210 mm). It is as
// wide as Letter and as tall as A4, so it fits inside either sheet without scaling ("actual size" prints it
// whole on both; "fit to page" changes nothing on Letter and almost nothing on A4), unlike Letter landscape
// (612 pt tall, taller than A4) or A4 landscape (842 pt wide, wider than Letter). Margins of 0.6 in keep the
// content well inside the unprintable edge of office printers (about 0.25 in).
//
// Fonts: only the standard PDF Helvetica family, so nothing is embedded (see winAnsiSafe in pdf.ts).
import type { CertificateText, FooterLine } from './certificate-text';

export type FontName = 'Helvetica' | 'Helvetica-Bold' | 'Helvetica-Oblique' | 'Helvetica-BoldOblique';
export type Colour = 'ink' | 'muted' | 'accent';

/** A block set centred across the content width, below the one before it. */
export interface CentredBlock {
  text: (text: CertificateText) => string;
  font: FontName;
  /** Used instead of `font` when `italic` says so (the AMA credit name). */
  italicFont?: FontName;
  italic?: (text: CertificateText) => boolean;
  size: number;
  colour: Colour;
  /** Space below, in lines of this block's font (pdfkit's moveDown). */
  linesAfter: number;
}

const MARGIN = 43; // 0.6 in

const centred: CentredBlock[] = [
  { text: (t) => t.provider, font: 'Helvetica', size: 11, colour: 'muted', linesAfter: 1 },
  { text: (t) => t.title, font: 'Helvetica-Bold', size: 28, colour: 'accent', linesAfter: 0.8 },
  { text: (t) => t.certifies, font: 'Helvetica', size: 12, colour: 'muted', linesAfter: 0.4 },
  { text: (t) => t.learnerLine, font: 'Helvetica-Bold', size: 24, colour: 'ink', linesAfter: 0.3 },
  { text: (t) => t.completion, font: 'Helvetica', size: 12, colour: 'muted', linesAfter: 0.3 },
  { text: (t) => t.activityTitle, font: 'Helvetica-Bold', size: 17, colour: 'ink', linesAfter: 0.3 },
  { text: (t) => t.awarded, font: 'Helvetica', size: 12, colour: 'muted', linesAfter: 0.3 },
  {
    text: (t) => t.credit.text,
    font: 'Helvetica-Bold',
    italicFont: 'Helvetica-BoldOblique',
    italic: (t) => t.credit.italic,
    size: 16,
    colour: 'ink',
    linesAfter: 1.6,
  },
];

export const LAYOUT = {
  page: { width: 792, height: 595.28, margin: MARGIN },
  colours: { ink: '#1a1a1a', muted: '#555555', accent: '#1d4f91' } satisfies Record<Colour, string>,
  /** Two rules inside the margin, each inset from the page's edge. */
  frame: {
    colour: 'accent',
    rules: [
      { inset: MARGIN - 14, lineWidth: 2 },
      { inset: MARGIN - 9, lineWidth: 0.5 },
    ],
  } satisfies { colour: Colour; rules: { inset: number; lineWidth: number }[] },
  /** The first centred block's top; the others follow it. */
  top: MARGIN + 10,
  centred,
  /** Accreditation and designation statements, word for word, in a narrower centred column. */
  statements: {
    indent: 50,
    font: 'Helvetica',
    italicFont: 'Helvetica-Oblique',
    size: 9.5,
    lineGap: 1.5,
    colour: 'ink',
    /** Between the accreditation and the designation statement, in lines. */
    linesBetween: 0.5,
  } satisfies { font: FontName; italicFont: FontName; colour: Colour; [key: string]: unknown },
  /** "Label: value" lines at the bottom left, the QR code of the verification URL at the bottom right. */
  footer: {
    qr: { size: 86, errorCorrectionLevel: 'M', quietZone: 4, scale: 6 } as const,
    /** Between the lines and the QR code. */
    gap: 20,
    size: 9,
    lineHeight: 13,
    /** The lines are stacked up from the bottom margin, then lowered by this much. */
    lowered: 2,
    label: { font: 'Helvetica', colour: 'muted' },
    value: { colour: 'ink' },
    /** The certificate code stands out: it is what a verifier types. */
    valueFonts: { provider: 'Helvetica', uan: 'Helvetica', code: 'Helvetica-Bold', verify: 'Helvetica' },
  } satisfies {
    label: { font: FontName; colour: Colour };
    value: { colour: Colour };
    valueFonts: Record<FooterLine['kind'], FontName>;
    [key: string]: unknown;
  },
};
