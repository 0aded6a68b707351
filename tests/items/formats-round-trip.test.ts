// Export then import gives the same items: the GIFT and Moodle XML writers read back by their readers, for every
// type, with Markdown, every escaped character and unicode; and the QTI 3.0 export is well-formed, says which
// answers are right, and packs into a ZIP that reads back.
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { parseGift } from '../../server/items/formats/gift-parse';
import { writeGift } from '../../server/items/formats/gift-write';
import { parseMoodleXml } from '../../server/items/formats/moodle-xml-parse';
import { writeMoodleXml } from '../../server/items/formats/moodle-xml-write';
import type { ParsedFile } from '../../server/items/formats/questions';
import { qtiIdentifier, writeQtiItem, writeQtiPackage } from '../../server/items/formats/qti-write';
import type { ItemDraft } from '../../server/items/types';
import { arbitraryDraft, readZip } from './import-helpers';

/** The drafts read back, with the objective the file named. */
function readBack(parsed: ParsedFile): ItemDraft[] {
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.questions.map((question) => {
    if (!question.draft) throw new Error(`question ${question.number}: ${question.problem}`);
    return { ...question.draft, objectiveCode: question.objective?.code ?? null };
  });
}

const examples: ItemDraft[] = [
  {
    key: 'Dose: first # = {line} ~ \\ <b> & ]]>',
    type: 'single',
    stem: 'Which **dose** is right?\n\n- a: 5 mg\n- b: {6} mg\n\n`C:\\path` ~ = # < > & é ™ 😀 שלום עליכם',
    options: [
      { id: 'A', text: '%50% of *patients*' },
      { id: 'B', text: '[1] the reference' },
      { id: 'C', text: '=x -> y' },
      { id: 'D', text: 'T' },
    ],
    correct: ['B'],
    rationale: '#hash first\n\nThen ]]> and ####, `code` and [a link](https://example.org).',
    objectiveCode: 'O2',
    sectionSlug: 'etiology',
    references: [1, 5],
  },
  {
    key: 'multiple response',
    type: 'multiple',
    stem: 'Pick the *three* markers',
    options: ['Desmin', 'SMA', 'h-caldesmon', 'S-100', 'HMB-45'].map((text, i) => ({
      id: 'ABCDE'[i]!,
      text,
    })),
    correct: ['A', 'B', 'C'],
    rationale: '',
    objectiveCode: 'O1',
    sectionSlug: null,
    references: [],
  },
  {
    key: 'true or false',
    type: 'true_false',
    stem: 'Renal LMS is more common in women.',
    options: [
      { id: 'A', text: 'True' },
      { id: 'B', text: 'False' },
    ],
    correct: ['A'],
    rationale: 'Female predominance (59–76%).',
    objectiveCode: 'O1',
    sectionSlug: 'etiology',
    references: [1],
  },
  {
    key: 'false one',
    type: 'true_false',
    stem: 'A {TRUE} in the stem?',
    options: [
      { id: 'A', text: 'True' },
      { id: 'B', text: 'False' },
    ],
    correct: ['B'],
    rationale: '',
    objectiveCode: 'O3',
    sectionSlug: null,
    references: [],
  },
];

describe.each([
  ['GIFT', (drafts: ItemDraft[]) => parseGift(writeGift(drafts, 'renal-leiomyosarcoma'))],
  ['Moodle XML', (drafts: ItemDraft[]) => parseMoodleXml(writeMoodleXml(drafts, 'renal-leiomyosarcoma'))],
])('%s round trip', (_format, roundTrip) => {
  it('when every type, Markdown, escapes and unicode are exported and imported, then the same items come back', () => {
    expect(readBack(roundTrip(examples))).toEqual(examples);
  });

  it('whatever valid items are exported, then importing the file gives the same items', () => {
    fc.assert(
      fc.property(fc.array(arbitraryDraft, { minLength: 1, maxLength: 5 }), (drafts) => {
        const keyed = drafts.map((draft, i) => ({ ...draft, key: `${i} ${draft.key}` }));
        expect(readBack(roundTrip(keyed)).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
          keyed.sort((a, b) => a.key.localeCompare(b.key)),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('characters XML cannot hold', () => {
  it('when a text holds a character XML 1.0 forbids even escaped, then it is left out and the file stays well-formed', () => {
    const draft = { ...examples[1]!, stem: 'a\uFFFEb\uD800c\u0001d' };
    for (const xml of [writeMoodleXml([draft], 'x'), writeQtiItem(draft, 'i')])
      expect(XMLValidator.validate(xml)).toBe(true);
    expect(readBack(parseMoodleXml(writeMoodleXml([draft], 'x')))[0]!.stem).toBe('abcd');
  });
});

describe('QTI 3.0', () => {
  it('whatever the item, then its XML is well-formed and declares the right answers and every option', () => {
    fc.assert(
      fc.property(arbitraryDraft, (draft) => {
        const xml = writeQtiItem(draft, 'item-1');
        expect(XMLValidator.validate(xml)).toBe(true);
        const $ = cheerio.load(xml, { xml: true });
        const item = $('qti-assessment-item');
        expect(item.attr('xmlns')).toBe('http://www.imsglobal.org/xsd/imsqtiasi_v3p0');
        expect(item.attr('title')).toBe(draft.key);
        expect($('qti-response-declaration').attr('cardinality')).toBe(
          draft.type === 'multiple' ? 'multiple' : 'single',
        );
        expect(
          $('qti-correct-response qti-value')
            .map((_i, v) => $(v).text())
            .get(),
        ).toEqual(draft.correct);
        expect(
          $('qti-simple-choice')
            .map((_i, c) => $(c).attr('identifier'))
            .get(),
        ).toEqual(draft.options.map((o) => o.id));
        expect($('qti-choice-interaction').attr('max-choices')).toBe(draft.type === 'multiple' ? '0' : '1');
        expect($('qti-response-processing').attr('template')).toMatch(/match_correct$/);
        expect($('script, [onerror], [onload]')).toHaveLength(0);
      }),
      { numRuns: 300 },
    );
  });

  it('when the stem holds HTML, then it is text in the item, and Markdown becomes QTI content elements', () => {
    const xml = writeQtiItem({ ...examples[0]!, stem: 'A <script>alert(1)</script> **b**\n\n- x' }, 'i');
    const $ = cheerio.load(xml, { xml: true });
    expect($('qti-item-body > p').first().text()).toBe('A <script>alert(1)</script> b');
    expect($('qti-item-body > p strong').text()).toBe('b');
    expect($('qti-item-body > ul > li').text()).toBe('x');
    expect($('qti-rubric-block[view="scorer tutor"] qti-content-body a').attr('href')).toBe(
      'https://example.org',
    );
  });

  it('when the bank is packaged, then the ZIP holds a manifest listing one item resource per item file', () => {
    const zip = writeQtiPackage(examples, 'renal-leiomyosarcoma-items', new Date('2026-11-27T10:00:00Z'));
    const entries = readZip(zip);
    const ids = examples.map((draft, i) => qtiIdentifier(i + 1, draft.key));
    expect([...entries.keys()]).toEqual(['imsmanifest.xml', ...ids.map((id) => `items/${id}.xml`)]);
    const manifest = entries.get('imsmanifest.xml')!.toString('utf8');
    expect(XMLValidator.validate(manifest)).toBe(true);
    const $ = cheerio.load(manifest, { xml: true });
    expect($('manifest').attr('xmlns')).toBe('http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1');
    expect($('schemaversion').text()).toBe('3.0.0');
    expect(
      $('resource')
        .map((_i, r) => [[$(r).attr('identifier'), $(r).attr('type'), $(r).find('file').attr('href')]])
        .get(),
    ).toEqual(ids.map((id) => [id, 'imsqti_item_xmlv3p0', `items/${id}.xml`]));
    for (const [i, id] of ids.entries()) {
      const item = entries.get(`items/${id}.xml`)!.toString('utf8');
      expect(item).toBe(writeQtiItem(examples[i]!, id));
    }
  });

  it('when an item name has no letters, then its identifier is still a valid QTI identifier', () => {
    expect(qtiIdentifier(3, '😀 ★')).toBe('item-3');
    expect(qtiIdentifier(5, 'Trade™')).toBe('item-5-TradeTM');
    expect(qtiIdentifier(4, 'Dose: first')).toBe('item-4-Dose-first');
  });
});
