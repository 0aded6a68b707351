// The item bank as its pages drive it: the form's fields, creating and editing items and moving them through
// review over HTTP, and the rows the service writes (read back for assertions).
import * as cheerio from 'cheerio';
import type { TestApp } from './app';
import { postForm, submitForm, type Agent, type FormFields } from './client';
import { firstActivity } from './factories';

export const bank = `/items/${firstActivity}`;
export const itemUrl = (id: number) => `${bank}/${id}`;

let counter = 0;
/** A unique item name for this test process. */
export const uniqueKey = (prefix = 'item') => `${prefix}-${process.pid}-${++counter}`;

/** The new-item form filled in as an educator would: a single best answer for O1, unless overridden. */
export function itemFields(overrides: FormFields = {}): FormFields {
  return {
    key: uniqueKey(),
    type: 'single',
    stem: 'Which imaging finding most suggests renal leiomyosarcoma?',
    optionA: 'A large heterogeneous mass arising from the renal capsule or sinus',
    optionB: 'A small simple cyst',
    optionC: 'Macroscopic fat in the lesion',
    optionD: '',
    optionE: '',
    optionF: '',
    correct: 'A',
    rationale: 'Renal LMS typically presents as a **large** heterogeneous mass.',
    objectiveCode: 'O1',
    sectionSlug: 'evaluation',
    references: ['1', '2'],
    ...overrides,
  };
}

/** Creates an item through the form; returns its id (fails unless the app redirects to the new item). */
export async function createItem(agent: Agent, overrides: FormFields = {}): Promise<number> {
  const res = await submitForm(agent, `${bank}/new`, bank, itemFields(overrides));
  if (res.status !== 303)
    throw new Error(`creating an item answered ${res.status}: ${errorsIn(res.text).join('; ')}`);
  return Number(/\/items\/[a-z0-9-]+\/(\d+)\?/.exec(String(res.headers.location))![1]);
}

/** The field errors a form page shows, in page order. */
export const errorsIn = (html: string) =>
  cheerio
    .load(html)('.error-message')
    .map((_, e) => cheerio.load(html)(e).text().trim())
    .get();

/** The form fields of the edit page as it is now (values, lock version), as a browser would send them back. */
export async function editFormOf(agent: Agent, id: number) {
  const res = await agent.get(`${itemUrl(id)}/edit`).expect(200);
  const $ = cheerio.load(res.text);
  const fields: FormFields = {};
  $('form.item-form input[type=text], form.item-form input[type=hidden], form.item-form textarea').each(
    (_, e) => {
      const name = $(e).attr('name');
      if (name && name !== '_csrf')
        fields[name] = e.tagName === 'textarea' ? $(e).text() : ($(e).attr('value') ?? '');
    },
  );
  $('form.item-form select').each((_, e) => {
    fields[$(e).attr('name')!] = $(e).find('option[selected]').attr('value') ?? '';
  });
  for (const name of ['correct', 'references'])
    fields[name] = $(`form.item-form input[name=${name}][checked]`)
      .map((__, e) => $(e).attr('value'))
      .get();
  return { fields, csrf: $('form.item-form input[name=_csrf]').attr('value')! };
}

/** Saves the edit form with changes, as from a page opened earlier (`form`), so a stale lock version stays stale. */
export const saveEdit = (
  agent: Agent,
  id: number,
  form: { fields: FormFields; csrf: string },
  changes: FormFields,
) => postForm(agent, itemUrl(id), { ...form.fields, ...changes }, form.csrf);

/** The lock version the item page shows in its forms. */
export async function lockVersionOn(agent: Agent, id: number): Promise<string> {
  const $ = cheerio.load((await agent.get(itemUrl(id)).expect(200)).text);
  return $('input[name=lockVersion]').first().attr('value') ?? '';
}

/** Posts a review action from the item page (its current lock version unless given). */
export async function act(agent: Agent, id: number, action: string, comment = '', lockVersion?: string) {
  const lock = lockVersion ?? (await lockVersionOn(agent, id));
  return submitForm(agent, itemUrl(id), `${itemUrl(id)}/transition`, { action, comment, lockVersion: lock });
}

/** The item with its versions (oldest first) and transitions, as stored. */
export const storedItem = (t: TestApp, id: number) =>
  t.db.prisma.item.findUniqueOrThrow({
    where: { id },
    include: { versions: { orderBy: { version: 'asc' } }, transitions: { orderBy: { id: 'asc' } } },
  });

/** The ids of the activity's published items of an objective (what the post-test may draw). */
export async function publishedIds(t: TestApp, objective: string): Promise<number[]> {
  const rows = await t.db.prisma.item.findMany({
    where: { status: 'published', objective: { code: objective }, activity: { slug: firstActivity } },
    orderBy: { id: 'asc' },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}
