// Arbitraries (fast-check) of hostile request input, and how each is put on the wire: in a path segment, in a
// query string, in a form body (application/x-www-form-urlencoded) and in a JSON body.
//
// A value is described as a `Wire` rather than as a JS value, because the interesting inputs are not all JS
// values: a lone surrogate cannot go through encodeURIComponent (it is sent as its WTF-8 bytes %ED%A0%80), `1e309`
// is a valid JSON number token that no JS number prints as, `%E0%A4%A` is a broken escape, and a body may carry
// bytes that are not UTF-8 at all.
import fc from 'fast-check';

export type Wire =
  /** A JS string: percent-encoded as WTF-8 in URLs and forms (lone surrogates included), JSON-escaped in JSON. */
  | { t: 'str'; v: string }
  /** A number literal, written as given: `1e309`, `2147483648`, `0x10` (invalid JSON: a 400 is expected). */
  | { t: 'num'; v: string }
  | { t: 'bool'; v: boolean }
  /** JSON null; in a form, the bare key without `=`. */
  | { t: 'null' }
  /** JSON array; in a form, the key repeated. */
  | { t: 'arr'; v: Wire[] }
  /** JSON object (keys written literally, `__proto__` included); in a form, `key[sub]=…`. */
  | { t: 'obj'; v: [string, Wire][] }
  /** Already percent-encoded text, sent verbatim in URLs and forms (broken escapes); in JSON, the same characters. */
  | { t: 'raw'; v: string }
  /** Bytes sent as they are (invalid UTF-8), in a form value or inside a JSON string. */
  | { t: 'bytes'; v: number[] };

export const str = (v: string): Wire => ({ t: 'str', v });

// ------------------------------------------------------------------------------------------------------------
// Encoding

const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;

/** encodeURIComponent, except that a lone surrogate is encoded as its WTF-8 bytes instead of throwing. */
export function percentEncode(value: string): string {
  try {
    // The fast path; it differs from the loop below only in throwing on a lone surrogate.
    return encodeURIComponent(value);
  } catch {
    // a lone surrogate: encoded below
  }
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const char = value[i]!;
    if (unit < 0x80 && UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    let codePoint = unit;
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      codePoint = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    for (const byte of utf8Bytes(codePoint)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** UTF-8 bytes of a code point; a surrogate code point gets the 3 bytes UTF-8 would give it (WTF-8). */
function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

/** A path segment or a query/form component: strings encoded, raw text verbatim, anything else as text. */
export function encodeComponent(value: Wire): string {
  switch (value.t) {
    case 'str':
    case 'num':
      return percentEncode(value.v);
    case 'raw':
      return value.v;
    case 'bool':
      return String(value.v);
    case 'null':
      return '';
    case 'bytes':
      return value.v.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    case 'arr':
      return value.v.map(encodeComponent).join(',');
    case 'obj':
      return value.v.map(([k, v]) => `${percentEncode(k)}:${encodeComponent(v)}`).join(',');
  }
}

/** The `k=v` pairs of one field in a form or query string (chunks may be raw bytes). */
function formPairs(key: string, value: Wire, out: (string | Buffer)[]): void {
  switch (value.t) {
    case 'null':
      out.push(percentEncode(key));
      return;
    case 'arr':
      if (value.v.length === 0) out.push(`${percentEncode(key)}[]=`);
      for (const item of value.v) formPairs(key, item, out);
      return;
    case 'obj':
      for (const [sub, item] of value.v) formPairs(`${key}[${sub}]`, item, out);
      return;
    case 'bytes':
      out.push(Buffer.concat([Buffer.from(`${percentEncode(key)}=`), Buffer.from(value.v)]));
      return;
    default:
      out.push(`${percentEncode(key)}=${encodeComponent(value)}`);
  }
}

export type Fields = [string, Wire][];

/** application/x-www-form-urlencoded (also a query string, without raw bytes). */
export function encodeForm(fields: Fields): Buffer {
  const pairs: (string | Buffer)[] = [];
  for (const [key, value] of fields) formPairs(key, value, pairs);
  const chunks: Buffer[] = [];
  pairs.forEach((pair, index) => {
    if (index > 0) chunks.push(Buffer.from('&'));
    chunks.push(typeof pair === 'string' ? Buffer.from(pair, 'latin1') : pair);
  });
  return Buffer.concat(chunks);
}

export const encodeQuery = (fields: Fields) => encodeForm(fields).toString('latin1');

/** A JSON text, written by hand so that keys such as `__proto__` stay plain keys and number tokens stay as given. */
export function encodeJson(value: Wire): Buffer {
  const chunks: Buffer[] = [];
  const write = (text: string) => chunks.push(Buffer.from(text, 'utf8'));
  const walk = (v: Wire) => {
    switch (v.t) {
      case 'str':
      case 'raw':
        write(JSON.stringify(v.v)); // lone surrogates come out as \ud800 escapes (well-formed JSON.stringify)
        return;
      case 'num':
        write(v.v);
        return;
      case 'bool':
        write(String(v.v));
        return;
      case 'null':
        write('null');
        return;
      case 'bytes':
        write('"');
        chunks.push(Buffer.from(v.v));
        write('"');
        return;
      case 'arr':
        write('[');
        v.v.forEach((item, index) => {
          if (index > 0) write(',');
          walk(item);
        });
        write(']');
        return;
      case 'obj':
        write('{');
        v.v.forEach(([key, item], index) => {
          if (index > 0) write(',');
          write(`${JSON.stringify(key)}:`);
          walk(item);
        });
        write('}');
    }
  };
  walk(value);
  return Buffer.concat(chunks);
}

/** A short, readable rendering of a value for reports: long runs are abbreviated, invisible characters escaped. */
export function describeWire(value: Wire, depth = 0): string {
  if (depth > 3 && (value.t === 'arr' || value.t === 'obj')) return `…(${nesting(value)} levels deeper)`;
  switch (value.t) {
    case 'str':
      return quote(value.v);
    case 'num':
      return value.v;
    case 'raw':
      return `raw(${value.v.length > 60 ? `${value.v.slice(0, 40)}…(${value.v.length} chars)` : value.v})`;
    case 'bool':
      return String(value.v);
    case 'null':
      return 'null';
    case 'bytes':
      return `bytes(${value.v.map((b) => b.toString(16).padStart(2, '0')).join(' ')})`;
    case 'arr':
      return `[${value.v.map((v) => describeWire(v, depth + 1)).join(', ')}]`;
    case 'obj':
      return `{${value.v.map(([k, v]) => `${quote(k)}: ${describeWire(v, depth + 1)}`).join(', ')}}`;
  }
}

function nesting(value: Wire): number {
  let depth = 0;
  for (let v: Wire | undefined = value; v && (v.t === 'arr' || v.t === 'obj'); depth++)
    v = v.t === 'arr' ? v.v[0] : v.v[0]?.[1];
  return depth;
}

/** JSON-style quoting with control, format and surrogate characters escaped, and long repeats abbreviated. */
export function quote(text: string): string {
  let shown = text;
  if (text.length > 80) {
    const first = text[0]!;
    shown =
      text === first.repeat(text.length)
        ? `${first}×${text.length}`
        : `${text.slice(0, 40)}…(${text.length} chars)…${text.slice(-10)}`;
  }
  return `"${shown.replace(
    // eslint-disable-next-line no-control-regex -- the point: control characters are shown escaped, never raw
    /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff"\\]/g,
    (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  )}"`;
}

// ------------------------------------------------------------------------------------------------------------
// Arbitraries

/** Request bodies are limited to 100 kB (express.json/urlencoded `limit: '100kb'`, i.e. 102,400 bytes). */
export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Characters that break something when they reach PostgreSQL, a renderer or a reader, alone or spliced into an
 * otherwise valid value: NUL (PostgreSQL refuses it in text), lone surrogates (not encodable as UTF-8), bidi
 * controls and other invisible format characters, C0/C1 controls, line breaks.
 */
export const poisons: readonly string[] = [
  '\u0000',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\ud83d', // half of an emoji
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u2066', // LEFT-TO-RIGHT ISOLATE
  '\u200b', // ZERO WIDTH SPACE
  '\ufeff', // BOM
  '\u0001',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\r\n',
  '\n',
  '\t',
  '\u2028',
];

/** The text of numbers where a number (often an int4 id) is read: out of range, not finite, not decimal. */
export const numericEdges: readonly string[] = [
  '2147483647',
  '2147483648', // int4 max + 1
  '-2147483649',
  '99999999999',
  '9007199254740993', // beyond Number.MAX_SAFE_INTEGER
  '1e309', // Infinity once parsed
  '-1e309',
  '1e-400',
  '1e3',
  '0x10',
  '0b11',
  '0o7',
  '-1',
  '0',
  '-0',
  '00000000001',
  ' 1 ',
  '1.5',
  '0.25',
  '1,5',
  'NaN',
  'Infinity',
  '１', // FULLWIDTH DIGIT ONE
  '١', // ARABIC-INDIC DIGIT ONE
];

/** Other strings that have broken servers before, one class each. */
export const hostileStrings: readonly string[] = [
  '',
  ' ',
  'a\u0000b',
  'learner@example.org\u0000',
  'Dr \u202egnp.exe',
  '\u2066\u2069\u200b\u200d\ufeff',
  'line\nbreak',
  '\u0085\u2028\u2029',
  'é',
  'e\u0301\u0301\u0301',
  '😀',
  '𝕳𝖊𝖑𝖑𝖔',
  '\uffff\ufffe',
  'undefined',
  'null',
  'true',
  'false',
  '[]',
  '{}',
  '[object Object]',
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '\\',
  '%',
  '%00',
  '%E0%A4%A',
  '..',
  '../../../../etc/passwd',
  '//evil.example/',
  'https://evil.example/',
  'javascript:alert(1)',
  '/\\evil.example',
  '<script>alert(1)</script>',
  '{{constructor.constructor}}',
  '${7*7}',
  'a'.repeat(255),
  'A'.repeat(33),
  '0123456789abcdef0123456789abcdef'.toUpperCase(),
];

/** Already percent-encoded fragments: broken escapes, invalid UTF-8, NUL, overlong forms, encoded separators. */
export const rawEncodings: readonly string[] = [
  '%',
  '%%',
  '%2',
  '%zz',
  '%00',
  '%E0%A4%A',
  '%ED%A0%80', // a lone surrogate as WTF-8
  '%FF',
  '%C0%80', // overlong NUL
  '%C3',
  '%F4%90%80%80', // beyond U+10FFFF
  '%u0041',
  '%2F',
  '%2e%2e',
  '%5B%5D',
  '%26%3D',
  '+',
  'a%00b',
  '%E2%80%AE',
];

/** Byte sequences that are not UTF-8. */
export const invalidUtf8: readonly number[][] = [
  [0xff],
  [0xc3],
  [0xed, 0xa0, 0x80],
  [0xc0, 0x80],
  [0xfe, 0xfe],
  [0x80],
];

/** JSON number tokens: out of int4 range, beyond doubles (1e309 is valid JSON and parses to Infinity), negative. */
export const numberTokens: readonly string[] = [
  '0',
  '-1',
  '1',
  '2147483647',
  '2147483648',
  '99999999999',
  '9007199254740993',
  '1e309',
  '-1e309',
  '1e-400',
  '1.5',
  '0.25',
  '-0',
  '1E2',
  '0x10', // not JSON: the parser refuses it (400)
];

/** Object keys that reach prototypes, shadow methods or are otherwise special. */
export const hostileKeys: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'then',
  'length',
  '__proto__[role]',
  'constructor[prototype][role]',
  'a[b]',
  'a[]',
  '[]',
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\u202erole',
  'x'.repeat(300),
];

/**
 * Huge strings, put into one field of a case at most (hostile-input.test.ts): below the 100 kB body limit
 * (102,400 bytes) and beyond it (413 expected), in one-byte, two-byte, four-byte and hostile characters.
 */
export const hugeString = fc
  .tuple(
    fc.constantFrom(20_000, 60_000, 99_000, BODY_LIMIT_BYTES + 1, 150_000, 400_000),
    fc.constantFrom('a', 'é', '😀', '\u0000', '\u202e', '%'),
  )
  .map(([size, unit]) => unit.repeat(Math.max(1, Math.floor(size / unit.length))));

/** Any UTF-16 code units at all, lone surrogates and NUL included. */
const anyCodeUnits = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 })
  .map((units) => String.fromCharCode(...units));

/** A plausible value with a poison character put before, inside or after it (so that format checks may pass). */
export const poisoned = (plausible: readonly string[]) =>
  fc.tuple(fc.constantFrom(...plausible), fc.constantFrom(...poisons), fc.nat()).map(([good, poison, at]) => {
    const index = at % (good.length + 1);
    return good.slice(0, index) + poison + good.slice(index);
  });

/**
 * A hostile string. The classes are weighted rather than drawn uniformly from one long list, so that each is
 * frequent: poisoned plausible values, numeric edges (ids, pages, ratings, amounts), poison characters alone,
 * other known-bad strings, random code units, 5,000-character strings.
 */
export function hostileString(options: { plausible?: readonly string[]; numeric?: boolean } = {}) {
  const plausible = options.plausible?.length ? options.plausible : ['x'];
  return fc.oneof(
    { weight: 5, arbitrary: poisoned(plausible) },
    { weight: options.numeric ? 6 : 2, arbitrary: fc.constantFrom(...numericEdges) },
    { weight: 2, arbitrary: fc.constantFrom(...poisons) },
    { weight: 3, arbitrary: fc.constantFrom(...hostileStrings) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 16 }), anyCodeUnits) },
    { weight: 1, arbitrary: fc.constantFrom('a', 'é', '\u0000', '\u202e').map((unit) => unit.repeat(5_000)) },
  );
}

export const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...hostileKeys) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z_][a-zA-Z0-9_]{0,12}$/) },
);

/** What a field can hold besides a string: numbers, booleans, null, raw escapes, bytes, arrays, objects. */
export function hostileStructure(plausible?: readonly string[]): fc.Arbitrary<Wire> {
  const { value } = fc.letrec<{ value: Wire }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: hostileString({ plausible }).map(str) },
      { weight: 2, arbitrary: fc.constantFrom(...numberTokens).map((v): Wire => ({ t: 'num', v })) },
      { weight: 1, arbitrary: fc.boolean().map((v): Wire => ({ t: 'bool', v })) },
      { weight: 1, arbitrary: fc.constant<Wire>({ t: 'null' }) },
      { weight: 2, arbitrary: fc.constantFrom(...rawEncodings).map((v): Wire => ({ t: 'raw', v })) },
      { weight: 1, arbitrary: fc.constantFrom(...invalidUtf8).map((v): Wire => ({ t: 'bytes', v })) },
      { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((v): Wire => ({ t: 'arr', v })) },
      {
        weight: 2,
        arbitrary: fc
          .array(fc.tuple(hostileKey, tie('value')), { maxLength: 3 })
          .map((v): Wire => ({ t: 'obj', v })),
      },
      // Deep nesting: parsers, zod and the renderers must all cope.
      {
        weight: 1,
        arbitrary: fc.constantFrom(20, 100, 1_000).map((depth) => {
          let wire: Wire = str('deep');
          for (let i = 0; i < depth; i++)
            wire = i % 2 ? { t: 'arr', v: [wire] } : { t: 'obj', v: [['a', wire]] };
          return wire;
        }),
      },
    ),
  }));
  return value;
}

/**
 * A hostile field value: most often a string (what a form always sends, and what gets past `typeof === 'string'`
 * checks), otherwise any structure.
 */
export const hostileWire = (plausible?: readonly string[], numeric = false): fc.Arbitrary<Wire> =>
  fc.oneof(
    { weight: 3, arbitrary: hostileString({ plausible, numeric }).map(str) },
    { weight: 2, arbitrary: hostileStructure(plausible) },
  );

const looksNumeric = (plausible: readonly (string | string[])[]) =>
  plausible.some((p) => typeof p === 'string' && /^-?\d/.test(p));

/** A hostile value for a path segment: hostile text, raw escapes, very long segments, or a plausible one. */
export function pathSegment(plausible: readonly string[]): fc.Arbitrary<Wire> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...plausible).map(str) },
    { weight: 8, arbitrary: hostileString({ plausible, numeric: looksNumeric(plausible) }).map(str) },
    { weight: 2, arbitrary: fc.constantFrom(...rawEncodings).map((v): Wire => ({ t: 'raw', v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...plausible), fc.constantFrom(...rawEncodings))
        .map(([good, bad]): Wire => ({ t: 'raw', v: percentEncode(good) + bad })),
    },
    // Very long paths: 4 kB passes Node's 16 kB header limit, 20 kB does not (431 from Node itself).
    { weight: 1, arbitrary: fc.constantFrom(4_000, 20_000).map((n) => str('a'.repeat(n))) },
  );
}

/** A plausible value of a field: one of the given ones (a list is sent as a repeated field or a JSON array). */
export const plausibleValue = (plausible: readonly (string | string[])[]): fc.Arbitrary<Wire> =>
  fc
    .constantFrom(...plausible)
    .map((p): Wire => (typeof p === 'string' ? str(p) : { t: 'arr', v: p.map(str) }));

/** Names a handler never asks for, and hostile ones. */
export const extraFieldName = fc.oneof(
  { weight: 3, arbitrary: hostileKey },
  {
    weight: 1,
    arbitrary: fc.constantFrom('role', 'active', 'id', 'userId', 'passwordHash', 'email', '_csrf'),
  },
);

/**
 * The fields of a form or query string. `mode` decides how hostile:
 *  - 'plausible': a complete valid form when `validForms` gives some (the handler's ordinary path runs), else
 *    plausible values field by field;
 *  - 'one hostile' (the most frequent): that form with ONE field replaced by a hostile value, so that the value is
 *    the only thing wrong and reaches the code behind the checks the other fields pass;
 *  - 'hostile': any mix of plausible and hostile values, plus unknown and hostile field names.
 */
export function formFields(
  spec: Record<string, readonly (string | string[])[]>,
  maxExtra: number,
  validForms: readonly Record<string, string | string[]>[] = [],
) {
  const names = Object.keys(spec);
  const fields = Object.entries(spec).map(([name, plausible]) =>
    fc.record({
      name: fc.constant(name),
      present: fc.oneof(
        { weight: 9, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      hostile: fc.boolean(),
      good: plausibleValue(plausible),
      bad: hostileWire(
        plausible.filter((p): p is string => typeof p === 'string' && p !== ''),
        looksNumeric(plausible),
      ),
    }),
  );
  const toWire = (p: string | string[]): Wire =>
    typeof p === 'string' ? str(p) : { t: 'arr', v: p.map(str) };
  return fc
    .record({
      mode: fc.constantFrom('one hostile', 'one hostile', 'one hostile', 'plausible', 'hostile'),
      form: validForms.length > 0 ? fc.constantFrom(...validForms) : fc.constant(null),
      pick: fc.nat(),
      fields: fc.tuple(...fields),
      extra: fc.array(fc.tuple(extraFieldName, hostileStructure()), { maxLength: maxExtra }),
    })
    .map(({ mode, form, pick, fields: all, extra }): Fields => {
      if (form && mode !== 'hostile') {
        const known: Fields = Object.entries(form).map(([name, value]) => [name, toWire(value)]);
        if (mode === 'plausible' || names.length === 0) return known;
        const victim = all[pick % all.length]!;
        const at = known.findIndex(([name]) => name === victim.name);
        if (at >= 0) known[at] = [victim.name, victim.bad];
        else known.push([victim.name, victim.bad]);
        return known;
      }
      const present = all.filter((field) => field.present);
      const chosen = present.length > 0 ? pick % present.length : -1;
      const known = present.map((field, index): [string, Wire] => [
        field.name,
        (mode === 'hostile' && field.hostile) || (mode === 'one hostile' && index === chosen)
          ? field.bad
          : field.good,
      ]);
      if (mode === 'plausible') return known;
      if (mode === 'one hostile' && chosen >= 0) return known;
      return [...known, ...extra];
    });
}
