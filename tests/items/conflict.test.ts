// Two educators editing the same draft: the second save is refused (409) with both texts on the page, never a
// silent overwrite; saving again from that page is a deliberate choice and comes after the other version.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories } from '../support/factories';
import { createItem, editFormOf, itemUrl, saveEdit, storedItem, uniqueKey } from '../support/items';

let t: TestApp;
let alice: Agent;
let bruno: Agent;
beforeAll(async () => {
  t = await createTestApp();
  const make = factories(t);
  const [a, b] = await Promise.all([
    make.user({ role: 'educator', fullName: 'Alice Author' }),
    make.user({ role: 'educator', fullName: 'Bruno Colleague' }),
  ]);
  [alice, bruno] = await Promise.all([signIn(t.app, a.email), signIn(t.app, b.email)]);
});
afterAll(() => t.close());

describe('two educators editing the same draft', () => {
  it('when the second saves a form opened before the first saved, then it is refused with both texts and nothing of either is lost', async () => {
    const id = await createItem(alice, { key: uniqueKey('shared'), stem: 'The original stem?' });
    const aliceForm = await editFormOf(alice, id);
    const brunoForm = await editFormOf(bruno, id);

    expect(
      (await saveEdit(alice, id, aliceForm, { stem: 'Alice’s stem?', optionB: 'Alice’s option B' })).status,
    ).toBe(303);
    const afterAlice = await storedItem(t, id);

    const refused = await saveEdit(bruno, id, brunoForm, {
      stem: 'Bruno’s stem?',
      rationale: 'Bruno’s rationale',
    });
    expect(refused.status).toBe(409);
    const $ = cheerio.load(refused.text);
    const conflict = $('.conflict');
    expect(conflict.attr('role')).toBe('alert');
    expect(conflict.find('h2').text()).toBe('Someone saved this item while you were editing it');
    expect(conflict.text()).toContain('Version 2 was saved by Alice Author');
    const theirs = Object.fromEntries(
      conflict
        .find('dl.version-text dt')
        .map((_, dt) => [[$(dt).text(), $(dt).next('dd').text()]])
        .get() as [string, string][],
    );
    expect(theirs).toMatchObject({
      Stem: 'Alice’s stem?',
      'Correct answer': 'A',
    });
    expect(theirs.Rationale).toContain('large');
    expect(theirs.Options).toContain('B. Alice’s option B');
    // Bruno's own text stays in the form, which now carries the new lock version.
    expect($('#stem').text()).toBe('Bruno’s stem?');
    expect($('#rationale').text()).toBe('Bruno’s rationale');
    expect($('input[name=lockVersion]').attr('value')).toBe(String(afterAlice.lockVersion));
    expect(await storedItem(t, id)).toEqual(afterAlice);

    // Saving again from the conflict page is deliberate: Bruno's text becomes version 3, after Alice's.
    const again = cheerio.load(refused.text);
    const fields: Record<string, string | string[]> = {};
    again('form.item-form input[type=text], form.item-form input[type=hidden]').each((_, e) => {
      fields[again(e).attr('name')!] = again(e).attr('value') ?? '';
    });
    again('form.item-form textarea').each((_, e) => {
      fields[again(e).attr('name')!] = again(e).text();
    });
    again('form.item-form select').each((_, e) => {
      fields[again(e).attr('name')!] = again(e).find('option[selected]').attr('value') ?? '';
    });
    fields.correct = again('input[name=correct][checked]')
      .map((_, e) => again(e).attr('value'))
      .get();
    const resaved = await bruno.post(itemUrl(id)).type('form').send(fields);
    expect(resaved.status).toBe(303);
    const finalItem = await storedItem(t, id);
    expect(finalItem.versions.map((v) => [v.version, v.state, v.stem])).toEqual([
      [1, 'superseded', 'The original stem?'],
      [2, 'superseded', 'Alice’s stem?'],
      [3, 'draft', 'Bruno’s stem?'],
    ]);
  });

  it('when both save at the same moment from the same version, then exactly one save is kept and the other is told', async () => {
    const id = await createItem(alice, { key: uniqueKey('race') });
    const [aliceForm, brunoForm] = await Promise.all([editFormOf(alice, id), editFormOf(bruno, id)]);
    const answers = await Promise.all([
      saveEdit(alice, id, aliceForm, { stem: 'Alice at the same time?' }),
      saveEdit(bruno, id, brunoForm, { stem: 'Bruno at the same time?' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    const item = await storedItem(t, id);
    expect(item.versions).toHaveLength(2);
    expect(item.lockVersion).toBe(1);
    const winner = answers[0].status === 303 ? 'Alice at the same time?' : 'Bruno at the same time?';
    expect(item.versions[1]?.stem).toBe(winner);
  });
});
