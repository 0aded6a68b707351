// Refuses, before any route runs, a request whose text no route could store or show: broken percent-encoding,
// invalid UTF-8, NUL and other C0 controls in the path, NUL or lone surrogates anywhere in the query or body
// (keys included). Routes then validate their own fields (server/http/input.ts); this layer guarantees that
// no such character reaches PostgreSQL through a field a route forgot, and answers 400 instead of a 500.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { BadRequestError } from './errors';

// eslint-disable-next-line no-control-regex -- finding NUL is the point
const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL = /[\u0000-\u001F\u007F]/;
const MAX_DEPTH = 8;

const malformed = (where: string) =>
  new BadRequestError(
    `The ${where} contains characters that are not allowed (NUL, control characters, broken percent-encoding or invalid Unicode).`,
  );

/** decodeURIComponent that answers null instead of throwing on broken escapes or invalid UTF-8. */
function decodeOrNull(component: string): string | null {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Every key and value of an application/x-www-form-urlencoded string decodes to valid text. */
export function isWellFormedUrlEncoded(encoded: string): boolean {
  if (encoded === '') return true;
  return encoded.split(/[&=]/).every((part) => {
    const decoded = decodeOrNull(part);
    return decoded !== null && !NUL_OR_LONE_SURROGATE.test(decoded);
  });
}

/** Strings, keys and nested values of a parsed body or query, to a bounded depth. */
function containsMalformedText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return NUL_OR_LONE_SURROGATE.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_DEPTH) return true;
  for (const [key, inner] of Object.entries(value)) {
    if (NUL_OR_LONE_SURROGATE.test(key) || containsMalformedText(inner, depth + 1)) return true;
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser's `verify` hook: the raw body must be valid UTF-8 (body-parser would otherwise replace bad bytes
 * silently), and a form's percent-escapes must decode. Throwing here makes body-parser answer 400.
 */
export function verifyBodyEncoding(req: IncomingMessage, _res: unknown, raw: Buffer): void {
  try {
    utf8.decode(raw);
  } catch {
    throw Object.assign(malformed('request body'), { status: 400 });
  }
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded') && !isWellFormedUrlEncoded(raw.toString('utf8')))
    throw Object.assign(malformed('form'), { status: 400 });
}

/** Path and query string must decode to text without controls; runs before every route. */
export const requireWellFormedUrl: RequestHandler = (req, _res, next) => {
  const [rawPath = '', rawQuery = ''] = req.originalUrl.split(/\?(.*)/s, 2);
  const path = decodeOrNull(rawPath.replace(/\+/g, '%2B'));
  if (path === null || CONTROL.test(path) || NUL_OR_LONE_SURROGATE.test(path)) throw malformed('address');
  if (!isWellFormedUrlEncoded(rawQuery) || containsMalformedText(req.query)) throw malformed('address');
  next();
};

/** After the body parsers: NUL and lone surrogates (JSON's "\ud800") anywhere in the parsed body. */
export const requireWellFormedBody: RequestHandler = (req, _res, next) => {
  if (containsMalformedText(req.body)) throw malformed('request body');
  next();
};
