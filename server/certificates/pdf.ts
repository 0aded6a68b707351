// The certificate as a one-page PDF, drawn only from the frozen snapshot (never from live data).
//
// Page size: the intersection of A4 and US Letter in landscape, 792 × 595.28 pt (11 in × 210 mm). It is as
// wide as Letter and as tall as A4, so it fits inside either sheet without scaling ("actual size" prints it
// whole on both; "fit to page" changes nothing on Letter and almost nothing on A4), unlike Letter landscape
// (612 pt tall, taller than A4) or A4 landscape (842 pt wide, wider than Letter). Margins of 0.6 in keep the
// content well inside the unprintable edge of office printers (about 0.25 in).
//
// Fonts: only the standard PDF Helvetica family, so nothing is embedded. pdfkit encodes these fonts in
// WinAnsi, which has "™" (0x99) and the accented letters of Western names; characters outside WinAnsi
// (e.g. Greek, Cyrillic, CJK) cannot be shown by a standard font and are replaced by "?" below rather than
// left to pdfkit, so the PDF never contains garbage glyphs.
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { formatCertificateCode, type CertificateSnapshot } from './snapshot';
import { formatDate } from '../catalogue/view-model';

const PAGE = { width: 792, height: 595.28 };
const MARGIN = 43; // 0.6 in
const INK = '#1a1a1a';
const MUTED = '#555555';
const ACCENT = '#1d4f91';

/** Characters of Windows-1252 above 0x7F that are not Latin-1 (pdfkit maps these for the standard fonts). */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Keeps what the standard fonts can draw; anything else becomes "?". */
export function winAnsiSafe(text: string): string {
  return Array.from(text.normalize('NFC'))
    .map((ch) => {
      const code = ch.codePointAt(0)!;
      if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch))
        return ch;
      if (ch === '\n' || ch === '\t') return ' ';
      return '?';
    })
    .join('');
}

/** "2026-05-22" → "May 22, 2026". */
export function formatIsoDate(isoDate: string): string {
  return formatDate(new Date(`${isoDate}T00:00:00Z`));
}

/** 0.5 → "0.5", 1 → "1.0", as accreditors print credit amounts. */
export function formatAmount(amount: string): string {
  const value = Number(amount);
  return Number.isFinite(value) ? (Number.isInteger(value) ? value.toFixed(1) : String(value)) : amount;
}

/** "0.5 AMA PRA Category 1 Credit™"; participation is stated in hours. */
export function creditLine(snapshot: Pick<CertificateSnapshot, 'creditCode' | 'creditLabel' | 'amount'>) {
  const amount = formatAmount(snapshot.amount);
  return snapshot.creditCode === 'PARTICIPATION'
    ? `${amount} ${Number(amount) === 1 ? 'hour' : 'hours'} of participation`
    : `${amount} ${snapshot.creditLabel}`;
}

/** Splits "a *b* c" into [{text:'a ', italic:false}, {text:'b', italic:true}, {text:' c', italic:false}]. */
export function italicSegments(text: string): { text: string; italic: boolean }[] {
  return text
    .split('*')
    .map((part, index) => ({ text: part, italic: index % 2 === 1 }))
    .filter((segment) => segment.text !== '');
}

type Doc = InstanceType<typeof PDFDocument>;

/**
 * Centred text mixing upright and italic runs. pdfkit's `continued` option misplaces centred lines when the
 * font changes within them, so words are measured and placed here. A word is never split, even where its
 * font changes (as in "Credits™": italic name, upright mark).
 */
function drawRichText(
  doc: Doc,
  segments: { text: string; italic: boolean }[],
  left: number,
  width: number,
  fontSize: number,
  lineGap: number,
) {
  const fontOf = (italic: boolean) => (italic ? 'Helvetica-Oblique' : 'Helvetica');
  type Run = { text: string; italic: boolean };
  const words: Run[][] = [];
  let current: Run[] = [];
  for (const segment of segments) {
    for (const part of segment.text.split(/(\s+)/)) {
      if (part === '') continue;
      if (/^\s+$/.test(part)) {
        if (current.length > 0) words.push(current);
        current = [];
      } else current.push({ text: part, italic: segment.italic });
    }
  }
  if (current.length > 0) words.push(current);
  if (words.length === 0) return;

  doc.fontSize(fontSize);
  const runWidth = (run: Run) => doc.font(fontOf(run.italic)).widthOfString(run.text);
  const wordWidth = (word: Run[]) => word.reduce((sum, run) => sum + runWidth(run), 0);
  const space = doc.font('Helvetica').widthOfString(' ');
  const lines: Run[][][] = [];
  let line: Run[][] = [];
  let lineWidth = 0;
  for (const word of words) {
    const w = wordWidth(word);
    if (line.length > 0 && lineWidth + space + w > width) {
      lines.push(line);
      line = [];
      lineWidth = 0;
    }
    lineWidth += (line.length > 0 ? space : 0) + w;
    line.push(word);
  }
  lines.push(line);

  let y = doc.y;
  const height = doc.font('Helvetica').currentLineHeight(true) + lineGap;
  for (const words of lines) {
    const total = words.reduce((sum, word, i) => sum + wordWidth(word) + (i > 0 ? space : 0), 0);
    let x = left + (width - total) / 2;
    words.forEach((word, i) => {
      if (i > 0) x += space;
      for (const run of word) {
        doc.font(fontOf(run.italic)).text(run.text, x, y, { lineBreak: false });
        x += runWidth(run);
      }
    });
    y += height;
  }
  doc.x = left;
  doc.y = y;
}

export async function renderCertificatePdf(
  snapshot: CertificateSnapshot,
  code: string,
  verifyUrl: string,
): Promise<Buffer> {
  const qr = await QRCode.toBuffer(verifyUrl, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 4,
    scale: 6,
  });
  const participation = snapshot.creditCode === 'PARTICIPATION';
  const title = participation ? 'Certificate of participation' : 'Certificate of completion';

  const doc = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    layout: 'portrait', // the size above is already landscape (width > height)
    margin: MARGIN,
    info: {
      Title: `${title}: ${winAnsiSafe(snapshot.activityTitle)}`,
      Author: winAnsiSafe(snapshot.providerName),
      Subject: `Certificate ${formatCertificateCode(code)}`,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGIN;
  const width = PAGE.width - 2 * MARGIN;
  const centered = { width, align: 'center' as const };

  // Frame: two rules inside the margin.
  doc
    .lineWidth(2)
    .strokeColor(ACCENT)
    .rect(MARGIN - 14, MARGIN - 14, PAGE.width - 2 * (MARGIN - 14), PAGE.height - 2 * (MARGIN - 14))
    .stroke()
    .lineWidth(0.5)
    .rect(MARGIN - 9, MARGIN - 9, PAGE.width - 2 * (MARGIN - 9), PAGE.height - 2 * (MARGIN - 9))
    .stroke();

  doc
    .fillColor(MUTED)
    .font('Helvetica')
    .fontSize(11)
    .text(winAnsiSafe(snapshot.providerName), left, MARGIN + 10, centered);
  doc.moveDown(1);
  doc.fillColor(ACCENT).font('Helvetica-Bold').fontSize(28).text(title, centered);
  doc.moveDown(0.8);

  doc.fillColor(MUTED).font('Helvetica').fontSize(12).text('This certifies that', centered);
  doc.moveDown(0.4);
  const name = snapshot.learnerDegree
    ? `${snapshot.learnerName}, ${snapshot.learnerDegree}`
    : snapshot.learnerName;
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(24).text(winAnsiSafe(name), centered);
  doc.moveDown(0.3);
  doc
    .fillColor(MUTED)
    .font('Helvetica')
    .fontSize(12)
    .text(
      participation ? 'participated in the enduring material' : 'has completed the enduring material',
      centered,
    );
  doc.moveDown(0.3);
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(17).text(winAnsiSafe(snapshot.activityTitle), centered);
  doc.moveDown(0.3);
  doc
    .fillColor(MUTED)
    .font('Helvetica')
    .fontSize(12)
    .text(`on ${formatIsoDate(snapshot.completedOn)}, and is awarded`, centered);
  doc.moveDown(0.3);
  // The AMA requires its credit name in italics wherever it is printed.
  doc
    .fillColor(INK)
    .font(snapshot.creditCode === 'AMA_PRA_1' ? 'Helvetica-BoldOblique' : 'Helvetica-Bold')
    .fontSize(16)
    .text(winAnsiSafe(creditLine(snapshot)), centered);
  doc.moveDown(1.6);

  // Statements, word for word as the provider's accreditation requires, in a narrower column.
  const statementLeft = left + 50;
  const statementWidth = width - 100;
  doc.fillColor(INK).font('Helvetica').fontSize(9.5);
  if (snapshot.accreditationStatement) {
    doc.text(winAnsiSafe(snapshot.accreditationStatement), statementLeft, doc.y, {
      width: statementWidth,
      align: 'center',
      lineGap: 1.5,
    });
    doc.moveDown(0.5);
  }
  drawRichText(
    doc,
    italicSegments(winAnsiSafe(snapshot.designationStatement ?? '')),
    statementLeft,
    statementWidth,
    9.5,
    1.5,
  );

  // Footer: verification block on the left, QR code on the right.
  const qrSize = 86;
  const footerTop = PAGE.height - MARGIN - qrSize;
  doc.image(qr, PAGE.width - MARGIN - qrSize, footerTop, { width: qrSize, height: qrSize });
  doc.link(PAGE.width - MARGIN - qrSize, footerTop, qrSize, qrSize, verifyUrl);
  const footerWidth = width - qrSize - 20;
  doc.fillColor(MUTED).font('Helvetica').fontSize(9);
  const footerLines: [string, string][] = [
    ['Provider', snapshot.providerName],
    ...(snapshot.uan ? ([['UAN', snapshot.uan]] as [string, string][]) : []),
    ['Certificate code', formatCertificateCode(code)],
    ['Verify at', verifyUrl],
  ];
  const lineHeight = 13;
  let y = PAGE.height - MARGIN - footerLines.length * lineHeight + 2;
  for (const [label, value] of footerLines) {
    doc
      .font('Helvetica')
      .fillColor(MUTED)
      .text(`${label}: `, left, y, { continued: true, width: footerWidth, lineBreak: false })
      .font(label === 'Certificate code' ? 'Helvetica-Bold' : 'Helvetica')
      .fillColor(INK)
      .text(winAnsiSafe(value), {
        width: footerWidth,
        lineBreak: false,
        ...(label === 'Verify at' ? { link: verifyUrl } : {}),
      });
    y += lineHeight;
  }

  doc.end();
  return done;
}
