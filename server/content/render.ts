// Markdown to HTML for authored content. Rendering happens at sync time; the result is sanitised
// because authored text is untrusted input as far as the browser is concerned.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML in content is not passed through; typographer off to keep the article's wording exact.
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

// A citation marker is a bracketed reference number, e.g. [1] or [2][3]; [Level 5] is not one.
const CITATION = /\[(\d{1,3})\]/g;

export function citedNumbers(markdown: string): number[] {
  return [...markdown.matchAll(CITATION)].map((match) => Number(match[1]));
}

const lessonPolicy: sanitizeHtml.IOptions = {
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
    'h2',
    'h3',
    'h4',
    'blockquote',
    'code',
    'br',
  ],
  allowedAttributes: { a: ['href', 'class', 'aria-label'] },
  allowedSchemes: ['https'],
  allowProtocolRelative: false,
};

export function renderLessonHtml(source: string, referencesUrl: string): string {
  const html = markdown.render(source);
  const linked = html.replace(
    CITATION,
    (_marker, n: string) =>
      `<a class="citation" href="${referencesUrl}#ref-${n}" aria-label="Reference ${n}">[${n}]</a>`,
  );
  return sanitizeHtml(linked, lessonPolicy);
}

/** Inline markdown (italics, bold) for one-line statements such as the credit designation. */
export function renderInlineHtml(source: string): string {
  return sanitizeHtml(markdown.renderInline(source), {
    allowedTags: ['em', 'strong'],
    allowedAttributes: {},
  });
}

/** Fills {{name}} placeholders of a content template; unknown names are an error, not a blank. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return value;
  });
}
