// Text from other formats as Markdown that says the same thing. Moodle's HTML is reduced to a few tags by
// sanitize-html (script and style dropped with their content) and then mapped to Markdown: paragraphs, line
// breaks, emphasis, inline code, code blocks, lists and http(s)/mailto links; every other tag is dropped and
// its text kept. Text is escaped, so a "*" or "<" that was text stays text. The result is rendered, like any
// item text, by server/items/markdown.ts (sanitised again), so a conversion that misses something can make
// odd formatting but never unsafe HTML. HTML that cannot be read whole (an element left open that swallows the rest
// as text) is refused, so that an import never keeps half a stem without a word.
import sanitizeHtml from 'sanitize-html';
import { isElement, readFragment, type XmlChild, type XmlElement } from './xml';

const BLOCKS = [
  'div',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'table',
  'tr',
  'td',
  'th',
  'dd',
  'dt',
];

const reduceHtml: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 'code', 'pre', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: {
    b: 'strong',
    i: 'em',
    ...Object.fromEntries(BLOCKS.map((tag) => [tag, 'p'])),
  },
};

/** Escapes what Markdown would read as syntax: always \ ` * _ [ ] < and entity-like &; "~~"; line starts. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<]/g, '\\$&')
    .replace(/&(?=#?[0-9A-Za-z]+;)/g, '\\&')
    .replace(/~(?=~)/g, '\\~')
    .split('\n')
    .map(escapeLineStart)
    .join('\n');
}

/** A line that would start a heading, quote, list, rule or setext underline keeps its first character as text. */
function escapeLineStart(line: string): string {
  return line.replace(/^(\s*)([#>+=|-])/, '$1\\$2').replace(/^(\s*\d{1,9})([.)])/, '$1\\$2');
}

/** Plain text: escaped; a line break stays a line break, a blank line a paragraph. */
export function plainToMarkdown(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => escapeMarkdown(paragraph.trim()).split('\n').join('\\\n'))
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

/** A backtick fence longer than any run of backticks in the text. */
const fenceFor = (text: string, min: number) =>
  '`'.repeat(Math.max(min, ...[...text.matchAll(/`+/g)].map((run) => run[0].length + 1)));

const collapse = (text: string) => text.replace(/[ \t\n\r\f]+/g, ' ');

function inline(children: XmlChild[]): string {
  return children.map(inlineOne).join('');
}

/** Emphasis around the inner text, with its outer spaces moved outside the markers. */
function emphasis(marker: string, inner: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner)!;
  return match[2] ? `${match[1]}${marker}${match[2]}${marker}${match[3]}` : inner;
}

function inlineOne(child: XmlChild): string {
  if (typeof child === 'string') return escapeMarkdown(collapse(child)).replace(/\n/g, ' ');
  switch (child.name) {
    case 'br':
      return '\\\n';
    case 'em':
      return emphasis('*', inline(child.children));
    case 'strong':
      return emphasis('**', inline(child.children));
    case 'code': {
      const code = collapse(textOf(child));
      const fence = fenceFor(code, 1);
      const pad = code.startsWith('`') || code.endsWith('`') ? ' ' : '';
      return code ? `${fence}${pad}${code}${pad}${fence}` : '';
    }
    case 'a': {
      const label = inline(child.children).trim();
      const href = child.attributes.get('href');
      if (!href || !label) return label;
      return `[${label}](${href.replace(/[\s()<>]/g, (c) => encodeURIComponent(c))})`;
    }
    default:
      return blocks([child]).replace(/\n+/g, ' ');
  }
}

const textOf = (element: XmlElement): string =>
  element.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');

/** Block-level Markdown: paragraphs separated by blank lines; inline runs between blocks become paragraphs. */
function blocks(children: XmlChild[]): string {
  const out: string[] = [];
  let run: XmlChild[] = [];
  const flush = () => {
    const paragraph = inline(run)
      .replace(/ {2,}/g, ' ')
      .trim()
      .replace(/(\\\n)+$/, '');
    if (paragraph) out.push(paragraph);
    run = [];
  };
  for (const child of children) {
    if (!isElement(child) || !['p', 'ul', 'ol', 'pre', 'li'].includes(child.name)) {
      run.push(child);
      continue;
    }
    flush();
    if (child.name === 'p' || child.name === 'li') out.push(blocks(child.children));
    else if (child.name === 'pre') {
      const code = textOf(child).replace(/\n$/, '');
      const fence = fenceFor(code, 3);
      out.push(`${fence}\n${code}\n${fence}`);
    } else out.push(list(child));
  }
  flush();
  return out.filter((block) => block !== '').join('\n\n');
}

function list(element: XmlElement): string {
  const items = element.children.filter(
    (child): child is XmlElement => isElement(child) && child.name === 'li',
  );
  return items
    .map((item, index) => {
      const marker = element.name === 'ol' ? `${index + 1}. ` : '- ';
      const body = blocks(item.children);
      const indent = ' '.repeat(marker.length);
      return (
        marker +
        body
          .split('\n')
          .join(`\n${indent}`)
          .replace(/\n\s+\n/g, '\n\n')
      );
    })
    .join('\n');
}

/**
 * Elements whose content the HTML parser reads as text up to their end tag. Left open, one takes the rest of the
 * text with it (dropped for script, style, textarea and xmp; turned into literal markup for title).
 */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp']);

/** HTML that cannot be converted without losing text; the readers report it as the question's problem. */
export class UnreadableHtml extends Error {}

/** The message of an UnreadableHtml, for a question's problem; any other error is thrown again. */
export function unreadableProblem(error: unknown): string {
  if (error instanceof UnreadableHtml) return error.message;
  throw error;
}

/** HTML (Moodle's "html" format) as Markdown; throws UnreadableHtml when some of its text would be lost. */
export function htmlToMarkdown(html: string): string {
  const unclosed: string[] = [];
  const reduced = sanitizeHtml(html, {
    ...reduceHtml,
    // A raw-text element is only ever closed by its end tag, so an implied close means the input ended inside it.
    onCloseTag: (name, isImplied) => {
      if (isImplied && RAW_TEXT.has(name)) unclosed.push(name);
    },
  });
  const [open] = unclosed;
  if (open)
    throw new UnreadableHtml(
      `Its HTML opens a <${open}> element that is never closed, so the text after it would be lost: ` +
        `close it with </${open}> or remove it, then import again.`,
    );
  const tree = readFragment(reduced);
  if (!tree) return plainToMarkdown(sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }));
  return blocks(tree).trim();
}

/** Moodle's auto-format: HTML in which a line break is a line break. */
export const moodleAutoToMarkdown = (text: string) => htmlToMarkdown(text.replace(/\r?\n/g, '<br>'));
