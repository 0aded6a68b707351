// Exporting the bank over HTTP (Moodle XML, GIFT, QTI 3.0 package), all of it or what the filters select; and
// export then import, through the app, into another activity gives the same items.
import * as cheerio from 'cheerio';
import { XMLValidator } from 'fast-xml-parser';
import type { User } from '../../server/generated/prisma/client';
import { parseGift } from '../../server/items/formats/gift-parse';
import { parseMoodleXml } from '../../server/items/formats/moodle-xml-parse';
import type { ItemDraft } from '../../server/items/types';
import { createTestApp, type TestApp } from '../support/app';
import { getBinary, signIn, type Agent, type ErrorBody } from '../support/client';
import { addActivity } from '../support/content';
import { factories, firstActivity } from '../support/factories';
import { createItem, uniqueKey } from '../support/items';
import { confirm, readPreview, readZip, upload } from './import-helpers';

const TARGETS = {
  'Moodle XML': 'renal-leiomyosarcoma-xml-copy',
  GIFT: 'renal-leiomyosarcoma-gift-copy',
} as const;

let t: TestApp;
let educator: User;
let agent: Agent;
let keys: string[];
beforeAll(async () => {
  t = await createTestApp();
  const make = factories(t);
  await make.syncContent((dir) => {
    for (const slug of Object.values(TARGETS))
      addActivity(dir, { slug, title: `Import target ${slug}`, maximumCredits: 1 });
  });
  educator = await make.user({ role: 'educator' });
  agent = await signIn(t.app, educator.email);
  keys = [uniqueKey('export-single'), uniqueKey('export-multiple'), uniqueKey('export-tf')];
  await createItem(agent, {
    key: keys[0]!,
    stem: 'Which **dose**: 5 {mg} ~ = # \\ <b> & é ™ 😀 שלום?\n\n- one\n- two',
    optionA: '%50% of *them*',
    optionB: '[1] reference = first',
    optionC: 'C: ~tilde~',
    correct: 'B',
    rationale: '#First line\n\nthen ]]> and ####',
    objectiveCode: 'O1',
    sectionSlug: 'etiology',
    references: ['1', '5'],
  });
  await createItem(agent, {
    key: keys[1]!,
    type: 'multiple',
    optionD: 'Fourth',
    correct: ['A', 'C', 'D'],
    objectiveCode: 'O2',
    sectionSlug: '',
    references: [],
  });
  await createItem(agent, {
    key: keys[2]!,
    type: 'true_false',
    stem: 'Renal LMS is more common in women.',
    optionA: 'True',
    optionB: 'False',
    optionC: '',
    correct: 'A',
    objectiveCode: 'O2',
  });
});
afterAll(() => t.close());

const bankDrafts = async (filters = {}) => {
  const activity = (await t.catalogue.find(firstActivity))!;
  return t.services.items.listForExport(activity.id, filters);
};
const mine = (drafts: ItemDraft[]) => drafts.filter((draft) => keys.includes(draft.key));

function readBack(text: string, parse: typeof parseGift): ItemDraft[] {
  const parsed = parse(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.questions.map((q) => ({ ...q.draft!, objectiveCode: q.objective?.code ?? null }));
}

describe('downloads', () => {
  it('when an educator downloads Moodle XML, then it is an XML attachment holding every item of the bank as it stands', async () => {
    const res = await agent.get(`/items/${firstActivity}/export.xml`).expect(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=${firstActivity}-items.xml`);
    expect(XMLValidator.validate(res.text)).toBe(true);
    const all = await bankDrafts();
    expect(readBack(res.text, parseMoodleXml).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      all.sort((a, b) => a.key.localeCompare(b.key)),
    );
    expect(mine(all)).toHaveLength(3);
  });

  it('when an educator downloads GIFT filtered by objective and status, then only those items are in it', async () => {
    const res = await agent.get(`/items/${firstActivity}/export.gift?objective=O2&status=draft`).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename=${firstActivity}-items-O2-draft.gift`,
    );
    const drafts = readBack(res.text, parseGift);
    expect(drafts.map((d) => d.key).sort()).toEqual([keys[1], keys[2]].sort());
    expect(drafts).toEqual(await bankDrafts({ objective: 'O2', status: 'draft' }));
  });

  it('when the filters are blank (the form’s “All”), then they are ignored; a bad one is a 400 saying what', async () => {
    const all = await agent.get(`/items/${firstActivity}/export.gift?objective=&status=`).expect(200);
    expect(readBack(all.text, parseGift)).toHaveLength((await bankDrafts()).length);
    const bad = await agent
      .get(`/items/${firstActivity}/export.gift?status=lost`)
      .set('Accept', 'application/json');
    expect(bad.status).toBe(400);
    const unknown = await agent
      .get(`/items/${firstActivity}/export.xml?objective=O9`)
      .set('Accept', 'application/json');
    expect(unknown.status).toBe(400);
    expect((unknown.body as ErrorBody).error.message).toBe('O9 is not an objective of this activity.');
  });

  it('when an educator downloads the QTI 3.0 package, then it is a ZIP whose manifest lists one well-formed item per item', async () => {
    const res = await getBinary(agent, `/items/${firstActivity}/export.qti.zip?status=draft`).expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename=${firstActivity}-items-draft-qti3.zip`,
    );
    const entries = readZip(res.body as Buffer);
    const manifest = cheerio.load(entries.get('imsmanifest.xml')!.toString('utf8'), { xml: true });
    const hrefs = manifest('resource[type="imsqti_item_xmlv3p0"]')
      .map((_i, r) => manifest(r).attr('href'))
      .get();
    expect(hrefs).toHaveLength(3);
    const titles = hrefs.map((href) => {
      const xml = entries.get(href)!.toString('utf8');
      expect(XMLValidator.validate(xml)).toBe(true);
      return cheerio.load(xml, { xml: true })('qti-assessment-item').attr('title');
    });
    expect(titles.sort()).toEqual([...keys].sort());
  });

  it('when a learner asks for an export, then it is refused (403)', async () => {
    const learner = await signIn(t.app, (await factories(t).user()).email);
    for (const path of ['export.xml', 'export.gift', 'export.qti.zip'])
      await learner.get(`/items/${firstActivity}/${path}`).expect(403);
  });
});

describe('export then import, through the app, into another activity', () => {
  it.each([
    ['Moodle XML', 'export.xml', 'bank.xml'],
    ['GIFT', 'export.gift', 'bank.gift'],
  ] as const)(
    'when the bank’s drafts are exported as %s and imported, then the new items are the same items',
    async (format, path, fileName) => {
      const exported = await agent.get(`/items/${firstActivity}/${path}?status=draft`).expect(200);
      const target = (await t.catalogue.find(TARGETS[format]))!;
      const res = await upload(agent, target.slug, { fileName, content: exported.text });
      expect(readPreview(res.text).refused).toEqual([]);
      expect((await confirm(agent, target.slug, res.text)).status).toBe(303);

      const imported = await t.services.items.listForExport(target.id, { status: 'draft' });
      const expected = await bankDrafts({ status: 'draft' });
      expect(imported.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
        expected.sort((a, b) => a.key.localeCompare(b.key)),
      );
    },
  );
});
