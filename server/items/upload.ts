// Reading an uploaded question file: multer (memory storage) with limits on size, files and fields; which format
// a file is (its extension, agreeing with the format chosen); and its text (UTF-8, not binary). A request that
// breaks a limit is answered 413, a file of the wrong kind 415, each with a message saying what to do.
import path from 'node:path';
import type { RequestHandler } from 'express';
import multer from 'multer';
import { HttpError } from '../http/errors';
import { IMPORT_LIMITS } from './import';

export type ImportFormat = 'gift' | 'moodle-xml';

const LIMIT_MESSAGES: Partial<Record<multer.ErrorCode, [number, string]>> = {
  LIMIT_FILE_SIZE: [
    413,
    `The file is larger than ${IMPORT_LIMITS.bytes / (1024 * 1024)} MB. Split it into smaller files.`,
  ],
  LIMIT_FILE_COUNT: [413, 'Upload one file at a time.'],
  LIMIT_UNEXPECTED_FILE: [400, 'The form sent a file where none was expected. Use the form on this page.'],
  LIMIT_FIELD_VALUE: [413, 'A form field is too long.'],
  LIMIT_FIELD_COUNT: [413, 'The form has too many fields.'],
  LIMIT_PART_COUNT: [413, 'The form has too many parts.'],
};

/** Runs a multer middleware; its errors become HttpErrors with a message (busboy's parse errors: 400). */
function withMessages(parse: RequestHandler): RequestHandler {
  return (req, res, next) =>
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError) {
        const [status, message] = LIMIT_MESSAGES[error.code] ?? [400, 'The upload could not be read.'];
        return next(new HttpError(status, message));
      }
      next(new HttpError(400, 'The upload could not be read: send the form again.'));
    });
}

/** The upload form: one file field named "file" and a few text fields. */
export const uploadFile = withMessages(
  multer({
    storage: multer.memoryStorage(),
    limits: {
      fileSize: IMPORT_LIMITS.bytes,
      files: 1,
      fields: 10,
      fieldSize: 10_000,
      parts: 12,
      headerPairs: 100,
    },
  }).single('file'),
);

/** The confirmation form: text fields only (the preview's drafts, one objective per question, the token). */
export const confirmationFields = withMessages(
  multer({
    storage: multer.memoryStorage(),
    limits: {
      files: 0,
      fields: IMPORT_LIMITS.questions + 10,
      parts: IMPORT_LIMITS.questions + 10,
      // The drafts of a 1 MB file, escaped as JSON, with room to spare.
      fieldSize: 8 * IMPORT_LIMITS.bytes,
    },
  }).none(),
);

const EXTENSIONS: Record<string, ImportFormat> = { '.gift': 'gift', '.txt': 'gift', '.xml': 'moodle-xml' };
/** What browsers send for such files (application/octet-stream or nothing for an unknown .gift). */
const CONTENT_TYPES = new Set(['', 'text/plain', 'text/xml', 'application/xml', 'application/octet-stream']);
const FORMAT_NAMES: Record<ImportFormat, string> = { gift: 'GIFT', 'moodle-xml': 'Moodle XML' };

/** The format of an uploaded file, or the 415 that refuses it. */
export function formatOfUpload(
  file: { originalname: string; mimetype: string },
  chosen: 'auto' | ImportFormat,
): ImportFormat {
  const extension = path.extname(file.originalname).toLowerCase();
  const byName = EXTENSIONS[extension];
  const type = file.mimetype.split(';')[0]!.trim().toLowerCase();
  if (!byName || !CONTENT_TYPES.has(type))
    throw new HttpError(
      415,
      `“${file.originalname}” (${type || 'no type'}) is not a GIFT or Moodle XML file: upload a .gift or .txt (GIFT) or an .xml (Moodle XML) file.`,
    );
  if (chosen !== 'auto' && chosen !== byName)
    throw new HttpError(
      415,
      `You chose ${FORMAT_NAMES[chosen]}, but “${file.originalname}” is named as a ${FORMAT_NAMES[byName]} file. Choose the format that matches the file, or “From the file name”.`,
    );
  return byName;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text; a file that is not UTF-8 text (or holds NUL bytes, as binary files do) is a 415. */
export function textOfUpload(data: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    text = '\u0000';
  }
  if (text.includes('\u0000'))
    throw new HttpError(
      415,
      'The file is not UTF-8 text. Export the questions from Moodle again, as GIFT or Moodle XML.',
    );
  return text;
}
