// What changed from one version of an item to the next, field by field, with jsdiff: words for the texts, arrays
// for the answer and the references. Parts are plain text; the view escapes them and marks them up as <ins>/<del>.
import { diffArrays, diffWords } from 'diff';
import type { ItemType } from '../generated/prisma/enums';
import { OPTION_IDS } from './types';

export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export interface FieldChange {
  label: string;
  parts: DiffPart[];
}

/** The fields of a version that the history compares. */
export interface ComparableVersion {
  type: ItemType;
  stem: string;
  options: { id: string; text: string }[];
  correct: string[];
  rationale: string;
  sectionSlug: string;
  references: number[];
}

export const TYPE_LABELS: Record<ItemType, string> = {
  single: 'Single best answer',
  multiple: 'Multiple response',
  true_false: 'True/false',
};

const kindOf = (change: { added: boolean; removed: boolean }): DiffPart['kind'] =>
  change.added ? 'added' : change.removed ? 'removed' : 'same';

function words(before: string, after: string): DiffPart[] {
  return diffWords(before, after).map((change) => ({ kind: kindOf(change), text: change.value }));
}

/** One value replaced by another (or appearing, or disappearing): no word diff makes sense there. */
function replaced(before: string, after: string): DiffPart[] {
  return [
    ...(before ? [{ kind: 'removed' as const, text: before }] : []),
    ...(after ? [{ kind: 'added' as const, text: after }] : []),
  ];
}

function list(before: string[], after: string[]): DiffPart[] {
  const parts: DiffPart[] = [];
  for (const change of diffArrays(before, after)) {
    for (const value of change.value) parts.push({ kind: kindOf(change), text: value });
  }
  return parts;
}

/**
 * The changed fields of `after` against `before`, in the form's order, and the labels of those unchanged.
 * `sectionTitle` names a lesson slug; references are shown as [n].
 */
export function versionChanges(
  before: ComparableVersion,
  after: ComparableVersion,
  sectionTitle: (slug: string) => string,
): { changed: FieldChange[]; unchanged: string[] } {
  const changed: FieldChange[] = [];
  const unchanged: string[] = [];
  const compare = (label: string, same: boolean, parts: () => DiffPart[]) => {
    if (same) unchanged.push(label);
    else changed.push({ label, parts: parts() });
  };
  compare('Type', before.type === after.type, () =>
    replaced(TYPE_LABELS[before.type], TYPE_LABELS[after.type]),
  );
  compare('Stem', before.stem === after.stem, () => words(before.stem, after.stem));
  for (const id of OPTION_IDS) {
    const old = before.options.find((o) => o.id === id)?.text ?? '';
    const now = after.options.find((o) => o.id === id)?.text ?? '';
    if (!old && !now) continue;
    compare(`Option ${id}`, old === now, () => (old && now ? words(old, now) : replaced(old, now)));
  }
  compare('Correct answer', sameList(before.correct, after.correct), () =>
    list(before.correct, after.correct),
  );
  compare('Rationale', before.rationale === after.rationale, () => words(before.rationale, after.rationale));
  compare('Supporting section', before.sectionSlug === after.sectionSlug, () =>
    replaced(
      before.sectionSlug ? sectionTitle(before.sectionSlug) : '',
      after.sectionSlug ? sectionTitle(after.sectionSlug) : '',
    ),
  );
  compare('References', sameList(before.references, after.references), () =>
    list(
      before.references.map((n) => `[${n}]`),
      after.references.map((n) => `[${n}]`),
    ),
  );
  return { changed, unchanged };
}

const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((value, index) => value === b[index]);
