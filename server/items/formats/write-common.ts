// What the Moodle XML and GIFT writers share: categories per objective, and the grades that make Moodle score an
// item as this platform does (right or wrong as a whole).
import type { ItemDraft } from '../types';

/** The Moodle category of an objective's items: $course$/top/<activity>/<objective> ("/" in a name is "//"). */
export const categoryPath = (activitySlug: string, objectiveCode: string | null) =>
  ['$course$', 'top', activitySlug, ...(objectiveCode ? [objectiveCode] : [])]
    .map((part) => part.replaceAll('/', '//'))
    .join('/');

/** The drafts grouped by objective, in the order the objectives first appear. */
export function byObjective(drafts: readonly ItemDraft[]): [string | null, ItemDraft[]][] {
  const groups = new Map<string | null, ItemDraft[]>();
  for (const draft of drafts) {
    const group = groups.get(draft.objectiveCode) ?? [];
    group.push(draft);
    groups.set(draft.objectiveCode, group);
  }
  return [...groups];
}

/**
 * Each option's grade as a fraction of the mark. Single answer: 1 for the right one, 0 for the others. Several
 * right answers: each right one 1/k and each wrong one −1/w (all grades Moodle allows for k, w ≤ 5), so that in
 * Moodle too only the exact set of right answers earns the full mark, as here.
 */
export function fractionsOf(draft: ItemDraft): number[] {
  const right = draft.options.filter((option) => draft.correct.includes(option.id)).length;
  const wrong = draft.options.length - right;
  return draft.options.map((option) => {
    const isRight = draft.correct.includes(option.id);
    if (draft.type !== 'multiple') return isRight ? 1 : 0;
    return isRight ? 1 / right : -1 / wrong;
  });
}

/** Whether a true/false item's right answer is "true": by the right option's text, else by its place (A = true). */
export function trueIsRight(draft: ItemDraft): boolean {
  const right = draft.options.find((option) => option.id === draft.correct[0]);
  if (right && /^\s*true\s*$/i.test(right.text)) return true;
  if (right && /^\s*false\s*$/i.test(right.text)) return false;
  return draft.correct[0] === draft.options[0]?.id;
}
