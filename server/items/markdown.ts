// Item text is Markdown written by educators or brought in by import: rendered with raw HTML off, then sanitised,
// so no script, style, event handler or javascript: link reaches a page, whoever wrote the text.
import { LRUCache } from 'lru-cache';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

const itemPolicy: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'ul',
    'ol',
    'li',
    'em',
    'strong',
    'a',
    'sup',
    'sub',
    'code',
    'pre',
    'br',
    'blockquote',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
};

/** A stem or rationale as HTML, safe to place in a page unescaped. */
export function renderItemMarkdown(source: string): string {
  return sanitizeHtml(markdown.render(source), itemPolicy);
}

/** An option: one line of inline Markdown (emphasis, code), no paragraphs. */
export function renderItemInline(source: string): string {
  return sanitizeHtml(markdown.renderInline(source), itemPolicy);
}

// Blocks become spans with a class (styled as blocks), for places that take phrasing content only: a question's
// stem is the <legend> of its fieldset, and the result page shows it in a heading. Tables keep their text.
const block = (className: string) => sanitizeHtml.simpleTransform('span', { class: className });
const phrasingPolicy: sanitizeHtml.IOptions = {
  allowedTags: ['span', 'em', 'strong', 'a', 'sup', 'sub', 'code', 'br'],
  allowedAttributes: { a: ['href', 'rel'], span: ['class'] },
  allowedClasses: { span: ['md-p', 'md-ul', 'md-ol', 'md-li', 'md-quote', 'md-pre', 'md-cell'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowProtocolRelative: false,
  transformTags: {
    p: block('md-p'),
    ul: block('md-ul'),
    ol: block('md-ol'),
    li: block('md-li'),
    blockquote: block('md-quote'),
    pre: block('md-pre'),
    table: block('md-p'),
    tr: block('md-p'),
    th: block('md-cell'),
    td: block('md-cell'),
  },
};

const ONE_PARAGRAPH = /^<p>((?:(?!<\/?p>)[\s\S])*)<\/p>$/;

/**
 * A stem or rationale as phrasing HTML: one paragraph is just its inline content (most stems), several blocks are
 * classed spans. Safe to place in a page unescaped.
 */
export function renderItemPhrasing(source: string): string {
  return cached('phrasing', source, () => {
    const html = renderItemMarkdown(source).trim();
    const single = ONE_PARAGRAPH.exec(html);
    return single
      ? single[1]!
      : sanitizeHtml(html, phrasingPolicy)
          .replace(/>\s*\n\s*</g, '><')
          .trim();
  });
}

// Item versions never change and a post-test page shows the same few dozen texts to every learner: rendering each
// once per process keeps markdown-it and the sanitiser off the hot path.
const rendered = new LRUCache<string, string>({ max: 5_000 });
function cached(kind: string, source: string, render: () => string): string {
  const key = `${kind}\u0000${source}`;
  let html = rendered.get(key);
  if (html === undefined) {
    html = render();
    rendered.set(key, html);
  }
  return html;
}

/** An option's text for a page, rendered once per process (renderItemInline). */
export const renderOptionHtml = (source: string) => cached('inline', source, () => renderItemInline(source));
