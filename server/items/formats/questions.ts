// What the GIFT and Moodle XML readers share: the shape of a question read from a file, and the rules that turn
// Moodle's answers and grades into an item (Moodle's own rules first, then this platform's: an item is scored
// right or wrong, so partial credit has no equivalent here and is reported rather than silently changed).
import type { ItemType } from '../../generated/prisma/enums';
import { OPTION_IDS, type ItemDraft } from '../types';

/** The objective a file names for a question: the last part of its category, or a tag objective:O2. */
export interface ObjectiveHint {
  code: string;
  from: 'category' | 'tag';
}

/** One question of a file: the draft it makes (objective still to resolve), or why it makes none. */
export interface ParsedQuestion {
  /** 1-based number among the file's questions (categories are not questions). */
  number: number;
  /** The line it starts on (GIFT), for messages. */
  line: number | null;
  /** Its name in the file, or one made from its text. */
  name: string;
  objective: ObjectiveHint | null;
  /** objectiveCode is null here: the import resolves it against the activity. */
  draft: ItemDraft | null;
  problem: string | null;
  /** What the import changes or leaves out, for the preview. */
  notes: string[];
}

export type ParsedFile = { questions: ParsedQuestion[] } | { problem: string };

export interface ChoiceAnswer {
  /** Markdown. */
  text: string;
  /** Moodle's fraction of the mark: 1 = 100 %, negative for a penalty. */
  fraction: number;
  /** Markdown; '' when none. */
  feedback: string;
}

/** What every item read from a file states besides its answers. Texts are Markdown. */
export interface QuestionBase {
  key: string;
  stem: string;
  generalFeedback: string;
  sectionSlug: string | null;
  references: number[];
}

/** The options of a true/false item, in this order. */
export const TRUE_FALSE_OPTIONS = [
  { id: 'A', text: 'True' },
  { id: 'B', text: 'False' },
] as const;

/**
 * The grades Moodle offers (question_bank::fraction_options_full): an imported grade must be one of them, or its
 * negative, within 0.00001 (match_grade_options), which is why 33.33333 is accepted and 33.33 is not.
 */
const MOODLE_FRACTIONS = [
  1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667,
  0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0,
];
export const isMoodleFraction = (fraction: number) =>
  MOODLE_FRACTIONS.some((allowed) => Math.abs(Math.abs(fraction) - allowed) < 0.00001);

/** 0.3333333 → "33.33333": as Moodle writes a grade. */
export const percent = (fraction: number) => String(Math.round(fraction * 1e7) / 1e5);

const FULL_MARK = 1 - 0.00001;

/** The rationale: the general feedback first, then the feedback written for the right answer(s). */
export const rationaleOf = (generalFeedback: string, rightFeedback: string[]) =>
  [generalFeedback, ...rightFeedback]
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .join('\n\n');

const WRONG_FEEDBACK_NOTE =
  'Feedback written for wrong answers is left out: the rationale explains the right answer.';

/** A multiple-choice question as an item, or why it cannot be one. */
export function choiceDraft(
  base: QuestionBase,
  answers: ChoiceAnswer[],
  single: boolean,
): { draft: ItemDraft; notes: string[] } | { problem: string } {
  if (answers.length < 2) return { problem: 'A multiple-choice question needs at least two answers.' };
  if (answers.length > OPTION_IDS.length)
    return { problem: `It has ${answers.length} answers; an item has at most ${OPTION_IDS.length}.` };
  const offGrid = answers.find(
    (answer) => !Number.isFinite(answer.fraction) || !isMoodleFraction(answer.fraction),
  );
  if (offGrid)
    return {
      problem: Number.isFinite(offGrid.fraction)
        ? `The grade ${percent(offGrid.fraction)}% of the answer “${offGrid.text}” is not one Moodle allows (such as 100, 50, 33.33333, 25, 20 or their negatives).`
        : `The grade of the answer “${offGrid.text}” is not a number.`,
    };
  const right = answers.filter((answer) => answer.fraction > 0);
  if (right.length === 0) return { problem: 'No answer is marked right.' };
  let type: ItemType = 'multiple';
  if (single) {
    const full = right.filter((answer) => answer.fraction >= FULL_MARK);
    if (full.length === 0) return { problem: 'No answer is marked right with 100%.' };
    const partial = right.find((answer) => answer.fraction < FULL_MARK);
    if (partial)
      return {
        problem: `The answer “${partial.text}” gives partial credit (${percent(partial.fraction)}%); items here are scored right or wrong.`,
      };
    if (full.length > 1)
      return {
        problem: `${full.length} answers are marked right (=) in a single-answer question; use weights (~%50%) for a question with several right answers.`,
      };
    type = 'single';
  } else {
    // qtype_multichoice: the positive grades, rounded to two decimals, must add up to exactly 1.
    const total = Math.round(right.reduce((sum, answer) => sum + answer.fraction, 0) * 100) / 100;
    if (total !== 1)
      return { problem: `The grades of the right answers add up to ${percent(total)}%, not 100%.` };
  }
  const options = answers.map((answer, index) => ({ id: OPTION_IDS[index]!, text: answer.text }));
  const correct = answers.flatMap((answer, index) => (answer.fraction > 0 ? [OPTION_IDS[index]!] : []));
  const notes = answers.some((answer) => answer.fraction <= 0 && answer.feedback.trim())
    ? [WRONG_FEEDBACK_NOTE]
    : [];
  return {
    draft: {
      ...draftOf(base, type),
      options,
      correct,
      rationale: rationaleOf(
        base.generalFeedback,
        right.map((answer) => answer.feedback),
      ),
    },
    notes,
  };
}

/** A true/false question as an item; `wrongFeedback` is what Moodle shows for a wrong answer. */
export function trueFalseDraft(
  base: QuestionBase,
  answerIsTrue: boolean,
  rightFeedback: string,
  wrongFeedback: string,
): { draft: ItemDraft; notes: string[] } {
  return {
    draft: {
      ...draftOf(base, 'true_false'),
      options: TRUE_FALSE_OPTIONS.map((option) => ({ ...option })),
      correct: [answerIsTrue ? 'A' : 'B'],
      rationale: rationaleOf(base.generalFeedback, [rightFeedback]),
    },
    notes: wrongFeedback.trim() ? [WRONG_FEEDBACK_NOTE] : [],
  };
}

const draftOf = (base: QuestionBase, type: ItemType) => ({
  key: base.key,
  type,
  stem: base.stem,
  objectiveCode: null,
  sectionSlug: base.sectionSlug,
  references: base.references,
});

/** A name for a question that has none (GIFT allows that): the start of its text, as Moodle does. */
export function nameFromText(markdown: string): string {
  const text = markdown
    .replace(/\\(.)/g, '$1')
    .replace(/[*_`#>[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= 80) return text;
  const cut = text.slice(0, 80);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 80)}…`;
}

/** The last part of a Moodle category path ("$course$/top/Renal/O2" → "O2"); "//" is a slash inside a name. */
export function lastCategoryPart(path: string): string {
  let part = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] !== '/') part += path[i];
    else if (path[i + 1] === '/') {
      part += '/';
      i++;
    } else part = '';
  }
  return part.trim();
}

/** The objective a category names: its last part when it has the shape of an objective code (O2, OBJ3). */
export function objectiveFromCategory(path: string | null): ObjectiveHint | null {
  if (path === null) return null;
  const last = lastCategoryPart(path);
  return /^[A-Z][A-Z0-9]{0,19}$/.test(last) ? { code: last, from: 'category' } : null;
}
