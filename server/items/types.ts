// An item as authored (form), imported (GIFT, Moodle XML) or exported: one shape, checked by one function, so
// the browser form and the import preview give the same messages for the same problem.
import type { ItemType } from '../generated/prisma/enums';
import { isStorableText } from '../http/input';

export const OPTION_IDS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;

export const ITEM_LIMITS = {
  keyLength: 100,
  stemLength: 5_000,
  optionLength: 1_000,
  rationaleLength: 10_000,
  minOptions: 2,
  maxOptions: 6,
} as const;

export interface ItemOption {
  /** A to F, in the order authored (the post-test shuffles them per attempt). */
  id: string;
  text: string;
}

/** Everything one version of an item states. Stem, options and rationale are Markdown. */
export interface ItemDraft {
  /** Unique per activity; the "name" in GIFT (::name::) and Moodle XML (<name>). */
  key: string;
  type: ItemType;
  stem: string;
  options: ItemOption[];
  /** Ids of the correct options: one for single and true_false, one or more for multiple. */
  correct: string[];
  rationale: string;
  /** Objective code (O1…); null when a file did not name one (chosen in the import preview). */
  objectiveCode: string | null;
  /** Lesson slug of the supporting section; null when none was given. */
  sectionSlug: string | null;
  /** Reference numbers from the activity's list. */
  references: number[];
}

/** What an activity offers a draft to point at. */
export interface DraftContext {
  objectiveCodes: readonly string[];
  sectionSlugs: readonly string[];
  referenceNumbers: readonly number[];
}

export type DraftProblems = Partial<Record<keyof ItemDraft, string>>;

/** Control characters (tab and line breaks aside) and lone surrogates: the input layer's rule for stored text. */
const unstorable = (text: string) => !isStorableText(text);

/** Field → message for everything wrong with a draft; an empty object means it can be saved. */
export function draftProblems(draft: ItemDraft, context: DraftContext): DraftProblems {
  const problems: DraftProblems = {};
  const key = draft.key.trim();
  if (!key) problems.key = 'Give the item a name.';
  else if (key.length > ITEM_LIMITS.keyLength)
    problems.key = `The name is too long (at most ${ITEM_LIMITS.keyLength} characters).`;
  else if (unstorable(key)) problems.key = 'The name contains a control character.';

  if (!draft.stem.trim()) problems.stem = 'Write the question (the stem).';
  else if (draft.stem.length > ITEM_LIMITS.stemLength)
    problems.stem = `The stem is too long (at most ${ITEM_LIMITS.stemLength} characters).`;
  else if (unstorable(draft.stem)) problems.stem = 'The stem contains a control character.';

  const texts = draft.options.map((option) => option.text.trim());
  if (draft.type === 'true_false' && draft.options.length !== 2)
    problems.options = 'A true/false item has exactly two options, True and False.';
  else if (draft.options.length < ITEM_LIMITS.minOptions || draft.options.length > ITEM_LIMITS.maxOptions)
    problems.options = `Give between ${ITEM_LIMITS.minOptions} and ${ITEM_LIMITS.maxOptions} options.`;
  else if (texts.some((text) => !text)) problems.options = 'Every option needs text; remove the empty ones.';
  else if (texts.some((text) => text.length > ITEM_LIMITS.optionLength))
    problems.options = `An option is too long (at most ${ITEM_LIMITS.optionLength} characters).`;
  else if (draft.options.some((option) => unstorable(option.text)))
    problems.options = 'An option contains a control character.';
  else if (new Set(texts.map((text) => text.toLowerCase())).size !== texts.length)
    problems.options = 'Two options say the same thing: each option must be distinct.';
  else if (draft.options.some((option, index) => option.id !== OPTION_IDS[index]))
    problems.options = 'Options are lettered A to F in order.';

  const ids = new Set(draft.options.map((option) => option.id));
  if (draft.correct.length === 0) problems.correct = 'Mark the correct answer.';
  else if (draft.correct.some((id) => !ids.has(id)))
    problems.correct = 'A correct answer is not one of the options.';
  else if (new Set(draft.correct).size !== draft.correct.length)
    problems.correct = 'A correct answer is repeated.';
  else if (draft.type !== 'multiple' && draft.correct.length !== 1)
    problems.correct = 'This type has exactly one correct answer.';
  else if (draft.type === 'multiple' && draft.correct.length === draft.options.length)
    problems.correct = 'Not every option can be correct: leave at least one wrong option.';

  if (draft.rationale.length > ITEM_LIMITS.rationaleLength)
    problems.rationale = `The rationale is too long (at most ${ITEM_LIMITS.rationaleLength} characters).`;
  else if (unstorable(draft.rationale)) problems.rationale = 'The rationale contains a control character.';

  if (!draft.objectiveCode) problems.objectiveCode = 'Choose the objective this item assesses.';
  else if (!context.objectiveCodes.includes(draft.objectiveCode))
    problems.objectiveCode = `${draft.objectiveCode} is not an objective of this activity.`;

  if (draft.sectionSlug !== null && !context.sectionSlugs.includes(draft.sectionSlug))
    problems.sectionSlug = 'Choose a section of this activity.';
  if (draft.references.some((n) => !context.referenceNumbers.includes(n)))
    problems.references = 'Choose references from this activity’s list.';
  return problems;
}
