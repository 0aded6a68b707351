// The import between upload and confirmation. A file's questions are sorted into the drafts that will be created
// and the questions that cannot be, each with its reason; the objective named by the file is resolved against
// the activity, and the educator chooses it where the file names none (or one the activity does not have).
// The drafts travel from the preview to the confirmation in a hidden form field; the session keeps only the
// SHA-256 of that field (sessions live in PostgreSQL and must stay small), so a confirmation creates exactly
// what its preview showed, and only for the user and activity it was made for.
import crypto from 'node:crypto';
import type { Session, SessionData } from 'express-session';
import { z } from 'zod';
import { plainText } from '../http/input';
import type { ParsedQuestion } from './formats/questions';
import { draftProblems, ITEM_LIMITS, OPTION_IDS, type DraftContext, type ItemDraft } from './types';

export const IMPORT_LIMITS = { bytes: 1024 * 1024, questions: 500 } as const;
/** Previews a session remembers (several tabs), newest last. */
const PREVIEWS_KEPT = 3;

declare module 'express-session' {
  interface SessionData {
    /** SHA-256 of the drafts each recent import preview carries, with the activity they are for. */
    itemImports?: { digest: string; activityId: number }[];
  }
}

export interface ReadyItem {
  number: number;
  /** objectiveCode null: chosen in the preview. */
  draft: ItemDraft;
  /** Why the objective must be chosen when the file named one; null otherwise. */
  objectiveNote: string | null;
  notes: string[];
}
export interface RefusedItem {
  number: number;
  /** The line it starts on, where the format has lines (GIFT). */
  line: number | null;
  name: string;
  reason: string;
}
export interface ImportPreview {
  ready: ReadyItem[];
  refused: RefusedItem[];
}

/** The draft with what the activity does not have set aside, and what was set aside. */
function resolve(question: ParsedQuestion, draft: ItemDraft, context: DraftContext) {
  const notes = [...question.notes];
  const hint = question.objective;
  const objectiveCode = hint
    ? (context.objectiveCodes.find((code) => code.toLowerCase() === hint.code.toLowerCase()) ?? null)
    : null;
  const objectiveNote =
    hint && !objectiveCode
      ? `The file names the objective “${hint.code}” (${hint.from === 'tag' ? 'tag' : 'category'}), which this activity does not have.`
      : null;
  let sectionSlug = draft.sectionSlug;
  if (sectionSlug !== null && !context.sectionSlugs.includes(sectionSlug)) {
    notes.push(`The section “${sectionSlug}” is not one of this activity’s: none is set.`);
    sectionSlug = null;
  }
  const references = draft.references.filter((n) => context.referenceNumbers.includes(n));
  if (references.length < draft.references.length)
    notes.push('References this activity does not list are left out.');
  return { draft: { ...draft, objectiveCode, sectionSlug, references }, objectiveNote, notes };
}

/** A name follows the item form's rule: one line, no control or invisible formatting character (U+202E…). */
const itemName = plainText(ITEM_LIMITS.keyLength * 2, 'The name');
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export function previewImport(
  questions: readonly ParsedQuestion[],
  context: DraftContext,
  keysInBank: ReadonlySet<string>,
): ImportPreview {
  const ready: ReadyItem[] = [];
  const refused: RefusedItem[] = [];
  const readyByKey = new Map<string, number>();
  for (const question of questions) {
    const refuse = (reason: string) =>
      refused.push({ number: question.number, line: question.line, name: question.name, reason });
    if (!question.draft) {
      refuse(question.problem ?? 'It cannot be read.');
      continue;
    }
    const { draft, objectiveNote, notes } = resolve(question, question.draft, context);
    const { objectiveCode: _chosenInThePreview, ...problems } = draftProblems(draft, context);
    const sameName = readyByKey.get(draft.key);
    const name = itemName.safeParse(draft.key);
    if (!name.success) refuse(`The name ${lowerFirst(name.error.issues[0]!.message)}.`);
    else if (sameName !== undefined) refuse(`Question ${sameName} of this file has the same name.`);
    else if (keysInBank.has(draft.key)) refuse('An item with this name is already in the bank.');
    else if (Object.keys(problems).length > 0) refuse(Object.values(problems).join(' '));
    else {
      readyByKey.set(draft.key, question.number);
      ready.push({ number: question.number, draft, objectiveNote, notes });
    }
  }
  return { ready, refused };
}

// ----------------------------------------------------------------------------------------------------------
// From the preview to the confirmation

const digestOf = (payload: string) => crypto.createHash('sha256').update(payload).digest('hex');
type ImportSession = Session & Partial<SessionData>;

/** What a preview shows, carried to its confirmation. */
export interface SealedPreview extends ImportPreview {
  activityId: number;
  fileName: string;
}

/** The preview as the hidden field's value; the session remembers its digest. */
export function sealPreview(session: ImportSession, preview: SealedPreview): string {
  const payload = JSON.stringify(preview);
  const activityId = preview.activityId;
  const kept = (session.itemImports ?? []).slice(-(PREVIEWS_KEPT - 1));
  session.itemImports = [...kept, { digest: digestOf(payload), activityId }];
  return payload;
}

const draftSchema = z.object({
  key: z.string().max(ITEM_LIMITS.keyLength * 2),
  type: z.enum(['single', 'multiple', 'true_false']),
  stem: z.string(),
  options: z.array(z.object({ id: z.enum(OPTION_IDS), text: z.string() })).max(OPTION_IDS.length),
  correct: z.array(z.enum(OPTION_IDS)).max(OPTION_IDS.length),
  rationale: z.string(),
  objectiveCode: z.string().nullable(),
  sectionSlug: z.string().nullable(),
  references: z.array(z.number().int()),
});
const payloadSchema = z.object({
  activityId: z.number().int(),
  fileName: z.string(),
  refused: z.array(
    z.object({
      number: z.number().int(),
      line: z.number().int().nullable(),
      name: z.string(),
      reason: z.string(),
    }),
  ),
  ready: z
    .array(
      z.object({
        number: z.number().int(),
        draft: draftSchema,
        objectiveNote: z.string().nullable(),
        notes: z.array(z.string()),
      }),
    )
    .max(IMPORT_LIMITS.questions),
});

/** The preview this session made for this activity; null when it did not (or no longer does). */
export function openPreview(
  session: ImportSession,
  activityId: number,
  payload: string,
): SealedPreview | null {
  const digest = digestOf(payload);
  if (!session.itemImports?.some((seal) => seal.digest === digest && seal.activityId === activityId))
    return null;
  const parsed = payloadSchema.safeParse(JSON.parse(payload));
  return parsed.success && parsed.data.activityId === activityId ? parsed.data : null;
}

export function forgetPreview(session: ImportSession, payload: string): void {
  const digest = digestOf(payload);
  session.itemImports = (session.itemImports ?? []).filter((seal) => seal.digest !== digest);
}

export const objectiveField = (number: number) => `objective-${number}`;

/**
 * The drafts with the objectives chosen in the preview, or the messages by field: an objective left to choose,
 * or a draft that no longer fits the activity (its content changed since the preview).
 */
export function withChosenObjectives(
  ready: readonly ReadyItem[],
  fields: Record<string, unknown>,
  context: DraftContext,
): { drafts: ItemDraft[] } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const drafts = ready.map((item) => {
    if (item.draft.objectiveCode !== null) return item.draft;
    const chosen = fields[objectiveField(item.number)];
    if (typeof chosen === 'string' && context.objectiveCodes.includes(chosen))
      return { ...item.draft, objectiveCode: chosen };
    errors[objectiveField(item.number)] =
      `Choose the objective of question ${item.number} (${item.draft.key}).`;
    return item.draft;
  });
  drafts.forEach((draft, index) => {
    const field = objectiveField(ready[index]!.number);
    const problems = Object.values(draftProblems(draft, context));
    if (!errors[field] && problems.length > 0)
      errors[field] = `Question ${ready[index]!.number}: ${problems[0]}`;
  });
  return Object.keys(errors).length > 0 ? { errors } : { drafts };
}
