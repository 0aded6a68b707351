// Shapes the bank's data for its pages. Plain functions, no I/O. Item text reaches pages either escaped or as
// HTML from markdown.ts's sanitiser (the only values the templates place unescaped: *Html).
import type { ActivityView } from '../catalogue/view-model';
import { lessonPath } from '../catalogue/view-model';
import type { ItemStatus, VersionState } from '../generated/prisma/enums';
import { TYPE_LABELS, versionChanges, type ComparableVersion } from './diff';
import { ITEM_STATUSES } from './bank';
import { renderItemMarkdown, renderItemPhrasing, renderOptionHtml } from './markdown';
import type { DraftProblems, ItemDraft } from './types';
import { ITEM_TYPES, type ItemFormValues } from './validation';

export const STATUS_LABELS: Record<ItemStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  published: 'Published',
  retired: 'Retired',
};
export const STATE_LABELS: Record<VersionState, string> = {
  draft: 'Draft',
  in_review: 'In review',
  published: 'Published',
  superseded: 'Superseded',
};
const transitionWords: Record<string, string> = { ...STATE_LABELS, ...STATUS_LABELS };

export const bankPath = (slug: string) => `/items/${slug}`;
export const itemPath = (slug: string, id: number) => `/items/${slug}/${id}`;
/** "2026-11-27 09:30 UTC": the same for every reader, whatever their time zone. */
export const formatWhen = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** A pending revision of a published item, as the bank names it; null when the live version is the working one. */
export function revisionLabel(status: ItemStatus, workingState: VersionState): string | null {
  if (status !== 'published') return null;
  if (workingState === 'in_review') return 'revision in review';
  if (workingState === 'draft') return 'revision in draft';
  return null;
}

/** Markdown source as one line of plain text, cut at `max` characters (the bank's list; escaped by the view). */
export const excerpt = (source: string, max = 140) => {
  const line = source.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** Counts per objective and status, and the objectives whose published items are too few for the post-test. */
export function countsView(
  activity: ActivityView,
  counts: {
    byStatus: { code: string; status: ItemStatus; count: number }[];
    revisions: { code: string; count: number }[];
  },
) {
  const needed = activity.postTest.itemsPerObjective;
  const rows = activity.objectives.map((objective) => {
    const of = (status: ItemStatus) =>
      counts.byStatus.find((c) => c.code === objective.code && c.status === status)?.count ?? 0;
    const cells = ITEM_STATUSES.map((status) => ({ status, count: of(status) }));
    const published = of('published');
    return {
      code: objective.code,
      text: objective.text,
      cells,
      revisions: counts.revisions.find((r) => r.code === objective.code)?.count ?? 0,
      total: cells.reduce((sum, cell) => sum + cell.count, 0),
      published,
      short: published < needed,
    };
  });
  const warnings = rows
    .filter((row) => row.short)
    .map(
      (row) =>
        `${row.code} has ${row.published} published item${row.published === 1 ? '' : 's'}; the post-test draws ${needed}. ` +
        'Until it has enough, the post-test is not offered to learners.',
    );
  return {
    rows,
    warnings,
    statuses: ITEM_STATUSES.map((status) => ({ status, label: STATUS_LABELS[status] })),
  };
}

/** One question as the post-test shows it (views/partials/question.hbs), options in the authored order. */
export function questionView(
  draft: Pick<ItemDraft, 'type' | 'stem' | 'options'>,
  name: string,
  position = 1,
) {
  return {
    name,
    position,
    multiple: draft.type === 'multiple',
    stemHtml: renderItemPhrasing(draft.stem),
    options: draft.options.map((option, index) => ({
      id: option.id,
      label: String.fromCharCode(65 + index),
      textHtml: renderOptionHtml(option.text),
    })),
  };
}

/** The answer key, the rationale, the section and the citations of a version, as the item page shows them. */
export function answerView(activity: ActivityView, draft: ItemDraft) {
  const lesson = activity.lessons.find((l) => l.slug === draft.sectionSlug);
  return {
    type: TYPE_LABELS[draft.type],
    correct: draft.options
      .filter((option) => draft.correct.includes(option.id))
      .map((option) => ({ id: option.id, textHtml: renderOptionHtml(option.text) })),
    rationaleHtml: draft.rationale ? renderItemMarkdown(draft.rationale) : '',
    section: lesson ? { title: lesson.title, path: lessonPath(activity.slug, lesson) } : null,
    citations: draft.references.map((number) => ({
      number,
      citation: activity.references.find((r) => r.number === number)?.citation ?? '(no longer in the list)',
      href: `${activity.referencesPath}#ref-${number}`,
    })),
  };
}

/** The item form's selects and checkboxes, with the values as typed and the field errors. */
export function formView(
  activity: ActivityView,
  values: ItemFormValues,
  errors: DraftProblems = {},
  fixed: { key?: boolean; objective?: boolean } = {},
) {
  const objective = activity.objectives.find((o) => o.code === values.objectiveCode);
  return {
    values,
    // The summary shows when there is something to correct (an empty object would still be truthy in a template).
    errors: Object.keys(errors).length > 0 ? errors : null,
    keyFixed: fixed.key ?? false,
    objectiveFixed: fixed.objective ? (objective ?? null) : null,
    types: ITEM_TYPES.map((type) => ({
      value: type,
      label: TYPE_LABELS[type],
      selected: values.type === type,
    })),
    trueFalse: values.type === 'true_false',
    options: values.options.map((option) => ({ ...option, correct: values.correct.includes(option.id) })),
    objectives: activity.objectives.map((o) => ({ ...o, selected: o.code === values.objectiveCode })),
    sections: activity.lessons.map((l) => ({
      slug: l.slug,
      title: l.title,
      selected: l.slug === values.sectionSlug,
    })),
    references: activity.references.map((r) => ({
      number: r.number,
      citation: r.citation,
      checked: values.references.includes(String(r.number)),
    })),
  };
}

export function transitionView(t: {
  fromStatus: string | null;
  toStatus: string;
  comment: string | null;
  createdAt: Date;
  actor: { fullName: string } | null;
  itemVersion: { version: number } | null;
}) {
  return {
    from: t.fromStatus ? (transitionWords[t.fromStatus] ?? t.fromStatus) : null,
    to: transitionWords[t.toStatus] ?? t.toStatus,
    version: t.itemVersion?.version ?? null,
    comment: t.comment,
    by: t.actor?.fullName ?? 'content/ (no author)',
    when: formatWhen(t.createdAt),
  };
}

type HistoryVersion = ComparableVersion & {
  version: number;
  state: VersionState;
  createdAt: Date;
  createdBy: { fullName: string } | null;
};

/** Each version, newest first, with what changed since the one before it. */
export function historyView(activity: ActivityView, versions: HistoryVersion[]) {
  const sectionTitle = (slug: string) => activity.lessons.find((l) => l.slug === slug)?.title ?? slug;
  return versions
    .map((version, index) => {
      const previous = index > 0 ? versions[index - 1]! : null;
      const changes = previous ? versionChanges(previous, version, sectionTitle) : null;
      return {
        version: version.version,
        state: STATE_LABELS[version.state],
        by: version.createdBy?.fullName ?? 'content/ (no author)',
        when: formatWhen(version.createdAt),
        first: previous === null,
        previousVersion: previous?.version ?? null,
        changed: changes?.changed ?? [],
        unchanged: changes?.unchanged.join(', ') ?? '',
      };
    })
    .reverse();
}
