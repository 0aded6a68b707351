// The history page: each version with its number, state, author and time, and a field-by-field diff against the
// version before it (jsdiff), shown as <ins>/<del> with text labels.
import * as cheerio from 'cheerio';
import { versionChanges, type ComparableVersion } from '../../server/items/diff';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories } from '../support/factories';
import { act, createItem, editFormOf, itemUrl, saveEdit, uniqueKey } from '../support/items';

const base: ComparableVersion = {
  type: 'single',
  stem: 'Which finding is most typical?',
  options: [
    { id: 'A', text: 'Alpha' },
    { id: 'B', text: 'Beta' },
  ],
  correct: ['A'],
  rationale: 'Because.',
  sectionSlug: 'etiology',
  references: [1, 2],
};

describe('the diff of two versions', () => {
  it('when words, options, the answer and references change, then each changed field lists its parts and the rest is unchanged', () => {
    const { changed, unchanged } = versionChanges(
      base,
      {
        ...base,
        stem: 'Which finding is least typical?',
        options: [...base.options, { id: 'C', text: 'Gamma' }],
        correct: ['C'],
        references: [2, 3],
      },
      (slug) => `Lesson ${slug}`,
    );
    expect(unchanged).toEqual(['Type', 'Option A', 'Option B', 'Rationale', 'Supporting section']);
    expect(changed).toEqual([
      {
        label: 'Stem',
        parts: [
          { kind: 'same', text: 'Which finding is ' },
          { kind: 'removed', text: 'most' },
          { kind: 'added', text: 'least' },
          { kind: 'same', text: ' typical?' },
        ],
      },
      { label: 'Option C', parts: [{ kind: 'added', text: 'Gamma' }] },
      {
        label: 'Correct answer',
        parts: [
          { kind: 'removed', text: 'A' },
          { kind: 'added', text: 'C' },
        ],
      },
      {
        label: 'References',
        parts: [
          { kind: 'removed', text: '[1]' },
          { kind: 'same', text: '[2]' },
          { kind: 'added', text: '[3]' },
        ],
      },
    ]);
  });

  it('when the type and the section change, then the old and new values are shown, by name', () => {
    const { changed } = versionChanges(
      base,
      { ...base, type: 'multiple', sectionSlug: '' },
      (s) => `Lesson ${s}`,
    );
    expect(changed).toEqual([
      {
        label: 'Type',
        parts: [
          { kind: 'removed', text: 'Single best answer' },
          { kind: 'added', text: 'Multiple response' },
        ],
      },
      { label: 'Supporting section', parts: [{ kind: 'removed', text: 'Lesson etiology' }] },
    ]);
  });
});

describe('the history page', () => {
  let t: TestApp;
  let alice: Agent;
  let bruno: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    const make = factories(t);
    const [a, b] = await Promise.all([
      make.user({ role: 'educator', fullName: 'Alice Author' }),
      make.user({ role: 'educator', fullName: 'Bruno Editor' }),
    ]);
    [alice, bruno] = await Promise.all([signIn(t.app, a.email), signIn(t.app, b.email)]);
  });
  afterAll(() => t.close());

  it('when an item has three versions, then each is listed newest first with who, when, state and its changes', async () => {
    const id = await createItem(alice, {
      key: uniqueKey('history'),
      stem: 'Which <b>finding</b> is most typical?',
      rationale: 'Unchanged rationale.',
    });
    await saveEdit(bruno, id, await editFormOf(bruno, id), {
      stem: 'Which <b>finding</b> is least typical?',
      optionC: 'Gamma & <i>delta</i>',
      correct: 'C',
    });
    await act(bruno, id, 'submit');
    await act(alice, id, 'approve');
    await saveEdit(alice, id, await editFormOf(alice, id), { references: ['1', '3'] });

    const res = await alice.get(`${itemUrl(id)}/history`).expect(200);
    const $ = cheerio.load(res.text);
    const versions = $('li.version');
    expect(versions.map((_, v) => $(v).find('h2').text().replace(/\s+/g, ' ').trim()).get()).toEqual([
      'Version 3 Draft',
      'Version 2 Published',
      'Version 1 Superseded',
    ]);
    expect(versions.eq(1).find('p.muted').first().text()).toMatch(
      /^By Bruno Editor, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    expect(versions.eq(2).text()).toContain('The first version.');

    const v2 = versions.eq(1);
    expect(v2.find('caption').text()).toBe('Changes from version 1 to version 2');
    const row = (label: string) =>
      v2
        .find('tbody tr')
        .filter((_, tr) => $(tr).find('th').text() === label)
        .find('td');
    expect(row('Stem').find('del').text()).toBe('−removed: most');
    expect(row('Stem').find('ins').text()).toBe('+added: least');
    // Item text is escaped in the diff: the <b> typed in the stem is text, never markup.
    expect(row('Stem').text()).toContain('<b>finding</b>');
    expect(row('Stem').find('b')).toHaveLength(0);
    expect(row('Option C').find('ins').text()).toBe('+added: Gamma & <i>delta</i>');
    expect(row('Option C').find('i')).toHaveLength(0);
    expect(row('Correct answer').find('del').text()).toBe('−removed: A');
    expect(row('Correct answer').find('ins').text()).toBe('+added: C');
    expect(v2.find('p.muted').last().text()).toBe(
      'Unchanged: Type, Option A, Option B, Rationale, Supporting section, References.',
    );
    // The labels are text: a hidden word for screen readers, a visible sign hidden from them.
    expect(v2.find('del .visually-hidden').first().text()).toBe('removed: ');
    expect(v2.find('ins .diff-sign').first().attr('aria-hidden')).toBe('true');

    const v3 = versions.eq(0);
    expect(
      v3
        .find('tbody tr th')
        .map((_, th) => $(th).text())
        .get(),
    ).toEqual(['References']);
  });
});
