// The bank page: counts per objective and status, the warning when an objective has too few published items for
// the post-test (which is then not offered), the filters, and keyset paging by id.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { act, bank, createItem, itemFields, publishedIds, uniqueKey } from '../support/items';
import { activityPath } from '../support/journey';
import type { ItemDraft } from '../../server/items/types';

let t: TestApp;
let make: Factories;
let educator: Agent;
let reviewer: Agent;
let educatorId: number;
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  const [e, r] = await Promise.all([
    make.user({ role: 'educator', fullName: 'Erin Writer' }),
    make.user({ role: 'admin', fullName: 'Rae Reviewer' }),
  ]);
  educatorId = e.id;
  [educator, reviewer] = await Promise.all([signIn(t.app, e.email), signIn(t.app, r.email)]);
});
afterAll(() => t.close());

const load = async (url: string) => cheerio.load((await educator.get(url).expect(200)).text);
const countsRow = ($: cheerio.CheerioAPI, code: string) =>
  $('table.item-counts tbody tr')
    .filter((_, tr) => $(tr).find('th').text().startsWith(code))
    .find('td')
    .map((_, td) => Number($(td).text()))
    .get();
const listedKeys = ($: cheerio.CheerioAPI) =>
  $('table.item-list tbody th a')
    .map((_, a) => $(a).text())
    .get();

/** Drafts made through the service the import uses (many at once, as an import does). */
const drafts = (count: number, prefix: string, objectiveCode = 'O3'): ItemDraft[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-${String(i).padStart(3, '0')}`,
    type: 'single',
    stem: `Generated question ${prefix} number ${i}?`,
    options: [
      { id: 'A', text: 'Yes' },
      { id: 'B', text: 'No' },
    ],
    correct: ['A'],
    rationale: '',
    objectiveCode,
    sectionSlug: null,
    references: [],
  }));

describe('the list of banks', () => {
  it('when an educator opens the item bank, then each activity is listed with its counts and a link to its bank', async () => {
    const $ = await load('/items');
    const row = $('table tbody tr').first();
    expect(row.find('th a').attr('href')).toBe(bank);
    expect(row.find('td').eq(2).text()).toBe('24'); // the 24 starter items, published
  });
});

describe('counts and the warning', () => {
  it('when an objective has fewer published items than the post-test draws, then the bank warns and the post-test is not offered', async () => {
    let $ = await load(bank);
    // O2: 5 starter items, published (draft, in review, published, retired, revisions, total).
    expect(countsRow($, 'O2')).toEqual([0, 0, 5, 0, 0, 5]);
    expect($('.notice-warning')).toHaveLength(0);

    const o2 = await publishedIds(t, 'O2');
    for (const id of o2.slice(0, 3))
      expect((await act(reviewer, id, 'retire', 'Testing the warning')).status).toBe(303);
    await createItem(educator, { objectiveCode: 'O2' });
    $ = await load(bank);
    expect(countsRow($, 'O2')).toEqual([1, 0, 2, 3, 0, 6]);
    const warning = $('.notice-warning');
    expect(warning).toHaveLength(1);
    expect(warning.text()).toContain('O2 has 2 published items; the post-test draws 3');
    expect(warning.text()).toContain('the post-test is not offered');
    expect($('table.item-counts tbody tr.row-short th').text()).toContain('too few published');

    const learner = await make.user();
    await make.readLessons(learner);
    const overview = cheerio.load(
      (await (await signIn(t.app, learner.email)).get(`${activityPath}/post-test`).expect(200)).text,
    );
    expect(overview('main').text()).toContain('too few published questions for objective O2');
  });
});

describe('filters', () => {
  it('when the bank is filtered by objective, status, author or text, then only matching items are listed, and the filters are kept', async () => {
    const tag = uniqueKey('filter');
    const mine = await createItem(educator, {
      key: `${tag}-a`,
      stem: `Which 100%_literal ${tag} finding is typical?`,
      objectiveCode: 'O4',
    });
    const submitted = await createItem(educator, { key: `${tag}-b`, objectiveCode: 'O4' });
    await act(educator, submitted, 'submit');

    let $ = await load(`${bank}?objective=O4&status=draft&author=${educatorId}`);
    expect(listedKeys($)).toEqual([`${tag}-a`]);
    expect($('#filter-objective option[selected]').attr('value')).toBe('O4');
    expect($('#filter-status option[selected]').attr('value')).toBe('draft');
    expect($('#filter-author option[selected]').text()).toBe('Erin Writer');

    $ = await load(`${bank}?status=in_review&objective=O4`);
    expect(listedKeys($)).toEqual([`${tag}-b`]);

    // Text: any case, and % and _ mean themselves.
    $ = await load(`${bank}?text=${encodeURIComponent(`100%_LITERAL ${tag.toUpperCase()}`)}`);
    expect(listedKeys($)).toEqual([`${tag}-a`]);
    expect($('#filter-text').attr('value')).toBe(`100%_LITERAL ${tag.toUpperCase()}`);
    $ = await load(`${bank}?text=${encodeURIComponent('100%%literal')}`);
    expect(listedKeys($)).toEqual([]);
    expect($('table.item-list tbody td').text()).toContain('No items match these filters');

    // A filter that cannot be read is dropped, not an error.
    $ = await load(`${bank}?status=bogus&author=abc&objective=${encodeURIComponent('<x>')}&text=${tag}`);
    expect(listedKeys($)).toEqual([`${tag}-a`]);
    expect($('table.item-list tbody th a').attr('href')).toBe(`${bank}/${mine}`);
  });
});

describe('keyset paging', () => {
  it('when the bank has more than a page, then pages follow by id (after=<last id>), each at most 50, keeping the filters', async () => {
    const prefix = uniqueKey('paged');
    const ids = await t.services.items.createDrafts(
      (await t.catalogue.find('renal-leiomyosarcoma'))!.id,
      { id: educatorId },
      drafts(120, prefix),
      'import',
    );
    const filter = `text=${encodeURIComponent(`Generated question ${prefix}`)}`;
    const first = await load(`${bank}?${filter}`);
    expect(listedKeys(first)).toEqual(drafts(50, prefix).map((d) => d.key));
    const next = first('a[rel=next]').attr('href')!;
    expect(next).toBe(
      `${bank}?text=${encodeURIComponent(`Generated question ${prefix}`).replace(/%20/g, '+')}&after=${ids[49]}`,
    );
    expect(first('nav.pager a')).toHaveLength(1);

    // An item created while someone pages does not shift the next page (ids only grow; no OFFSET).
    await createItem(educator, itemFields({ stem: `Generated question ${prefix} late arrival?` }));
    const second = await load(next);
    expect(listedKeys(second)).toEqual(
      drafts(100, prefix)
        .slice(50)
        .map((d) => d.key),
    );
    expect(second('nav.pager a').first().text()).toBe('First page');
    const third = await load(second('a[rel=next]').attr('href')!);
    expect(listedKeys(third)).toHaveLength(21);
    expect(third('a[rel=next]')).toHaveLength(0);
  });
});
