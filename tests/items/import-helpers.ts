// Helpers of the import and export tests: uploading a file as the import form does (multipart), confirming a
// preview as its form does, arbitrary valid drafts for round trips, and a ZIP reader that checks what
// server/items/formats/qti-write.ts writes (with fflate) independently (central directory, sizes, CRC-32 by zlib).
import zlib from 'node:zlib';
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import type { ItemDraft } from '../../server/items/types';
import type { Agent } from '../support/client';

export const importPage = (slug: string) => `/items/${slug}/import`;

/** The CSRF token of the import form. */
export async function importToken(agent: Agent, slug: string): Promise<string> {
  const res = await agent.get(importPage(slug)).expect(200);
  return cheerio.load(res.text)('form[enctype="multipart/form-data"] input[name=_csrf]').attr('value')!;
}

export interface UploadOptions {
  fileName: string;
  content: string | Buffer;
  contentType?: string;
  format?: string;
  /** The token to send; the form's by default, null for none. */
  csrf?: string | null;
}

/** POSTs the import form: multipart, with the file and the token. */
export async function upload(agent: Agent, slug: string, options: UploadOptions) {
  const csrf = options.csrf === undefined ? await importToken(agent, slug) : options.csrf;
  let req = agent.post(importPage(slug));
  if (csrf !== null) req = req.field('_csrf', csrf);
  if (options.format) req = req.field('format', options.format);
  return req.attach('file', Buffer.from(options.content), {
    filename: options.fileName,
    contentType: options.contentType ?? 'application/octet-stream',
  });
}

/** What a preview page lists. */
export function readPreview(html: string) {
  const $ = cheerio.load(html);
  const rows = (caption: RegExp): string[][] =>
    $('table')
      .filter((_i, table) => caption.test($(table).find('caption').text()))
      .find('tbody tr')
      .toArray()
      .map((tr) =>
        $(tr)
          .children('td, th')
          .toArray()
          .map((cell) => $(cell).text().replace(/\s+/g, ' ').trim()),
      );
  return {
    $,
    ready: rows(/will be created/),
    refused: rows(/will not be created/),
    selects: $('form select')
      .map((_i, s) => $(s).attr('name'))
      .get(),
    payload: $('input[name=payload]').attr('value'),
    csrf: $('form[enctype="multipart/form-data"] input[name=_csrf]').attr('value'),
    errors: $('.error-message')
      .map((_i, e) => $(e).text().trim())
      .get(),
  };
}

/** POSTs a preview's confirmation form (multipart) with the objectives chosen. */
export function confirm(
  agent: Agent,
  slug: string,
  previewHtml: string,
  choices: Record<string, string> = {},
) {
  const preview = readPreview(previewHtml);
  let req = agent
    .post(`${importPage(slug)}/confirm`)
    .field('_csrf', preview.csrf!)
    .field('payload', preview.payload!);
  for (const [name, value] of Object.entries(choices)) req = req.field(name, value);
  return req;
}

/** Every entry of a ZIP, read through its central directory; fails on a wrong size or CRC. */
export function readZip(data: Buffer): Map<string, Buffer> {
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory');
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = data.readUInt16LE(at + 10);
    const crc = data.readUInt32LE(at + 16);
    const size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extra = data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    const local = data.readUInt32LE(at + 42);
    const name = data.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const compressedSize = data.readUInt32LE(at + 20);
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const raw = data.subarray(start, start + compressedSize);
    const content = method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw);
    if (content.length !== size || zlib.crc32(content) !== crc)
      throw new Error(`${name}: size or CRC mismatch`);
    entries.set(name, content);
    at += 46 + nameLength + extra;
  }
  return entries;
}

// ----------------------------------------------------------------------------------------------------------
// Arbitrary valid drafts: Markdown, every character GIFT and XML escape, unicode (accents, ™, emoji, RTL).

const unit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...'abcxyz ABC 0123'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(...':#={}~\\<>&[]%*_`"\'/|!-+.'.split('')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'é',
      '™',
      '😀',
      'שלום',
      'مرحبا',
      '‏',
      '\n',
      '\t',
      ']]>',
      '####',
      '::',
      '->',
      '\\n',
    ),
  },
);
const textOf = (min: number, max: number, lines = true) =>
  fc
    .string({ unit, minLength: min, maxLength: max })
    .map((text) => (lines ? text : text.replace(/[\n\t]/g, ' ')).trim())
    .filter((text) => text.length >= min);

export const arbitraryDraft: fc.Arbitrary<ItemDraft> = fc
  .record({
    key: textOf(1, 30, false),
    stem: textOf(1, 80),
    rationale: textOf(0, 80),
    type: fc.constantFrom<ItemDraft['type'][]>('single', 'multiple', 'true_false'),
    texts: fc.uniqueArray(textOf(1, 20), { minLength: 2, maxLength: 6, selector: (t) => t.toLowerCase() }),
    picks: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    objectiveCode: fc.constantFrom('O1', 'O2', 'O3', 'O4'),
    sectionSlug: fc.option(fc.constantFrom('etiology', 'histopathology', 'treatment'), { nil: null }),
    references: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
  })
  .map(({ texts, picks, type, ...rest }) => {
    const ids = ['A', 'B', 'C', 'D', 'E', 'F'];
    if (type === 'true_false')
      return {
        ...rest,
        type,
        options: [
          { id: 'A', text: 'True' },
          { id: 'B', text: 'False' },
        ],
        correct: [picks[0] ? 'A' : 'B'],
      };
    const options = texts.map((text, index) => ({ id: ids[index]!, text }));
    let correct = options.filter((_o, index) => picks[index]).map((o) => o.id);
    if (type === 'single' || correct.length === 0) correct = [options[0]!.id];
    if (correct.length === options.length) correct = correct.slice(1);
    return { ...rest, type, options, correct };
  });
