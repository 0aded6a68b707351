// The item form, read into an ItemDraft: each field through the input layer's text rules (length, control
// characters, invalid Unicode, a value of the wrong type), then the whole draft through draftProblems, the one
// check the import shares. Field → message for everything wrong, and the values as typed for re-rendering.
import { z } from 'zod';
import { BadRequestError } from '../http/errors';
import { freeText, lineText, plainText } from '../http/input';
import type { ItemType } from '../generated/prisma/enums';
import {
  draftProblems,
  ITEM_LIMITS,
  OPTION_IDS,
  type DraftContext,
  type DraftProblems,
  type ItemDraft,
} from './types';

export const ITEM_TYPES = ['single', 'multiple', 'true_false'] as const satisfies readonly ItemType[];
export const TRUE_FALSE_OPTIONS = [
  { id: 'A', text: 'True' },
  { id: 'B', text: 'False' },
] as const;

/** What the form shows again: the values as typed (strings only), whatever was wrong with them. */
export interface ItemFormValues {
  key: string;
  type: string;
  stem: string;
  rationale: string;
  /** Always six, A to F. */
  options: { id: string; text: string }[];
  correct: string[];
  objectiveCode: string;
  sectionSlug: string;
  references: string[];
}

const optional = <T extends z.ZodType<string>>(schema: T) =>
  schema.optional().transform((value) => value ?? '');
const choices = (label: string) =>
  z
    .union([z.string().max(10), z.array(z.string().max(10)).max(20)], { error: `${label} is not valid` })
    .optional()
    .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

const optionText = (id: string) => optional(lineText(ITEM_LIMITS.optionLength, `Option ${id}`));

const formSchema = z.object({
  key: optional(plainText(ITEM_LIMITS.keyLength, 'The name')),
  type: z.enum(ITEM_TYPES, { error: 'Choose the type of question.' }),
  stem: optional(freeText(ITEM_LIMITS.stemLength, 'The stem')),
  rationale: optional(freeText(ITEM_LIMITS.rationaleLength, 'The rationale')),
  optionA: optionText('A'),
  optionB: optionText('B'),
  optionC: optionText('C'),
  optionD: optionText('D'),
  optionE: optionText('E'),
  optionF: optionText('F'),
  correct: choices('The correct answer'),
  objectiveCode: optional(lineText(20, 'The objective')),
  sectionSlug: optional(lineText(120, 'The section')),
  references: choices('The references'),
});

/** Which form field a zod path is about, in draftProblems' words (options A–F are one group). */
const fieldOf = (path: PropertyKey | undefined): keyof ItemDraft => {
  const name = String(path ?? 'stem');
  if (/^option[A-F]$/.test(name)) return 'options';
  return (
    ['key', 'type', 'stem', 'rationale', 'correct', 'objectiveCode', 'sectionSlug', 'references'].includes(
      name,
    )
      ? name
      : 'stem'
  ) as keyof ItemDraft;
};

const str = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : '');
const list = (value: unknown) =>
  (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').slice(0, 20);

/** The values as sent, for showing the form again (objects and arrays from JSON bodies show as empty). */
export function formValues(body: Record<string, unknown>): ItemFormValues {
  return {
    key: str(body.key, ITEM_LIMITS.keyLength * 2),
    type: str(body.type, 20),
    stem: str(body.stem, ITEM_LIMITS.stemLength * 2),
    rationale: str(body.rationale, ITEM_LIMITS.rationaleLength * 2),
    options: OPTION_IDS.map((id) => ({ id, text: str(body[`option${id}`], ITEM_LIMITS.optionLength * 2) })),
    correct: list(body.correct),
    objectiveCode: str(body.objectiveCode, 40),
    sectionSlug: str(body.sectionSlug, 240),
    references: list(body.references),
  };
}

/** The values of a stored draft, for the edit form. */
export function valuesOfDraft(draft: ItemDraft): ItemFormValues {
  return {
    key: draft.key,
    type: draft.type,
    stem: draft.stem,
    rationale: draft.rationale,
    options: OPTION_IDS.map((id) => ({ id, text: draft.options.find((o) => o.id === id)?.text ?? '' })),
    correct: draft.correct,
    objectiveCode: draft.objectiveCode ?? '',
    sectionSlug: draft.sectionSlug ?? '',
    references: draft.references.map(String),
  };
}

export type ItemFormResult =
  | { ok: true; draft: ItemDraft; values: ItemFormValues }
  | { ok: false; errors: DraftProblems; values: ItemFormValues };

/**
 * Reads the item form. `fixed` holds what the form does not decide (the key of an existing item, the objective
 * of one that was published): those body fields are ignored.
 */
export function readItemForm(
  raw: Record<string, unknown>,
  context: DraftContext,
  fixed: { key?: string; objectiveCode?: string } = {},
): ItemFormResult {
  // Browsers send line breaks as CRLF; Markdown needs only LF (and the length limits count characters typed).
  const lf = (value: unknown) => (typeof value === 'string' ? value.replace(/\r\n?/g, '\n') : value);
  const body = { ...raw, stem: lf(raw.stem), rationale: lf(raw.rationale), ...fixed };
  const values = formValues(body);
  const parsed = formSchema.safeParse(body);
  if (!parsed.success) {
    const errors: DraftProblems = {};
    for (const issue of parsed.error.issues) errors[fieldOf(issue.path[0])] ??= issue.message;
    return { ok: false, errors, values };
  }
  const form = parsed.data;
  // Empty trailing options are ignored; an empty one before a filled one stays, for draftProblems to name.
  const texts = OPTION_IDS.map((id) => form[`option${id}`].trim());
  const count = texts.reduce((last, text, index) => (text ? index + 1 : last), 0);
  const options =
    form.type === 'true_false'
      ? TRUE_FALSE_OPTIONS.map((option) => ({ ...option }))
      : texts.slice(0, count).map((text, index) => ({ id: OPTION_IDS[index]!, text }));
  const references = form.references.map((value) => (/^\d{1,4}$/.test(value) ? Number(value) : NaN));
  const draft: ItemDraft = {
    key: form.key.trim(),
    type: form.type,
    stem: form.stem,
    options,
    correct: [...form.correct].sort(),
    rationale: form.rationale,
    objectiveCode: form.objectiveCode.trim() || null,
    sectionSlug: form.sectionSlug.trim() || null,
    references: references.filter((n) => !Number.isNaN(n)).sort((a, b) => a - b),
  };
  const errors = draftProblems(draft, context);
  if (references.some((n) => Number.isNaN(n)))
    errors.references = 'Choose references from this activity’s list.';
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, draft, values };
}

/** The lock version a form carries (a hidden field): anything else is a tampered form, 400. */
export function readLockVersion(raw: Record<string, unknown>): number {
  const value = raw.lockVersion;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text))
    throw new BadRequestError(
      'The form is not valid: lockVersion is missing. Reload the page and try again.',
    );
  return Number(text);
}
