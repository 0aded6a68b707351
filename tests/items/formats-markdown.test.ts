// Text from Moodle's formats as Markdown: HTML reduced to a few tags and mapped; plain text escaped so that it
// renders as the same text. Rendering goes through the item renderer (server/items/markdown.ts), as on every page.
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import { renderItemMarkdown } from '../../server/items/markdown';
import {
  htmlToMarkdown,
  moodleAutoToMarkdown,
  plainToMarkdown,
  UnreadableHtml,
} from '../../server/items/formats/markdown-text';

const textOf = (html: string) => cheerio.load(`<div>${html}</div>`)('div').first().text();
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('HTML to Markdown', () => {
  it.each([
    ['<p>One</p><p>Two</p>', 'One\n\nTwo'],
    ['Line<br>break', 'Line\\\nbreak'],
    ['<p>a <b>b</b> <strong>c</strong> <i>d</i> <em> e </em></p>', 'a **b** **c** *d* *e*'],
    ['<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['<ol><li>one</li><li>two <ul><li>sub</li></ul></li></ol>', '1. one\n2. two\n\n   - sub'],
    ['<code>a`b</code>', '``a`b``'],
    ['<pre>x = 1\n  y = 2</pre>', '```\nx = 1\n  y = 2\n```'],
    [
      '<a href="https://example.org/a b">link</a> <a href="javascript:alert(1)">bad</a>',
      '[link](https://example.org/a%20b) bad',
    ],
    ['<h2>Title</h2><div>Body</div><table><tr><td>cell</td></tr></table>', 'Title\n\nBody\n\ncell'],
    ['<p>5 * 3 &lt; 20 &amp; _x_ [y]</p>', '5 \\* 3 \\< 20 & \\_x\\_ \\[y\\]'],
    ['<p># not a heading</p><p>1. not a list</p>', '\\# not a heading\n\n1\\. not a list'],
    ['<script>alert(1)</script><style>p{}</style>kept', 'kept'],
    ['<img src="x" onerror="alert(1)">&nbsp;caf&eacute;', 'café'],
    ['<p>unclosed <b>bold', 'unclosed **bold**'],
  ])('when the HTML is %j, then the Markdown is %j', (html, markdown) => {
    expect(htmlToMarkdown(html)).toBe(markdown);
  });

  it.each([
    ['<p>Stem</p><style>p { color: red }<p>rest</p>', 'style'],
    ['<p>Stem</p><script>x()<p>rest</p>', 'script'],
    ['<p>Stem</p><textarea>notes<p>rest</p>', 'textarea'],
    ['<p>Stem</p><xmp>raw<p>rest</p>', 'xmp'],
    ['<p>Stem</p><title>t<p>rest</p>', 'title'],
    ['<p>Stem <STYLE>p{}<p>rest</p>', 'style'],
  ])('when %j leaves a raw-text element open, then it is refused (its rest would be lost)', (html, name) => {
    expect(() => htmlToMarkdown(html)).toThrow(UnreadableHtml);
    expect(() => htmlToMarkdown(html)).toThrow(`opens a <${name}> element that is never closed`);
  });

  it('when raw-text elements are closed, or a paragraph or list item is left open, then nothing is refused', () => {
    expect(htmlToMarkdown('<style>p{}</style><p>a</p><script>x()</script><textarea>t</textarea><p>b')).toBe(
      'a\n\nb',
    );
    expect(htmlToMarkdown('<ul><li>one<li>two')).toBe('- one\n- two');
  });

  it('when the text is in Moodle auto-format, then line breaks are kept', () => {
    expect(moodleAutoToMarkdown('one\ntwo <b>x</b>')).toBe('one\\\ntwo **x**');
  });

  it('whatever the HTML, then what it becomes renders without script, event handler or javascript: link', () => {
    const pieces = fc.constantFrom(
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="https://ok.example">ok</a>',
      '<svg onload=alert(1)>',
      '<p>',
      '</p>',
      '<b>',
      '</b>',
      '<ul><li>',
      '</li></ul>',
      '<iframe src="https://evil.example"></iframe>',
      '<style>body{}</style>',
      '&lt;script&gt;',
      '[x](javascript:alert(1))',
      '<a href="jav&#x61;script:alert(1)">y</a>',
      'text ',
      '*',
      '`',
      '\n',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 25 }), (parts) => {
        const html = renderItemMarkdown(htmlToMarkdown(parts.join('')));
        const $ = cheerio.load(html);
        expect($('script, style, iframe, svg, img')).toHaveLength(0);
        $('*').each((_i, element) => {
          for (const name of Object.keys((element as { attribs?: object }).attribs ?? {}))
            expect(name).not.toMatch(/^on/i);
        });
        $('a').each((_i, a) => expect($(a).attr('href') ?? '').toMatch(/^(https?:|mailto:)/));
      }),
      { numRuns: 300 },
    );
  });
});

describe('plain text to Markdown', () => {
  it('when plain text holds Markdown syntax, then it renders as that same text', () => {
    const samples = [
      '2 * 3 * 4 = 24',
      '# not a heading',
      '- not a list\n+ nor this\n1. nor this',
      '> not a quote',
      'a_b_c and __init__ and `code`',
      '[not](a link) ![nor](an image)',
      '<b>not bold</b> &amp; &copy; &#65;',
      '~~not struck~~',
      'line one\nline two\n\nparagraph',
      'C:\\path\\to\\file \\',
      'ends with backslash\\\nnext',
      '---\n***\n===',
    ];
    for (const text of samples)
      expect(squash(textOf(renderItemMarkdown(plainToMarkdown(text))))).toBe(squash(text));
  });

  it('whatever the text (any Unicode, any punctuation), then it renders as that same text', () => {
    const unit = fc.oneof(
      fc.constantFrom(...Array.from('\\`*_{}[]()#+-.!|<>&~=:;"\'/ \n\té™😀שלום')),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        expect(squash(textOf(renderItemMarkdown(plainToMarkdown(text))))).toBe(squash(text));
      }),
      { numRuns: 1000 },
    );
  });
});
