// Importing GIFT and Moodle XML over HTTP, as an educator does: upload, preview (every item that will be created
// and every question that cannot be, with its reason), choose the missing objectives, confirm. Confirmation
// creates the drafts in one transaction: a failure creates nothing.
import fs from 'node:fs';
import fc from 'fast-check';
import path from 'node:path';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, projectRoot, type TestApp } from '../support/app';
import { signIn, visitor, type Agent } from '../support/client';
import { factories, firstActivity } from '../support/factories';
import { createItem } from '../support/items';
import { confirm, importPage, readPreview, upload } from './import-helpers';

const fixture = (name: string) =>
  fs.readFileSync(path.join(projectRoot, 'tests', 'fixtures', 'items', name), 'utf8');
const slug = firstActivity;

let t: TestApp;
let educator: User;
let agent: Agent;
beforeAll(async () => {
  t = await createTestApp();
  const make = factories(t);
  educator = await make.user({ role: 'educator' });
  agent = await signIn(t.app, educator.email);
});
afterAll(() => t.close());

/** The refused rows, in file order, with reasons matching the patterns. */
function expectReasons(rows: string[][], expected: [string, RegExp][]) {
  expect(rows.map((row) => row[1])).toEqual(expected.map(([name]) => name));
  rows.forEach((row, index) => expect(row[2]).toMatch(expected[index]![1]));
}

const imported = () =>
  t.db.prisma.item.findMany({
    where: { source: 'import' },
    orderBy: { id: 'asc' },
    include: { versions: true, objective: { select: { code: true } }, transitions: true },
  });

describe('who may import', () => {
  it('when a learner opens or posts the import, then it is refused (403); a visitor is sent to sign in', async () => {
    const learner = await factories(t).user();
    const learnerAgent = await signIn(t.app, learner.email);
    await learnerAgent.get(importPage(slug)).expect(403);
    const res = await learnerAgent
      .post(importPage(slug))
      .set('X-CSRF-Token', 'irrelevant')
      .attach('file', Buffer.from('::q::Q {T}'), 'a.gift');
    expect(res.status).toBe(403);
    const anonymous = await visitor(t.app).get(importPage(slug));
    expect(anonymous.status).toBe(302);
  });
});

describe('a valid GIFT file', () => {
  let previewHtml: string;

  it('when it is uploaded, then the preview lists every item with its type and objective, and nothing is created yet', async () => {
    const res = await upload(agent, slug, { fileName: 'valid.gift', content: fixture('valid.gift') });
    expect(res.status).toBe(200);
    previewHtml = res.text;
    const preview = readPreview(res.text);
    expect(preview.ready.map((row) => row.slice(0, 3))).toEqual([
      ['1', 'gift-sex-distribution', 'Single best answer'],
      ['2', 'gift-markers', 'Multiple response'],
      ['3', 'gift-true-false', 'True/false'],
      ['4', 'gift-unicode', 'Single best answer'],
      ['5', 'gift-no-objective', 'Single best answer'],
    ]);
    expect(preview.ready.slice(0, 4).map((row) => row[3])).toEqual(['O1', 'O1', 'O2', 'O2']);
    expect(preview.selects).toEqual(['objective-5']);
    expect(preview.refused).toEqual([]);
    expect(preview.ready[0]![4]).toMatch(/^Which statement best describes the sex distribution/);
    expect(preview.ready[0]![4]).toMatch(/Feedback written for wrong answers is left out/);
    expect(await imported()).toEqual([]);
  });

  it('when it is confirmed without choosing the missing objective, then the preview comes back (422) with the message, nothing created', async () => {
    const res = await confirm(agent, slug, previewHtml);
    expect(res.status).toBe(422);
    const preview = readPreview(res.text);
    expect(preview.errors).toEqual(['Choose the objective of question 5 (gift-no-objective).']);
    expect(preview.$('select[name=objective-5]').attr('aria-invalid')).toBe('true');
    expect(preview.ready).toHaveLength(5);
    expect(await imported()).toEqual([]);
  });

  it('when it is confirmed with the objective chosen, then every item is created as a draft of this educator, in the import order', async () => {
    const res = await confirm(agent, slug, previewHtml, { 'objective-5': 'O3' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${importPage(slug)}?imported=5`);
    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('5 items created as drafts.');

    const items = await imported();
    expect(items.map((item) => [item.key, item.status, item.objective.code, item.createdById])).toEqual([
      ['gift-sex-distribution', 'draft', 'O1', educator.id],
      ['gift-markers', 'draft', 'O1', educator.id],
      ['gift-true-false', 'draft', 'O2', educator.id],
      ['gift-unicode', 'draft', 'O2', educator.id],
      ['gift-no-objective', 'draft', 'O3', educator.id],
    ]);
    const versionOf = (key: string) => items.find((item) => item.key === key)!.versions[0]!;
    expect(versionOf('gift-sex-distribution')).toMatchObject({
      type: 'single',
      stem: 'Which statement best describes the **sex distribution** of renal leiomyosarcoma?',
      correct: ['B'],
      rationale:
        'Renal LMS, like LMS in general, is more common in *women*.\n\nRight: a strong female predilection.',
      state: 'draft',
    });
    expect(versionOf('gift-markers')).toMatchObject({ type: 'multiple', correct: ['A', 'B'] });
    expect(versionOf('gift-true-false')).toMatchObject({
      type: 'true_false',
      options: [
        { id: 'A', text: 'True' },
        { id: 'B', text: 'False' },
      ],
      correct: ['A'],
      rationale: 'Smooth muscle origin.\n\nYes: capsule, pelvis or renal vessels.',
    });
    expect(versionOf('gift-unicode').stem).toBe(
      'Which symbol is a trademark : ™, ©, or ® — or 😀? Ask שלום.',
    );
    expect(versionOf('gift-unicode').options).toEqual([
      { id: 'A', text: '™' },
      { id: 'B', text: '©' },
      { id: 'C', text: '®' },
    ]);
    expect(
      items.every((item) => item.transitions.length === 1 && item.transitions[0]!.toStatus === 'draft'),
    ).toBe(true);
    const audit = await t.db.prisma.auditEntry.findMany({ where: { action: 'item.import' } });
    expect(audit.map((entry) => [entry.actorId, (entry.details as { count?: number }).count])).toEqual([
      [educator.id, 5],
    ]);
  });

  it('when the same preview is confirmed again, then it is refused (409) and nothing more is created', async () => {
    const before = (await imported()).length;
    const res = await confirm(agent, slug, previewHtml, { 'objective-5': 'O3' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('This preview has expired or was already imported');
    expect((await imported()).length).toBe(before);
  });

  it('when the file is uploaded again, then every item is reported as already in the bank', async () => {
    const res = await upload(agent, slug, { fileName: 'valid.gift', content: fixture('valid.gift') });
    const preview = readPreview(res.text);
    expect(preview.ready).toEqual([]);
    expect(preview.refused.map((row) => row[2])).toEqual(
      Array(5).fill('An item with this name is already in the bank.'),
    );
    expect(preview.$('form[action$="/confirm"]')).toHaveLength(0);
  });
});

describe('choosing objectives in the preview', () => {
  it('when one of two objectives is chosen, then the 422 page keeps that choice and asks only for the other', async () => {
    const gift = '::choose-a::A? {=a ~b}\n\n::choose-b::B? {=a ~b}';
    const res = await upload(agent, slug, { fileName: 'choose.gift', content: gift });
    expect(readPreview(res.text).selects).toEqual(['objective-1', 'objective-2']);
    const again = await confirm(agent, slug, res.text, { 'objective-1': 'O2', 'objective-2': 'O9' });
    expect(again.status).toBe(422);
    const preview = readPreview(again.text);
    expect(preview.$('select[name=objective-1] option[selected]').attr('value')).toBe('O2');
    expect(preview.errors).toEqual(['Choose the objective of question 2 (choose-b).']);
    expect(preview.$('.notice-error a[href="#objective-2"]')).toHaveLength(1);
    expect(await t.db.prisma.item.count({ where: { key: { in: ['choose-a', 'choose-b'] } } })).toBe(0);
  });
});

describe('broken files: each broken question reported with its reason, the rest importable', () => {
  it('when a GIFT file mixes valid and broken questions, then each broken one is listed with why', async () => {
    const res = await upload(agent, slug, {
      fileName: 'broken.gift',
      content: fixture('broken.gift'),
      format: 'gift',
    });
    expect(res.status).toBe(200);
    const preview = readPreview(res.text);
    expect(preview.ready.map((row) => row[1])).toEqual(['fine-one', 'unknown-objective']);
    expect(preview.selects).toEqual(['objective-12']);
    expect(preview.$('#objective-12-hint').text()).toBe(
      'The file names the objective “O9” (category), which this activity does not have.',
    );
    expect(preview.refused.map((row) => row[0])).toEqual([
      '2 (line 5)',
      '3 (line 7)',
      '4 (line 9)',
      '5 (line 11)',
      '6 (line 13)',
      '7 (line 15)',
      '8 (line 17)',
      '9 (line 19)',
      '10 (line 21)',
      '11 (line 23)',
      '13 (line 29)',
    ]);
    expectReasons(preview.refused, [
      ['essay', /^Essay questions are not supported/],
      ['numerical', /^Numerical questions are not supported/],
      ['short', /^Short-answer questions are not supported/],
      ['matching', /^Matching questions are not supported/],
      ['nothing-right', /^No answer is marked right\.$/],
      ['bad-weights', /^The grades of the right answers add up to 75%, not 100%\.$/],
      ['off-grid', /^The grade 33\.33% of the answer “a” is not one Moodle allows/],
      ['partial', /gives partial credit \(50%\)/],
      ['fine-one', /^Question 1 of this file has the same name\.$/],
      ['same-options', /^Two options say the same thing: each option must be distinct\.$/],
      ['missing-word', /missing word/],
    ]);

    const confirmed = await confirm(agent, slug, res.text, { 'objective-12': 'O4' });
    expect(confirmed.status).toBe(303);
    expect(
      (await imported())
        .filter((item) => ['fine-one', 'unknown-objective'].includes(item.key))
        .map((item) => [item.key, item.objective.code]),
    ).toEqual([
      ['fine-one', 'O1'],
      ['unknown-objective', 'O4'],
    ]);
  });

  it('when a Moodle XML file mixes valid and broken questions, then each broken one is listed with why', async () => {
    const content = fixture('broken.xml').replace('STEM_TOO_LONG', 'x'.repeat(5001));
    const res = await upload(agent, slug, { fileName: 'broken.xml', content, contentType: 'text/xml' });
    expect(res.status).toBe(200);
    const preview = readPreview(res.text);
    expect(preview.ready.map((row) => row[1])).toEqual(['xml-fine', 'xml-tag-unknown']);
    expect(preview.$('#objective-7-hint').text()).toMatch(/names the objective “O7” \(tag\)/);
    expectReasons(preview.refused, [
      ['xml-short', /“shortanswer” question: only multichoice/],
      ['xml-no-right', /^No answer is marked right\.$/],
      ['xml-thirds-rejected', /33\.33% .* not one Moodle allows/],
      ['xml-too-long', /^The stem is too long \(at most 5000 characters\)\.$/],
      ['xml-fine', /^Question 1 of this file has the same name\.$/],
    ]);
  });
});

describe('HTML that cannot be read whole', () => {
  it('when a question leaves a <style>, <script> or <textarea> open, then it is refused with why instead of imported without the text after it', async () => {
    const question = (name: string, stem: string, answer = 'yes') =>
      `<question type="multichoice"><name><text>${name}</text></name>` +
      `<questiontext format="html"><text><![CDATA[${stem}]]></text></questiontext>` +
      `<answer fraction="100"><text><![CDATA[${answer}]]></text></answer>` +
      `<answer fraction="0"><text>no</text></answer></question>`;
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><quiz>' +
      '<question type="category"><category><text>$course$/top/O1</text></category></question>' +
      question('open-style', '<p>Which finding?</p><style>p { color: red }<p>The part after the style.</p>') +
      question('open-script', '<p>Stem</p>', '<script>track()') +
      question('closed-style', '<style>p { color: red }</style><p>Which <b>finding</b>?</p>') +
      '</quiz>';
    const res = await upload(agent, slug, { fileName: 'open.xml', content: xml, contentType: 'text/xml' });
    expect(res.status).toBe(200);
    const preview = readPreview(res.text);
    expect(preview.ready.map((row) => row[1])).toEqual(['closed-style']);
    expectReasons(preview.refused, [
      [
        'open-style',
        /^Its HTML opens a <style> element that is never closed, so the text after it would be lost/,
      ],
      ['open-script', /^Its HTML opens a <script> element that is never closed/],
    ]);

    const gift = await upload(agent, slug, {
      fileName: 'open.gift',
      content:
        '$CATEGORY: top/O1\n\n::gift-open-textarea::[html]<p>Which?</p><textarea>notes<p>Rest</p> {=a ~b}',
    });
    expectReasons(readPreview(gift.text).refused, [
      ['gift-open-textarea', /^Its HTML opens a <textarea> element that is never closed/],
    ]);

    expect((await confirm(agent, slug, res.text)).status).toBe(303);
    const created = (await imported()).filter(
      (item) => item.key.includes('style') || item.key.includes('open'),
    );
    expect(created.map((item) => [item.key, item.versions[0]!.stem])).toEqual([
      ['closed-style', 'Which **finding**?'],
    ]);
  });
});

describe('a valid Moodle XML file', () => {
  it('when it is imported, then HTML becomes Markdown (script dropped), categories and tags name objectives and references come along', async () => {
    const res = await upload(agent, slug, {
      fileName: 'valid.xml',
      content: fixture('valid.xml'),
      contentType: 'application/xml',
    });
    const preview = readPreview(res.text);
    expect(preview.ready.map((row) => [row[1], row[3]])).toEqual([
      ['xml-imaging', 'O3'],
      ['xml-thirds', 'O4'],
      ['xml-true-false', 'O3'],
    ]);
    expect((await confirm(agent, slug, res.text)).status).toBe(303);
    const byKey = new Map((await imported()).map((item) => [item.key, item.versions[0]!]));
    expect(byKey.get('xml-imaging')).toMatchObject({
      stem: 'A 5\u00a0cm renal mass: which finding suggests **leiomyosarcoma**?',
      options: [
        { id: 'A', text: 'A large heterogeneous mass' },
        { id: 'B', text: 'Macroscopic fat' },
        { id: 'C', text: 'A simple cyst' },
      ],
      correct: ['A'],
      rationale: 'LMS is usually a large, heterogeneous mass.\n\nRight.',
    });
    expect(byKey.get('xml-thirds')).toMatchObject({
      type: 'multiple',
      correct: ['A', 'B', 'C'],
      references: [1],
    });
    expect(byKey.get('xml-true-false')).toMatchObject({
      type: 'true_false',
      correct: ['A'],
      rationale: 'Yes: radical nephrectomy with clear margins.',
    });
  });
});

describe('nothing half-imported', () => {
  it('when a name is taken between the preview and the confirmation, then the confirmation creates nothing (409) and says why', async () => {
    const gift = ['race-one', 'race-two', 'race-three']
      .map((key) => `::${key}::Q ${key}? {=a ~b}`)
      .join('\n\n');
    const res = await upload(agent, slug, { fileName: 'race.gift', content: `$CATEGORY: top/O1\n\n${gift}` });
    expect(readPreview(res.text).ready).toHaveLength(3);
    await createItem(agent, { key: 'race-three' });
    const before = await t.db.prisma.item.count();

    const confirmed = await confirm(agent, slug, res.text);
    expect(confirmed.status).toBe(409);
    const again = readPreview(confirmed.text);
    expect(again.$('.notice-error h2').text()).toBe('Nothing was imported');
    expect(again.$('.notice-error p').text()).toMatch(/race-three/);
    expect(await t.db.prisma.item.count()).toBe(before);
    expect(await t.db.prisma.item.findMany({ where: { key: { in: ['race-one', 'race-two'] } } })).toEqual([]);
  });

  it('when another user posts a preview that is not theirs, then it is refused and nothing is created', async () => {
    const res = await upload(agent, slug, {
      fileName: 'theirs.gift',
      content: '$CATEGORY: top/O1\n\n::not-yours::Q {=a ~b}',
    });
    const other = await signIn(t.app, (await factories(t).user({ role: 'educator' })).email);
    const own = await upload(other, slug, {
      fileName: 'own.gift',
      content: '$CATEGORY: top/O1\n\n::own-one::Q {=a ~b}',
    });
    const forged = readPreview(own.text);
    const stolen = readPreview(res.text);
    const attempt = await other
      .post(`${importPage(slug)}/confirm`)
      .field('_csrf', forged.csrf!)
      .field('payload', stolen.payload!);
    expect(attempt.status).toBe(409);
    expect(await t.db.prisma.item.findMany({ where: { key: 'not-yours' } })).toEqual([]);
  });
});

describe('files refused as a whole', () => {
  const before = () => t.db.prisma.item.count();

  it.each([['billion-laughs.xml'], ['external-entity.xml']])(
    'when %s is uploaded, then it is refused in well under a second and nothing is expanded or created',
    async (name) => {
      const count = await before();
      const started = Date.now();
      const res = await upload(agent, slug, {
        fileName: name,
        content: fixture(name),
        contentType: 'text/xml',
      });
      const elapsed = Date.now() - started;
      expect(res.status).toBe(422);
      expect(res.text).toContain('declares a document type or entities');
      expect(res.text).not.toMatch(/lollol|root:/);
      expect(elapsed).toBeLessThan(1000);
      expect(await before()).toBe(count);
    },
  );

  it.each([
    ['questions.pdf', 'application/pdf', '%PDF-1.4', /is not a GIFT or Moodle XML file/],
    ['questions.xml', 'image/png', '<quiz/>', /\(image\/png\) is not a GIFT or Moodle XML file/],
    ['questions', 'text/plain', '::q::Q {T}', /is not a GIFT or Moodle XML file/],
    [
      'image.gift',
      'application/octet-stream',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]),
      /not UTF-8 text/,
    ],
  ])(
    'when %s (%s) is uploaded, then it is refused with 415 and a message',
    async (fileName, contentType, content, message) => {
      const count = await before();
      const res = await upload(agent, slug, { fileName, contentType, content });
      expect(res.status).toBe(415);
      expect(res.text).toMatch(message);
      expect(await before()).toBe(count);
    },
  );

  it('when the chosen format does not match the file name, then it is refused with 415', async () => {
    const res = await upload(agent, slug, { fileName: 'q.xml', content: '<quiz/>', format: 'gift' });
    expect(res.status).toBe(415);
    expect(res.text).toContain('You chose GIFT, but “q.xml” is named as a Moodle XML file');
  });

  it('when the file is larger than 1 MB, then it is refused with 413 and a message', async () => {
    const res = await upload(agent, slug, { fileName: 'big.gift', content: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(res.text).toContain('The file is larger than 1 MB');
  });

  it('when the file holds more than 500 questions, then it is refused with 413 and nothing is created', async () => {
    const count = await before();
    const gift = Array.from({ length: 501 }, (_, i) => `::many-${i}::Q${i} {=a ~b}`).join('\n\n');
    const res = await upload(agent, slug, { fileName: 'many.gift', content: gift });
    expect(res.status).toBe(413);
    expect(res.text).toContain('The file holds 501 questions; import at most 500 at a time.');
    expect(await before()).toBe(count);
  });

  it('when no file is sent, or the XML is malformed, or the file holds no question, then the form says so (422)', async () => {
    const token = readPreview((await agent.get(importPage(slug))).text).csrf!;
    const none = await agent.post(importPage(slug)).field('_csrf', token).field('format', 'auto');
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose a GIFT or Moodle XML file to import.');
    const malformed = await upload(agent, slug, {
      fileName: 'bad.xml',
      content: '<quiz>\n<question>\n</quiz>',
    });
    expect(malformed.status).toBe(422);
    expect(malformed.text).toMatch(/not well-formed XML: .*line 3/);
    const empty = await upload(agent, slug, { fileName: 'empty.gift', content: '// only a comment\n' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('The file holds no questions.');
  });
});

describe('any file', () => {
  it('whatever a GIFT or XML file holds, then the upload answers a preview or a 4xx with a message, never a 5xx, and creates nothing', async () => {
    const before = await t.db.prisma.item.count();
    const piece = fc.oneof(
      fc.constantFrom(
        '::n::',
        '{',
        '}',
        '=a',
        '~b',
        '#',
        '####',
        '%50%',
        '\\',
        '\n',
        '\n\n',
        '$CATEGORY: top/O1\n\n',
        '[html]<p>',
        '<quiz>',
        '</quiz>',
        '<question type="multichoice">',
        '</question>',
        '<name><text>x</text></name>',
        '<answer fraction="100"><text>a</text></answer>',
        '<!DOCTYPE',
        '&lt;',
        '&#0;',
        '\u0000',
        '\uFFFF',
      ),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 30 }),
        fc.constantFrom('q.gift', 'q.xml', 'q.txt'),
        async (parts, fileName) => {
          const res = await upload(agent, slug, { fileName, content: parts.join('') });
          expect([200, 413, 415, 422]).toContain(res.status);
          if (res.status !== 200) expect(readPreview(res.text).$('.notice-error p').text()).toMatch(/\S/);
        },
      ),
      { numRuns: 60 },
    );
    expect(await t.db.prisma.item.count()).toBe(before);
  });
});

describe('names', () => {
  it('when a name holds a right-to-left override or a line break, then the question is refused as the item form would, and shown without it', async () => {
    const gift = '::invoice\u202Egpj.exe::A? {=a ~b}\n\n::multi\\nline::B? {=a ~b}';
    const res = await upload(agent, slug, {
      fileName: 'names.gift',
      content: `$CATEGORY: top/O1\n\n${gift}`,
    });
    const preview = readPreview(res.text);
    expect(preview.ready).toEqual([]);
    expect(preview.refused.map((row) => row[1])).toEqual(['invoicegpj.exe', 'multi line']);
    expect(preview.refused[0]![2]).toBe(
      'The name contains invisible formatting characters (such as right-to-left overrides); type it plainly.',
    );
    expect(preview.refused[1]![2]).toMatch(/^The name contains characters that are not allowed/);
  });
});
