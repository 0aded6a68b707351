// Writing items in the browser: the form, its field-level messages (values kept, nothing half-saved), the item
// page's preview as learners see it, edits as new versions, and starter items taken over by the browser.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, submitForm, type Agent } from '../support/client';
import { activityFile, editYaml } from '../support/content';
import { factories, firstActivity, type Factories } from '../support/factories';
import {
  bank,
  createItem,
  editFormOf,
  errorsIn,
  itemFields,
  itemUrl,
  saveEdit,
  storedItem,
  uniqueKey,
} from '../support/items';

let t: TestApp;
let make: Factories;
let educator: Agent;
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  educator = await signIn(t.app, (await make.user({ role: 'educator', fullName: 'Edna Educator' })).email);
});
afterAll(() => t.close());

const counts = async () => ({
  items: await t.db.prisma.item.count(),
  versions: await t.db.prisma.itemVersion.count(),
  transitions: await t.db.prisma.itemTransition.count(),
  audit: await t.db.prisma.auditEntry.count(),
});

describe('creating an item', () => {
  it('when an educator fills in the form, then the item is a draft at version 1 with a transition row and an audit entry', async () => {
    const before = await counts();
    const key = uniqueKey('created');
    const id = await createItem(educator, { key, references: ['1', '5'] });
    const item = await storedItem(t, id);
    expect(item).toMatchObject({
      key,
      status: 'draft',
      source: 'authored',
      publishedVersionId: null,
      lockVersion: 0,
    });
    expect(item.versions).toHaveLength(1);
    expect(item.versions[0]).toMatchObject({
      version: 1,
      state: 'draft',
      type: 'single',
      options: [
        { id: 'A', text: 'A large heterogeneous mass arising from the renal capsule or sinus' },
        { id: 'B', text: 'A small simple cyst' },
        { id: 'C', text: 'Macroscopic fat in the lesion' },
      ],
      correct: ['A'],
      sectionSlug: 'evaluation',
      references: [1, 5],
    });
    expect(item.transitions.map((tr) => [tr.fromStatus, tr.toStatus])).toEqual([[null, 'draft']]);
    const audit = await t.db.prisma.auditEntry.findFirstOrThrow({
      where: { action: 'item.create', targetId: String(id) },
    });
    expect(audit.details).toMatchObject({ key, objective: 'O1' });
    expect(await counts()).toEqual({
      items: before.items + 1,
      versions: before.versions + 1,
      transitions: before.transitions + 1,
      audit: before.audit + 1,
    });
  });

  it('when the form is wrong, then each field says what is wrong, the values typed are kept, and nothing is saved (422)', async () => {
    const before = await counts();
    const res = await submitForm(educator, `${bank}/new`, bank, {
      ...itemFields({ key: '', stem: '  ', optionB: '', optionC: 'Third', correct: [], objectiveCode: '' }),
      rationale: 'Kept as typed',
    });
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('#key-error').text()).toBe('Give the item a name.');
    expect($('#stem-error').text()).toBe('Write the question (the stem).');
    expect($('#options-error').text()).toBe('Every option needs text; remove the empty ones.');
    expect($('#correct-error').text()).toBe('Mark the correct answer.');
    expect($('#objectiveCode-error').text()).toBe('Choose the objective this item assesses.');
    // The summary links to each field.
    expect(
      $('[role=alert] a')
        .map((_, a) => $(a).attr('href'))
        .get(),
    ).toEqual(expect.arrayContaining(['#key', '#stem', '#options', '#correct', '#objectiveCode']));
    expect($('#optionA').attr('value')).toBe(
      'A large heterogeneous mass arising from the renal capsule or sinus',
    );
    expect($('#optionC').attr('value')).toBe('Third');
    expect($('#rationale').text()).toBe('Kept as typed');
    expect($('#sectionSlug option[selected]').attr('value')).toBe('evaluation');
    expect($('#reference-2').attr('checked')).toBeDefined();
    expect(await counts()).toEqual(before);
  });

  it.each([
    [
      'two correct answers for a single best answer',
      { correct: ['A', 'B'] },
      'correct',
      'This type has exactly one correct answer.',
    ],
    [
      'every option correct in multiple response',
      { type: 'multiple', correct: ['A', 'B', 'C'] },
      'correct',
      'Not every option can be correct: leave at least one wrong option.',
    ],
    [
      'a correct answer that is not an option',
      { correct: 'E' },
      'correct',
      'A correct answer is not one of the options.',
    ],
    ['one option only', { optionB: '', optionC: '' }, 'options', 'Give between 2 and 6 options.'],
    [
      'two options saying the same',
      { optionC: 'a small SIMPLE cyst' },
      'options',
      'Two options say the same thing: each option must be distinct.',
    ],
    ['a stem too long', { stem: 'x'.repeat(5001) }, 'stem', 'Use at most 5000 characters'],
    [
      'a control character in an option',
      { optionB: 'bell\u0007' },
      'options',
      'Contains characters that are not allowed (control characters or invalid Unicode)',
    ],
    [
      'an objective of no activity',
      { objectiveCode: 'O9' },
      'objectiveCode',
      'O9 is not an objective of this activity.',
    ],
    [
      'a section of no lesson',
      { sectionSlug: 'nowhere' },
      'sectionSlug',
      'Choose a section of this activity.',
    ],
    [
      'a reference not in the list',
      { references: ['99'] },
      'references',
      'Choose references from this activity’s list.',
    ],
    ['an unknown type', { type: 'essay' }, 'type', 'Choose the type of question.'],
  ])('when the form has %s, then it is refused at that field', async (_name, change, field, message) => {
    const before = await counts();
    const res = await submitForm(educator, `${bank}/new`, bank, itemFields(change));
    expect(res.status).toBe(422);
    expect(cheerio.load(res.text)(`#${field}-error`).text()).toBe(message);
    expect(await counts()).toEqual(before);
  });

  it('when the name is already used in the bank, then the form says so and nothing is saved', async () => {
    const key = uniqueKey('taken');
    await createItem(educator, { key });
    const before = await counts();
    const res = await submitForm(educator, `${bank}/new`, bank, itemFields({ key }));
    expect(res.status).toBe(422);
    expect(errorsIn(res.text)).toEqual([
      'Another item of this activity already has this name; choose another.',
    ]);
    expect(await counts()).toEqual(before);
    // A starter item's name too.
    const starter = await submitForm(
      educator,
      `${bank}/new`,
      bank,
      itemFields({ key: 'o1-female-predominance' }),
    );
    expect(starter.status).toBe(422);
  });

  it('when the type is true/false, then the options are True and False whatever the option fields say', async () => {
    const id = await createItem(educator, {
      type: 'true_false',
      optionA: 'ignored',
      optionC: 'ignored',
      correct: 'B',
    });
    const { versions } = await storedItem(t, id);
    expect(versions[0]!.options).toEqual([
      { id: 'A', text: 'True' },
      { id: 'B', text: 'False' },
    ]);
    expect(versions[0]!.correct).toEqual(['B']);
  });

  it('when empty options trail the filled ones, then they are left out; lines typed with CRLF are stored with LF', async () => {
    const id = await createItem(educator, {
      type: 'multiple',
      optionD: 'Fourth',
      correct: ['A', 'D'],
      stem: 'Line one\r\n\r\nLine two',
    });
    const { versions } = await storedItem(t, id);
    expect(versions[0]!.options).toHaveLength(4);
    expect(versions[0]!.stem).toBe('Line one\n\nLine two');
  });
});

describe('the item page', () => {
  it('when an item is opened, then it shows the question as the post-test does, the answer, rationale, citations and section', async () => {
    const id = await createItem(educator, {
      key: uniqueKey('page'),
      stem: 'Which *one* is right?',
      references: ['1'],
    });
    const $ = cheerio.load((await educator.get(itemUrl(id)).expect(200)).text);
    const question = $('.preview fieldset.question');
    expect(question.find('legend em').text()).toBe('one');
    expect(
      question
        .find('input[type=radio]')
        .map((_, i) => $(i).attr('value'))
        .get(),
    ).toEqual(['A', 'B', 'C']);
    expect(question.find('label').first().text()).toBe(
      'A. A large heterogeneous mass arising from the renal capsule or sinus',
    );
    const key = $('dl.answer-key');
    expect(key.find('.correct-option').text()).toContain('A large heterogeneous mass');
    expect(key.find('.rationale strong').text()).toBe('large');
    expect(key.find('.citations li').first().text()).toMatch(/^\[1\] \S/);
    expect(key.find('a[href$="/lessons/6-evaluation"]').text()).toBe('Evaluation');
    expect($('table caption').text()).toContain('Transitions');
    expect($('button[value=submit]')).toHaveLength(1);
    expect($('button[value=approve]')).toHaveLength(0);
  });

  it('when an item id is not this activity’s or not a number, then it is a 404', async () => {
    await educator.get(`${bank}/2147483647`).expect(404);
    await educator.get(`${bank}/0`).expect(404);
    await educator.get(`${bank}/not-a-number`).expect(404);
  });
});

describe('editing', () => {
  it('when a draft is edited, then a new version is made, the old one superseded, and both kept', async () => {
    const id = await createItem(educator, { key: uniqueKey('edited') });
    const form = await editFormOf(educator, id);
    expect(form.fields).toMatchObject({ lockVersion: '0', objectiveCode: 'O1', correct: ['A'] });
    const res = await saveEdit(educator, id, form, { stem: 'A reworded stem?' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${itemUrl(id)}?done=saved`);
    const item = await storedItem(t, id);
    expect(item.versions.map((v) => [v.version, v.state, v.stem])).toEqual([
      [1, 'superseded', 'Which imaging finding most suggests renal leiomyosarcoma?'],
      [2, 'draft', 'A reworded stem?'],
    ]);
    expect(item.lockVersion).toBe(1);
    expect(item.status).toBe('draft');
  });

  it('when an edit changes nothing, then no version is made', async () => {
    const id = await createItem(educator, { key: uniqueKey('same') });
    const res = await saveEdit(educator, id, await editFormOf(educator, id), {});
    expect(res.headers.location).toBe(`${itemUrl(id)}?done=unchanged`);
    expect((await storedItem(t, id)).versions).toHaveLength(1);
  });

  it('when a starter item from content/ is edited, then it becomes the browser’s: a later content sync leaves it alone', async () => {
    const starter = await t.db.prisma.item.findFirstOrThrow({
      where: { source: 'content', objective: { code: 'O2' } },
      orderBy: { id: 'asc' },
    });
    const form = await editFormOf(educator, starter.id);
    // The objective of a published item is fixed: shown, not offered.
    expect(form.fields.objectiveCode).toBeUndefined();
    const edited = await saveEdit(educator, starter.id, form, {
      stem: 'Edited in the browser?',
      objectiveCode: 'O4',
    });
    expect(edited.status).toBe(303);
    const after = await storedItem(t, starter.id);
    expect(after).toMatchObject({
      source: 'authored',
      status: 'published',
      publishedVersionId: starter.publishedVersionId,
    });
    expect(after.objectiveId).toBe(starter.objectiveId);
    expect(after.versions.at(-1)).toMatchObject({ state: 'draft', stem: 'Edited in the browser?' });
    expect(after.versions.find((v) => v.id === starter.publishedVersionId)!.state).toBe('published');

    // content/ rewords the same starter item and a second one: the sync updates only the one still content's.
    const other = await t.db.prisma.item.findFirstOrThrow({
      where: { source: 'content', objective: { code: 'O2' }, id: { not: starter.id } },
    });
    const reports = await make.syncContent((dir) =>
      editYaml(activityFile(dir, firstActivity, 'items.yaml'), (items) => {
        const keys = (items.toJS() as { key: string }[]).map((item) => item.key);
        items.setIn([keys.indexOf(starter.key), 'stem'], 'Reworded in content/?');
        items.setIn([keys.indexOf(other.key), 'stem'], 'Also reworded in content/?');
      }),
    );
    expect(reports[0]!.status).toBe('updated');
    const synced = await storedItem(t, starter.id);
    expect(synced.versions.map((v) => v.stem)).toEqual(after.versions.map((v) => v.stem));
    expect(synced.lockVersion).toBe(after.lockVersion);
    expect((await storedItem(t, other.id)).versions.at(-1)).toMatchObject({
      stem: 'Also reworded in content/?',
      state: 'published',
    });
  });
});
