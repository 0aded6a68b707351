// Item text is Markdown written by educators or brought in by import: rendered with raw HTML off, then sanitised,
// so no script, style, event handler or javascript: link reaches a page, whoever wrote the text.
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
