// The cross-site scripting corpus of the browser tests (issue 12, "Hostile input in a real browser"). Every payload
// starts with its id (x01…) and, if it ever ran, would set `window.__xss` to that id, so a page that ran one says
// which. Starting with the id also means that, whatever an escaper or a sanitiser does to the rest, the id stays as
// text: a page that shows the field must show the id.
//
// Kinds: markup (tags a parser would run), attribute (breaking out of a quoted or unquoted attribute), closing (ends
// the element the value sits in: textarea, title, td, code, option, comments, CDATA), url (javascript:/data: URLs
// that an href would run), markdown (links and images a Markdown renderer would turn into URLs), template (syntax
// of Handlebars, Angular, JS template literals, ERB), entity (HTML entities that a double decode would turn into
// markup), unicode (look-alike brackets, bidi overrides, zero-width characters, right-to-left scripts), control
// (characters the input layer refuses), layout (a long unbroken word, which must wrap rather than widen the page).

export type PayloadKind =
  | 'markup'
  | 'attribute'
  | 'closing'
  | 'url'
  | 'markdown'
  | 'template'
  | 'entity'
  | 'unicode'
  | 'control'
  | 'layout';

export interface Payload {
  id: string;
  kind: PayloadKind;
  label: string;
  text: string;
}

const p = (id: string, kind: PayloadKind, label: string, text: string): Payload => ({
  id,
  kind,
  label,
  text: `${id}${text}`,
});

/** The corpus: what an attacker would type into any text field. */
export const payloads: Payload[] = [
  p('x01', 'markup', 'a script element', `<script>window.__xss='x01'</script>`),
  p(
    'x02',
    'markup',
    'a script from a data: URL',
    `<script src="data:text/javascript,window.__xss='x02'"></script>`,
  ),
  p('x03', 'markup', 'an img with onerror', `<img src=x onerror="window.__xss='x03'">`),
  p('x04', 'markup', 'an svg with onload', `<svg onload="window.__xss='x04'"></svg>`),
  p('x05', 'markup', 'a script inside svg', `<svg><script>window.__xss='x05'</script></svg>`),
  p('x06', 'markup', 'an autofocused input with onfocus', `<input autofocus onfocus="window.__xss='x06'">`),
  p('x07', 'markup', 'details with ontoggle', `<details open ontoggle="window.__xss='x07'">`),
  p('x08', 'markup', 'an iframe srcdoc', `<iframe srcdoc="<script>parent.__xss='x08'</script>"></iframe>`),
  p('x09', 'markup', 'a second body tag with onload', `<body onload="window.__xss='x09'">`),
  p(
    'x10',
    'markup',
    'a style attribute covering the page',
    `<div style="position:fixed;inset:0;width:5000px">x10</div>`,
  ),
  p(
    'x11',
    'markup',
    'a noscript mutation (mXSS)',
    `<noscript><p title="</noscript><img src=x onerror=window.__xss='x11'>">`,
  ),
  p(
    'x12',
    'markup',
    'a math/style mutation (mXSS)',
    `<math><mtext><table><mglyph><style><img src=x onerror="window.__xss='x12'">`,
  ),
  p(
    'x13',
    'attribute',
    'a double-quote break-out with handlers',
    `" autofocus onfocus="window.__xss='x13'" onmouseover="window.__xss='x13'" x="`,
  ),
  p('x14', 'attribute', 'a double-quote break-out to a tag', `"><img src=x onerror="window.__xss='x14'">`),
  p('x15', 'attribute', 'a single-quote break-out', `' autofocus onfocus='window.__xss="x15"' x='`),
  p('x16', 'attribute', 'a single-quote break-out to a tag', `'><svg onload="window.__xss='x16'">`),
  p('x17', 'attribute', 'an unquoted-attribute break-out', ` onmouseover=window.__xss='x17' x=`),
  p('x18', 'attribute', 'a backtick break-out', '`><img src=x onerror=window.__xss=`x18`>'),
  p('x19', 'closing', 'closing a textarea', `</textarea><img src=x onerror="window.__xss='x19'">`),
  p('x20', 'closing', 'closing the title', `</title><script>window.__xss='x20'</script>`),
  p(
    'x21',
    'closing',
    'closing a table cell and the table',
    `</td></tr></tbody></table><img src=x onerror="window.__xss='x21'">`,
  ),
  p('x22', 'closing', 'closing code and pre', `</code></pre><img src=x onerror="window.__xss='x22'">`),
  p(
    'x23',
    'closing',
    'closing an option and a select',
    `</option></select><img src=x onerror="window.__xss='x23'">`,
  ),
  p('x24', 'closing', 'closing a comment', `--><img src=x onerror="window.__xss='x24'"><!--`),
  p('x25', 'closing', 'closing a CDATA section', `]]><img src=x onerror="window.__xss='x25'">`),
  p('x26', 'url', 'a javascript: URL', ` javascript:window.__xss='x26'`),
  p('x27', 'url', 'a mixed-case javascript: URL with an entity tab', ` JaVa&#x09;ScRiPt:window.__xss='x27'`),
  p('x28', 'url', 'a data: URL of HTML', ` data:text/html,<script>window.__xss='x28'</script>`),
  p('x29', 'url', 'a link with a javascript: href', `<a href="javascript:window.__xss='x29'">x29</a>`),
  p('x30', 'markdown', 'a Markdown link to javascript:', ` [x30](javascript:window.__xss='x30')`),
  p('x31', 'markdown', 'a Markdown image from javascript:', ` ![x31](javascript:window.__xss='x31')`),
  p(
    'x32',
    'markdown',
    'a Markdown link to a data: URL',
    ` [x32](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MzI8L3NjcmlwdD4=)`,
  ),
  p(
    'x33',
    'markdown',
    'a Markdown image of an SVG with onload',
    ` ![x33](data:image/svg+xml,%3Csvg%20onload%3D%22window.__xss%3D33%22%3E)`,
  ),
  p('x34', 'markdown', 'a Markdown autolink to javascript:', ` <javascript:window.__xss='x34'>`),
  p(
    'x35',
    'markdown',
    'a Markdown link with an entity-encoded scheme',
    ` [x35](&#106;avascript:window.__xss='x35')`,
  ),
  p(
    'x36',
    'markdown',
    'a Markdown link with a title that breaks out',
    ` [x36](https://example.org "\\" onmouseover=\\"window.__xss='x36'")`,
  ),
  p('x37', 'markdown', 'a protocol-relative Markdown link', ` [x37](//evil.example/x37)`),
  p(
    'x38',
    'markdown',
    'a Markdown code span holding markup',
    ' `<img src=x onerror="window.__xss=\'x38\'">`',
  ),
  p('x39', 'template', 'a Handlebars expression', `{{constructor.constructor('window.__xss="x39"')()}}`),
  p(
    'x40',
    'template',
    'Handlebars partials and triple-stash',
    `{{{body}}}{{> csrf}}{{#each this}}x40{{/each}}`,
  ),
  p('x41', 'template', 'a JS template literal', '${window.__xss=`x41`}'),
  p('x42', 'template', 'an AngularJS sandbox escape', `{{$on.constructor('window.__xss="x42"')()}}`),
  p('x43', 'template', 'ERB/JSP tags', `<%= window.__xss='x43' %>`),
  p('x44', 'entity', 'entity-escaped markup', `&lt;img src=x onerror="window.__xss='x44'"&gt;`),
  p('x45', 'entity', 'numeric entities of a script', `&#60;script&#62;window.__xss='x45'&#60;/script&#62;`),
  p(
    'x46',
    'entity',
    'entity quotes breaking an attribute',
    `&quot; onmouseover=&quot;window.__xss='x46'&quot;`,
  ),
  p('x47', 'unicode', 'full-width angle brackets', `＜script＞window.__xss='x47'＜/script＞`),
  p('x48', 'unicode', 'UTF-7 markup', `+ADw-script+AD4-window.__xss='x48'+ADw-/script+AD4-`),
  p(
    'x49',
    'unicode',
    'a right-to-left script with a handler',
    ` مرحبا <b onmouseover="window.__xss='x49'">שלום</b>`,
  ),
  p(
    'x50',
    'unicode',
    'a right-to-left override (U+202E)',
    `\u202E<img src=x onerror="window.__xss='x50'">gnp.exe`,
  ),
  p(
    'x51',
    'unicode',
    'zero-width spaces inside a tag name (U+200B)',
    `<scr\u200Bipt>window.__xss='x51'</scr\u200Bipt>`,
  ),
  p('x52', 'control', 'a backspace control character', `\b<img src=x onerror="window.__xss='x52'">`),
  p('x53', 'control', 'a NUL inside a tag name', `<scr\u0000ipt>window.__xss='x53'</script>`),
  p('x54', 'layout', 'a long unbroken word (a URL)', `https://example.org/${'a'.repeat(60)}`),
];

/** Payloads of at most 30 characters, for short identifiers (licence number, board ID, degree). */
export const tinyPayloads: Payload[] = [
  p('t01', 'attribute', 'a short svg break-out', `"><svg/onload=__xss='t01'>`),
  p('t02', 'markup', 'a short script', `<script>__xss=2</script>`),
  p('t03', 'attribute', 'a short single-quote break-out', `'><img src onerror=__xss=3>`),
  p('t04', 'closing', 'a short cell break-out', `</td><b onclick=__xss=4>`),
  p('t05', 'url', 'a short javascript: URL', `javascript:__xss=5`),
  p('t06', 'template', 'short template syntax', '{{__xss}}${__xss=6}'),
  p('t07', 'closing', 'a short textarea break-out', `</textarea><svg onload=__xss=7>`),
  p('t08', 'layout', 'a short unbroken word', 'W'.repeat(27)),
];

export const allPayloads = [...payloads, ...tinyPayloads];
export const byId = (id: string): Payload => {
  const found = allPayloads.find((payload) => payload.id === id);
  if (!found) throw new Error(`no payload ${id}`);
  return found;
};

/**
 * The text rules of server/http/input.ts: `plain` (names, degrees, identifiers: one line, no invisible format
 * characters), `line` (one line: search boxes, options), `free` (multi-line: comments, reasons, stems).
 */
export type TextRules = 'plain' | 'line' | 'free';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_BUT_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- as above
const ANY_CONTROL = /[\u0000-\u001F\u007F]/;
const INVISIBLE_FORMAT = /\p{Cf}/u;

/** Why a field with these rules refuses the text, or null when it takes it. */
export function refusalOf(text: string, rules: TextRules): 'nul' | 'control' | 'invisible' | null {
  if (text.includes('\u0000')) return 'nul';
  if ((rules === 'free' ? CONTROL_BUT_BREAKS : ANY_CONTROL).test(text)) return 'control';
  if (rules === 'plain' && INVISIBLE_FORMAT.test(text)) return 'invisible';
  return null;
}

export const accepted = (list: Payload[], rules: TextRules) =>
  list.filter((payload) => refusalOf(payload.text, rules) === null);
export const refused = (list: Payload[], rules: TextRules) =>
  list.filter((payload) => refusalOf(payload.text, rules) !== null);

/** A value packed with payloads for one field, and which payloads it holds. */
export interface Packed {
  text: string;
  payloads: Payload[];
}

/**
 * Packs the payloads, in order, into values of at most `max` characters joined by `separator`, so that one
 * submission carries many of them. A payload longer than `max` is an error: pick payloads that fit. A line break
 * counts twice: browsers send a textarea's line breaks as CRLF, and most fields count what arrives.
 */
export function pack(list: Payload[], max: number, separator = ' '): Packed[] {
  const out: Packed[] = [];
  let current: Payload[] = [];
  const length = (items: Payload[]) => {
    const text = items.map((item) => item.text).join(separator);
    return text.length + (text.match(/\n/g)?.length ?? 0);
  };
  for (const payload of list) {
    if (payload.text.length > max)
      throw new Error(`${payload.id} (${payload.text.length}) does not fit in ${max}`);
    if (current.length > 0 && length([...current, payload]) > max) {
      out.push({ text: current.map((item) => item.text).join(separator), payloads: current });
      current = [];
    }
    current.push(payload);
  }
  if (current.length > 0)
    out.push({ text: current.map((item) => item.text).join(separator), payloads: current });
  return out;
}

/**
 * The payloads reordered so that neighbours are of different kinds (every `step`-th first), so that a field
 * packed with a few of them still meets several kinds of attack.
 */
export function interleave(list: Payload[], step = 7): Payload[] {
  return Array.from({ length: step }, (_, start) =>
    list.filter((_p, index) => index % step === start),
  ).flat();
}

/**
 * Full names (200 characters) packed with every payload a name can hold. The test files share them out so that
 * each pack goes through the pages of at least one: records 0–7, 14 and 15; accounts 8–13; authoring 0, 2, 7, 10.
 */
export const namePacks: Packed[] = pack(interleave(accepted(payloads, 'plain')), 200);

/** Whitespace as a reader sees it: runs collapsed, ends trimmed (textContent keeps the source's line breaks). */
export const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
