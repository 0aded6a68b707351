// The certificate as a one-page PDF: the blocks of certificate-text.ts, drawn where pdf-layout.ts puts them.
// Drawn only from the frozen snapshot (never from live data).
//
// Fonts: pdfkit encodes the standard fonts in WinAnsi, which has "™" (0x99) and the accented letters of
// Western names; characters outside WinAnsi (e.g. Greek, Cyrillic, CJK) cannot be shown by a standard font and
// are replaced by "?" here rather than left to pdfkit, so the PDF never contains garbage glyphs.
import type PDFDocument from 'pdfkit';
import { certificateText, type CertificateText, type TextRun } from './certificate-text';
import { LAYOUT, type FontName } from './pdf-layout';
import type { CertificateSnapshot } from './snapshot';

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

type Doc = InstanceType<typeof PDFDocument>;

/**
 * Centred text mixing upright and italic runs. pdfkit's `continued` option misplaces centred lines when the
 * font changes within them, so words are measured and placed here. A word is never split, even where its
 * font changes (as in "Credits™": italic name, upright mark).
 */
function drawRichText(
  doc: Doc,
  segments: TextRun[],
  box: { left: number; width: number },
  style: { font: FontName; italicFont: FontName; size: number; lineGap: number },
) {
  const { left, width } = box;
  const fontOf = (italic: boolean) => (italic ? style.italicFont : style.font);
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

  doc.fontSize(style.size);
  const runWidth = (run: Run) => doc.font(fontOf(run.italic)).widthOfString(run.text);
  const wordWidth = (word: Run[]) => word.reduce((sum, run) => sum + runWidth(run), 0);
  const space = doc.font(style.font).widthOfString(' ');
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
  const height = doc.font(style.font).currentLineHeight(true) + style.lineGap;
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
  return drawCertificate(certificateText(snapshot, { code, verifyUrl }));
}

/** Lays out the certificate's text on one page, from LAYOUT only. */
export async function drawCertificate(text: CertificateText): Promise<Buffer> {
  const { page, colours, footer, statements } = LAYOUT;
  // Loaded on the first certificate, not at start (~0.2 s and ~30 MB that an instance serving lessons never needs).
  const [{ default: PdfDocument }, { default: QRCode }] = await Promise.all([
    import('pdfkit'),
    import('qrcode'),
  ]);
  const qr = await QRCode.toBuffer(text.verifyUrl, {
    type: 'png',
    errorCorrectionLevel: footer.qr.errorCorrectionLevel,
    margin: footer.qr.quietZone,
    scale: footer.qr.scale,
  });
  const doc = new PdfDocument({
    size: [page.width, page.height],
    layout: 'portrait', // the size above is already landscape (width > height)
    margin: page.margin,
    info: {
      Title: winAnsiSafe(text.document.title),
      Author: winAnsiSafe(text.document.author),
      Subject: winAnsiSafe(text.document.subject),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = page.margin;
  const width = page.width - 2 * page.margin;

  doc.strokeColor(colours[LAYOUT.frame.colour]);
  for (const rule of LAYOUT.frame.rules)
    doc
      .lineWidth(rule.lineWidth)
      .rect(rule.inset, rule.inset, page.width - 2 * rule.inset, page.height - 2 * rule.inset)
      .stroke();

  LAYOUT.centred.forEach((block, index) => {
    const font = block.italicFont && block.italic?.(text) ? block.italicFont : block.font;
    doc.fillColor(colours[block.colour]).font(font).fontSize(block.size);
    const value = winAnsiSafe(block.text(text));
    if (index === 0) doc.text(value, left, LAYOUT.top, { width, align: 'center' });
    else doc.text(value, { width, align: 'center' });
    doc.moveDown(block.linesAfter);
  });

  const column = { left: left + statements.indent, width: width - 2 * statements.indent };
  doc.fillColor(colours[statements.colour]).font(statements.font).fontSize(statements.size);
  if (text.accreditationStatement) {
    doc.text(winAnsiSafe(text.accreditationStatement), column.left, doc.y, {
      width: column.width,
      align: 'center',
      lineGap: statements.lineGap,
    });
    doc.moveDown(statements.linesBetween);
  }
  drawRichText(
    doc,
    text.designationStatement.map((run) => ({ ...run, text: winAnsiSafe(run.text) })),
    column,
    statements,
  );

  const qrLeft = page.width - page.margin - footer.qr.size;
  const qrTop = page.height - page.margin - footer.qr.size;
  doc.image(qr, qrLeft, qrTop, { width: footer.qr.size, height: footer.qr.size });
  doc.link(qrLeft, qrTop, footer.qr.size, footer.qr.size, text.verifyUrl);
  const linesWidth = width - footer.qr.size - footer.gap;
  doc.fillColor(colours[footer.label.colour]).font(footer.label.font).fontSize(footer.size);
  let y = page.height - page.margin - text.footer.length * footer.lineHeight + footer.lowered;
  for (const line of text.footer) {
    doc
      .font(footer.label.font)
      .fillColor(colours[footer.label.colour])
      .text(`${line.label}: `, left, y, { continued: true, width: linesWidth, lineBreak: false })
      .font(footer.valueFonts[line.kind])
      .fillColor(colours[footer.value.colour])
      .text(winAnsiSafe(line.value), {
        width: linesWidth,
        lineBreak: false,
        ...(line.kind === 'verify' ? { link: text.verifyUrl } : {}),
      });
    y += footer.lineHeight;
  }

  doc.end();
  return done;
}
