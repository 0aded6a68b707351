// XML for the item formats. Reading: fast-xml-parser with entity processing off, after refusing any document
// type declaration, so nothing declared in a file is ever expanded (billion laughs) or fetched (external
// entities); only the five predefined entities and character references are decoded, once, here. Writing: a
// small serialiser that escapes every text and attribute, so what it writes is well-formed whatever the text.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  /** Elements and text, in document order; text is decoded (entities) or raw (CDATA). */
  children: XmlChild[];
}
export type XmlChild = XmlElement | string;

/** A document is refused before parsing when it declares a document type or entities. */
const DECLARATIONS = /<!DOCTYPE|<!ENTITY/i;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Code points XML 1.0 allows; a character reference to anything else is left as written. */
const isXmlChar = (code: number) =>
  code === 0x9 ||
  code === 0xa ||
  code === 0xd ||
  (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) ||
  (code >= 0x10000 && code <= 0x10ffff);

/** Decodes &lt; &gt; &amp; &quot; &apos; and &#…; in one pass (so "&amp;lt;" stays "&lt;"). */
export function decodeXmlText(text: string): string {
  return text.replace(
    /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g,
    (whole, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
      if (name) return PREDEFINED[name]!;
      const code = decimal ? Number(decimal) : parseInt(hex!, 16);
      return isXmlChar(code) ? String.fromCodePoint(code) : whole;
    },
  );
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type OrderedNode = Record<string, unknown>;

function toChildren(nodes: OrderedNode[]): XmlChild[] {
  const children: XmlChild[] = [];
  for (const node of nodes) {
    if ('#text' in node) children.push(decodeXmlText(String(node['#text'])));
    else if ('#cdata' in node) {
      for (const inner of node['#cdata'] as OrderedNode[])
        children.push(String((inner['#text'] as string | undefined) ?? ''));
    } else {
      const name = Object.keys(node).find((key) => key !== ':@');
      if (name === undefined) continue;
      const attributes = new Map<string, string>();
      for (const [key, value] of Object.entries((node[':@'] as Record<string, unknown> | undefined) ?? {}))
        attributes.set(key, decodeXmlText(String(value)));
      children.push({ name, attributes, children: toChildren(node[name] as OrderedNode[]) });
    }
  }
  return children;
}

export type XmlReadResult = { root: XmlElement } | { problem: string };

/** The document's root element, or why the document cannot be read. */
export function readXml(source: string): XmlReadResult {
  if (DECLARATIONS.test(source))
    return {
      problem:
        'The file declares a document type or entities (<!DOCTYPE or <!ENTITY). Such declarations are refused: ' +
        'they can expand without limit or read other files. Export the questions again from Moodle, which never writes them.',
    };
  const valid = XMLValidator.validate(source);
  if (valid !== true)
    return { problem: `The file is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).` };
  try {
    const root = toChildren(parser.parse(source) as OrderedNode[]).find(isElement);
    return root ? { root } : { problem: 'The file holds no XML element.' };
  } catch (error) {
    return { problem: `The file cannot be read as XML: ${(error as Error).message}` };
  }
}

export const isElement = (child: XmlChild): child is XmlElement => typeof child !== 'string';

/** The child elements called `name`. */
export const childrenNamed = (element: XmlElement, name: string) =>
  element.children.filter((child): child is XmlElement => isElement(child) && child.name === name);

export const firstChild = (element: XmlElement | undefined, name: string) =>
  element ? childrenNamed(element, name)[0] : undefined;

/** The text directly inside an element (text and CDATA, not nested elements). */
export const ownText = (element: XmlElement | undefined) =>
  element ? element.children.filter((child): child is string => typeof child === 'string').join('') : '';

// ----------------------------------------------------------------------------------------------------------
// Writing

// eslint-disable-next-line no-control-regex -- removing what XML 1.0 cannot hold is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const NOT_XML = new RegExp(
  `${CONTROL.source}|[\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`,
  'g',
);
/** Characters XML 1.0 cannot hold at all, even escaped, are left out. */
const xmlSafe = (text: string) => text.replace(NOT_XML, '');

export const escapeXml = (text: string) =>
  xmlSafe(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** Text as Moodle writes it: in CDATA when escaping would change it ("]]>" split across two sections). */
export function cdataWhereNeeded(text: string): string {
  const safe = xmlSafe(text);
  return safe !== '' && escapeXml(safe) !== safe
    ? `<![CDATA[${safe.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`
    : safe;
}

/** An element with escaped attributes around content that is already XML. */
export function element(name: string, attributes: Record<string, string | undefined>, content = ''): string {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  return content === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/** Serialises a parsed tree again: well-formed whatever the source's quirks (unclosed void elements…). */
export function serialise(
  children: XmlChild[],
  keepAttribute: (element: string, attribute: string) => boolean,
): string {
  return children
    .map((child) => {
      if (typeof child === 'string') return escapeXml(child);
      const attributes = Object.fromEntries(
        [...child.attributes].filter(([key]) => keepAttribute(child.name, key)),
      );
      return element(child.name, attributes, serialise(child.children, keepAttribute));
    })
    .join('');
}

/** Reads an HTML fragment that a sanitiser produced (balanced tags, void elements self-closed) as XML. */
export function readFragment(html: string): XmlChild[] | null {
  const result = readXml(`<fragment>${html}</fragment>`);
  return 'root' in result ? result.root.children : null;
}
