// Item text is Markdown rendered and sanitised: a stem, option or rationale carrying <script>, an event handler or
// a javascript: link is shown inert (as text, or dropped) on every page that shows it, to educators and learners.
import * as cheerio from 'cheerio';
import { renderItemMarkdown, renderItemPhrasing, renderOptionHtml } from '../../server/items/markdown';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import {
  act,
  bank,
  createItem,
  editFormOf,
  itemUrl,
  publishedIds,
  saveEdit,
  uniqueKey,
} from '../support/items';
import { activityPath, startAttempt, submitAttempt, answersFor } from '../support/journey';

const hostile = {
  stem: [
    'Which <script>window.__xss = 1</script> is right?',
    '<img src=x onerror="window.__xss = 2">',
    '[a link](javascript:window.__xss=3) and <a href="javascript:window.__xss=4">another</a>',
    '[data](data:text/html;base64,PHNjcmlwdD4=) <svg onload="window.__xss=5"></svg>',
  ].join('\n\n'),
  optionA: '<b onmouseover="window.__xss=6">bold</b> *real emphasis*',
  rationale: '<style>body{display:none}</style> <iframe src="javascript:alert(1)"></iframe> **Because.**',
};

/** Markup only an injection could have put on these pages. */
function injected(html: string): string[] {
  const $ = cheerio.load(html);
  const found: string[] = [];
  $('main *').each((_, element) => {
    const tag = element.tagName.toLowerCase();
    if (['script', 'img', 'svg', 'iframe', 'style', 'object', 'embed', 'b'].includes(tag))
      found.push(`<${tag}>`);
    for (const [name, value] of Object.entries(element.attribs)) {
      if (name.startsWith('on')) found.push(`${tag}[${name}]`);
      if (/^\s*(javascript|data):/i.test(value) && name !== 'value') found.push(`${tag}[${name}=${value}]`);
    }
  });
  return found;
}

describe('rendering item Markdown', () => {
  it.each([
    ['a script element', '<script>alert(1)</script>'],
    ['an event handler', '<img src=x onerror=alert(1)>'],
    ['a javascript: link in Markdown', '[x](javascript:alert(1))'],
    ['a javascript: link in HTML', '<a href="javascript:alert(1)">x</a>'],
    ['an encoded javascript: link', '[x](jav&#x61;script:alert(1))'],
    ['a style element', '<style>*{}</style>'],
  ])('when the text holds %s, then no renderer lets it through as markup', (_name, source) => {
    for (const html of [renderItemMarkdown(source), renderItemPhrasing(source), renderOptionHtml(source)]) {
      // Parsed as a browser would: no element but text containers, no handler, no script link.
      const $ = cheerio.load(`<main>${html}</main>`);
      expect(
        $('main *')
          .map((_, e) => e.tagName)
          .get(),
      ).toEqual(expect.not.arrayContaining(['script', 'img', 'style', 'a']));
      expect(injected($.html())).toEqual([]);
    }
  });

  it('when the text is Markdown, then emphasis, lists and safe links are kept, with rel=noopener', () => {
    expect(renderItemPhrasing('One *two* [three](https://example.org)')).toBe(
      'One <em>two</em> <a href="https://example.org" rel="noopener noreferrer">three</a>',
    );
    expect(renderItemPhrasing('First.\n\n- a\n- b')).toBe(
      '<span class="md-p">First.</span><span class="md-ul"><span class="md-li">a</span><span class="md-li">b</span></span>',
    );
  });
});

describe('hostile item text on the pages', () => {
  let t: TestApp;
  let make: Factories;
  let alice: Agent;
  let bruno: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    make = factories(t);
    const [a, b] = await Promise.all([make.user({ role: 'educator' }), make.user({ role: 'educator' })]);
    [alice, bruno] = await Promise.all([signIn(t.app, a.email), signIn(t.app, b.email)]);
  });
  afterAll(() => t.close());

  it('when an item carries script, handlers and javascript: links, then author, reviewer and learner pages show them inert', async () => {
    const key = uniqueKey('hostile');
    const id = await createItem(alice, { key, objectiveCode: 'O3', ...hostile });
    const itemPage = (await alice.get(itemUrl(id)).expect(200)).text;
    expect(injected(itemPage)).toEqual([]);
    const $ = cheerio.load(itemPage);
    expect($('.preview legend').text()).toContain('<script>window.__xss = 1</script>');
    expect($('.preview label em').first().text()).toBe('real emphasis');
    expect($('.rationale').text()).toContain('<style>body{display:none}</style>');

    await saveEdit(alice, id, await editFormOf(alice, id), {
      stem: `${hostile.stem}\n\nEdited <script>x</script>`,
    });
    await act(alice, id, 'submit');
    for (const url of [
      bank,
      `${bank}?text=${encodeURIComponent('<script>')}`,
      itemUrl(id),
      `${itemUrl(id)}/edit`,
      `${itemUrl(id)}/history`,
    ]) {
      const page = (await bruno.get(url).expect(200)).text;
      expect({ url, injected: injected(page) }).toEqual({ url, injected: [] });
    }
    expect((await act(bruno, id, 'approve')).status).toBe(303);

    // Only this item and two starter items remain published for O3: every form draws it.
    for (const starter of (await publishedIds(t, 'O3')).filter((other) => other !== id).slice(0, 3))
      await act(bruno, starter, 'retire', 'Making room for the test item');
    const learner = await make.user();
    await make.readLessons(learner);
    const agent = await signIn(t.app, learner.email);
    const attemptId = await startAttempt(agent);
    const form = (await agent.get(`${activityPath}/post-test/attempts/${attemptId}`).expect(200)).text;
    expect(injected(form)).toEqual([]);
    expect(cheerio.load(form)('fieldset.question legend').text()).toContain('Edited <script>x</script>');
    await submitAttempt(agent, attemptId, await answersFor(t, attemptId));
    const result = (await agent.get(`${activityPath}/post-test/attempts/${attemptId}/result`).expect(200))
      .text;
    expect(injected(result)).toEqual([]);
    expect(cheerio.load(result)('li.answer h3').text()).toContain('window.__xss = 2');
  });
});
