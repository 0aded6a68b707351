// Items as QTI 3.0 (1EdTech): one qti-assessment-item per item (a choice interaction scored by the
// match_correct template, the rationale in a rubric block for scorers and tutors), and the bank as a QTI 3.0
// content package: a ZIP with imsmanifest.xml listing one imsqti_item_xmlv3p0 resource per item file.
// Item text is Markdown rendered and sanitised by server/items/markdown.ts; that HTML is read again and
// serialised by ./xml.ts, so the XML is well-formed whatever the text holds.
import { renderItemInline, renderItemMarkdown } from '../markdown';
import type { ItemDraft } from '../types';
import { trueIsRight } from './write-common';
import { element, escapeXml, readFragment, serialise } from './xml';
import { strToU8, zipSync } from 'fflate';

const QTI_NS = 'http://www.imsglobal.org/xsd/imsqtiasi_v3p0';
const QTI_XSD = 'https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd';
const CP_NS = 'http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1';
const CP_XSD = 'https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const MATCH_CORRECT = 'https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct';

/** Sanitised HTML as QTI content: the same elements (QTI 3 uses HTML's names in its own namespace), links keep href only. */
function content(html: string): string {
  const tree = readFragment(html);
  if (!tree) return element('p', {}, escapeXml(html.replace(/<[^>]*>/g, ' ')));
  return serialise(tree, (name, attribute) => name === 'a' && attribute === 'href');
}

/** A QTI identifier (letters, digits, - _ .; starting with a letter) for the n-th item and its key. */
export function qtiIdentifier(position: number, key: string): string {
  const slug = key
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `item-${position}${slug ? `-${slug}` : ''}`;
}

export function writeQtiItem(draft: ItemDraft, identifier: string): string {
  const correct =
    draft.type === 'true_false'
      ? [trueIsRight(draft) ? draft.options[0]!.id : draft.options[1]!.id]
      : draft.correct;
  const cardinality = draft.type === 'multiple' ? 'multiple' : 'single';
  const choices = draft.options
    .map((option) =>
      element('qti-simple-choice', { identifier: option.id }, content(renderItemInline(option.text))),
    )
    .join('\n      ');
  const rationale = draft.rationale.trim()
    ? `\n    ${element(
        'qti-rubric-block',
        { view: 'scorer tutor', use: 'rationale' },
        element('qti-content-body', {}, content(renderItemMarkdown(draft.rationale))),
      )}`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
${element(
  'qti-assessment-item',
  {
    xmlns: QTI_NS,
    'xmlns:xsi': XSI,
    'xsi:schemaLocation': `${QTI_NS} ${QTI_XSD}`,
    identifier,
    title: draft.key,
    adaptive: 'false',
    'time-dependent': 'false',
  },
  `
  ${element(
    'qti-response-declaration',
    { identifier: 'RESPONSE', cardinality, 'base-type': 'identifier' },
    element('qti-correct-response', {}, correct.map((id) => element('qti-value', {}, id)).join('')),
  )}
  ${element('qti-outcome-declaration', { identifier: 'SCORE', cardinality: 'single', 'base-type': 'float' })}
  <qti-item-body>
    ${content(renderItemMarkdown(draft.stem))}
    ${element(
      'qti-choice-interaction',
      {
        'response-identifier': 'RESPONSE',
        shuffle: 'true',
        'max-choices': draft.type === 'multiple' ? '0' : '1',
      },
      `\n      ${choices}\n    `,
    )}${rationale}
  </qti-item-body>
  ${element('qti-response-processing', { template: MATCH_CORRECT })}
`,
)}
`;
}

function manifest(identifier: string, files: { identifier: string; href: string }[]): string {
  const resources = files
    .map(
      (file) =>
        `    ${element('resource', { identifier: file.identifier, type: 'imsqti_item_xmlv3p0', href: file.href }, element('file', { href: file.href }))}`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="${CP_NS}" xmlns:xsi="${XSI}" xsi:schemaLocation="${CP_NS} ${CP_XSD}" identifier="${escapeXml(identifier)}">
  <metadata>
    <schema>QTI Package</schema>
    <schemaversion>3.0.0</schemaversion>
  </metadata>
  <organizations/>
  <resources>
${resources}
  </resources>
</manifest>
`;
}

/** The items as a QTI 3.0 content package (ZIP). */
export function writeQtiPackage(drafts: readonly ItemDraft[], packageName: string, modified: Date): Buffer {
  const files = drafts.map((draft, index) => {
    const identifier = qtiIdentifier(index + 1, draft.key);
    return { identifier, href: `items/${identifier}.xml`, xml: writeQtiItem(draft, identifier) };
  });
  // fflate (pdfkit's own zip library): deflate, UTF-8 names, each entry dated `modified`.
  const entries = Object.fromEntries([
    ['imsmanifest.xml', strToU8(manifest(`manifest-${packageName}`, files))],
    ...files.map((file) => [file.href, strToU8(file.xml)]),
  ]) as Record<string, Uint8Array>;
  const archive = zipSync(entries, { mtime: modified, level: 6 });
  return Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
}
