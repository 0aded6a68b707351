// The input layer: every route reads its params, query and body through these schemas, and nothing else reaches
// a service. Text is refused when PostgreSQL or a reader could be fooled by it: NUL (PostgreSQL rejects it in
// text), other control characters, lone surrogates (not encodable as UTF-8), and, in names and identifiers,
// bidi controls and other invisible format characters (U+202E makes "…‮gnp.exe" read as "exe.png").
import type { Request } from 'express';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from './errors';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NUL_OR_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_IN_LINE = /[\u0000-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Unicode category Cf (format): bidi embeddings, overrides and isolates, zero-width characters, soft hyphen. */
const INVISIBLE_FORMAT = /\p{Cf}/u;

/** True when the string can be stored and shown as it is: no NUL or C0 control but tab/CR/LF, valid Unicode. */
export const isStorableText = (value: string) => !NUL_OR_CONTROL.test(value) && !LONE_SURROGATE.test(value);

const tooLong = (max: number) => `Use at most ${max} characters`;
/** A string, with one message for a missing field and another for a value of the wrong type (JSON). */
const text = (label: string, missing = `${label} is required`) =>
  z.string({ error: (issue) => (issue.input === undefined ? missing : `${label} must be text`) });
const invalidText = 'Contains characters that are not allowed (control characters or invalid Unicode)';
const invisibleText =
  'Contains invisible formatting characters (such as right-to-left overrides); type it plainly';

/**
 * Multi-line free text (comments, reasons): tabs and line breaks allowed. Browsers send a textarea's line breaks as
 * CRLF; they are stored as LF, so that a line break counts as one character against the limit, as the page shows.
 */
export const freeText = (max: number, label = 'This field', missing?: string) =>
  text(label, missing)
    .max(max * 2, tooLong(max)) // cheap bound before the regex scans; the exact one follows the trim
    .refine(isStorableText, invalidText)
    .transform((value) => value.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(max, tooLong(max)));

/** One line of text (search boxes, emails, passwords): no control character at all. */
export const lineText = (max: number, label = 'This field', missing?: string) =>
  text(label, missing)
    .max(max, tooLong(max))
    .refine((value) => !CONTROL_IN_LINE.test(value) && !LONE_SURROGATE.test(value), invalidText);

/** Names, degrees and identifiers: one line, and no invisible formatting characters either. */
export const plainText = (max: number, label = 'This field', missing?: string) =>
  lineText(max, label, missing)
    .refine((value) => !INVISIBLE_FORMAT.test(value), invisibleText)
    .transform((value) => value.trim());

/** Removes bidi controls and other invisible format characters, for text stored before they were refused. */
export const withoutInvisibleFormat = (value: string) => value.replace(/\p{Cf}/gu, '');

const INT4_MAX = 2_147_483_647;

/** A positive int4 id from a path: anything else is a page that does not exist (404), never a database error. */
export function parseId(raw: unknown, message = 'There is no such record.'): number {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > INT4_MAX)
    throw new NotFoundError(message);
  return Number(raw);
}

/** A URL slug (activities, lessons): lower-case letters, digits and dashes; else 404. */
export function parseSlug(raw: unknown, message = 'There is no activity at this address.'): string {
  if (typeof raw !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$/.test(raw))
    throw new NotFoundError(message);
  return raw;
}

/** What was wrong, one line per field, for a 400/422 JSON answer or page. */
export function describeIssues(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || 'input', message: issue.message }));
}

/** The parsed body as an object (what a form or JSON sent), or an empty one: never `any`. */
export const rawBody = (req: Request): Record<string, unknown> =>
  req.body && typeof req.body === 'object' && !Array.isArray(req.body)
    ? (req.body as Record<string, unknown>)
    : {};

/** Parses a query string or body with a schema, or answers 400 saying what was wrong. */
export function readInput<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error);
  throw new BadRequestError(
    `The ${what} is not valid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

export const readQuery = <S extends z.ZodType>(req: Request, schema: S): z.infer<S> =>
  readInput(schema, req.query, 'query');

export const readBody = <S extends z.ZodType>(req: Request, schema: S): z.infer<S> =>
  readInput(schema, req.body, 'form');

/** A page number from a query string: a positive integer, else the first page. */
export const pageNumber = z.coerce.number().int().min(1).max(100_000).catch(1);

/** zod issues → one message per form field, for re-rendering the form. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}

/** What was typed, as text only (a repeated or nested parameter is not echoed back), bounded: for a form shown again. */
export function formValues(source: unknown, fields: readonly string[], max = 600): Record<string, string> {
  const values = source && typeof source === 'object' ? (source as Record<string, unknown>) : {};
  return Object.fromEntries(
    fields.map((field) => {
      const value = values[field];
      return [field, typeof value === 'string' ? value.slice(0, max) : ''];
    }),
  );
}
