// The data of each item-bank page, from what the service read: the bank, the form (new, edit, conflict), the item
// with the actions its reader may take, and the history.
import type { Response } from 'express';
import type { ActivityView } from '../catalogue/view-model';
import type { Role } from '../generated/prisma/enums';
import { TYPE_LABELS } from './diff';
import { allowedActions } from './lifecycle';
import type { BankFilters, EditOutcome, ItemService } from './service';
import { draftOf, optionsOf } from './stored';
import type { DraftProblems, ItemDraft } from './types';
import type { ItemFormValues } from './validation';
import {
  answerView,
  bankPath,
  countsView,
  excerpt,
  formatWhen,
  formView,
  historyView,
  itemPath,
  questionView,
  revisionLabel,
  STATE_LABELS,
  STATUS_LABELS,
  transitionView,
} from './view-model';

type Item = Awaited<ReturnType<ItemService['item']>>;
type Conflict = Extract<EditOutcome, { conflict: unknown }>['conflict'];

/** What a redirect after a write says on the item page (`?done=`). */
export const DONE_NOTICES: Record<string, string> = {
  created: 'The item was created as a draft.',
  saved: 'Your changes were saved as a new version (a draft).',
  unchanged: 'Nothing had changed: no new version was made.',
  submit: 'The item was submitted for review.',
  approve: 'The version was approved and published: the post-test draws it from now on.',
  'send-back': 'The version was sent back to its author as a draft.',
  retire: 'The item was retired: the post-test no longer draws it.',
};

const SOURCE_LABELS: Record<string, string> = {
  content: 'content/ (starter item, synced at start)',
  authored: 'written in the browser',
  import: 'imported from a file',
};

/** A version's fields as text, for showing a version side by side with the form (the conflict). */
function versionText(activity: ActivityView, draft: ItemDraft) {
  const lesson = activity.lessons.find((l) => l.slug === draft.sectionSlug);
  return [
    { label: 'Type', text: TYPE_LABELS[draft.type] },
    { label: 'Stem', text: draft.stem },
    { label: 'Options', text: draft.options.map((o) => `${o.id}. ${o.text}`).join('\n') },
    { label: 'Correct answer', text: draft.correct.join(', ') },
    { label: 'Rationale', text: draft.rationale || '(none)' },
    { label: 'Objective', text: draft.objectiveCode ?? '' },
    { label: 'Supporting section', text: lesson?.title ?? '(none)' },
    { label: 'References', text: draft.references.map((n) => `[${n}]`).join(' ') || '(none)' },
  ];
}

export function bank(
  activity: ActivityView,
  rows: Awaited<ReturnType<ItemService['page']>>['items'],
  counts: Awaited<ReturnType<ItemService['counts']>>,
  authors: { id: number; fullName: string }[],
  filters: BankFilters,
) {
  return {
    activity,
    newHref: `${bankPath(activity.slug)}/new`,
    filters: {
      text: filters.text ?? '',
      objectives: activity.objectives.map((o) => ({ ...o, selected: o.code === filters.objective })),
      statuses: Object.entries(STATUS_LABELS).map(([value, label]) => ({
        value,
        label,
        selected: value === filters.status,
      })),
      authors: authors.map((a) => ({ ...a, selected: a.id === filters.author })),
      any: Boolean(filters.text || filters.objective || filters.status || filters.author),
    },
    counts: countsView(activity, counts),
    rows: rows.map((row) => {
      const working = row.versions[0]!;
      return {
        id: row.id,
        key: row.key,
        href: itemPath(activity.slug, row.id),
        objective: row.objective.code,
        status: STATUS_LABELS[row.status],
        revision: revisionLabel(row.status, working.state),
        type: TYPE_LABELS[working.type],
        version: working.version,
        stem: excerpt(working.stem),
        author: row.createdBy?.fullName ?? null,
        source: row.source,
      };
    }),
  };
}

export function renderForm(
  res: Response,
  activity: ActivityView,
  form: {
    item?: Item;
    values: ItemFormValues;
    errors?: DraftProblems;
    lockVersion?: number;
    conflict?: Conflict;
  },
  status = 200,
) {
  const { item, conflict } = form;
  res.status(status).render('items/form', {
    title: item ? `Edit ${item.key}` : `New item · ${activity.title}`,
    activity,
    bankHref: bankPath(activity.slug),
    action: item ? itemPath(activity.slug, item.id) : bankPath(activity.slug),
    item: item
      ? {
          id: item.id,
          key: item.key,
          href: itemPath(activity.slug, item.id),
          status: STATUS_LABELS[item.status],
        }
      : null,
    lockVersion: form.lockVersion,
    ...formView(activity, form.values, form.errors, {
      key: Boolean(item),
      objective: item ? item.publishedVersionId !== null : false,
    }),
    conflict: conflict
      ? {
          version: conflict.version,
          by: conflict.by ?? 'content/ (no author)',
          when: formatWhen(conflict.at),
          fields: versionText(activity, conflict.draft),
        }
      : null,
  });
}

export function renderItem(
  res: Response,
  user: { id: number; role: Role },
  activity: ActivityView,
  item: Item,
  extra: { notice?: string | null; commentError?: string; commentValue?: string; status?: number } = {},
) {
  const { working } = item;
  const actions = new Set(allowedActions({ status: item.status, working }, user));
  const live =
    item.publishedVersion && item.publishedVersion.id !== working.id ? item.publishedVersion : null;
  const ownInReview = working.state === 'in_review' && working.createdById === user.id;
  const liveDraft = live ? draftOf(item, live) : null;
  res.status(extra.status ?? 200).render('items/item', {
    title: `${item.key} · Item bank`,
    activity,
    bankHref: bankPath(activity.slug),
    notice: extra.notice ?? null,
    item: {
      id: item.id,
      key: item.key,
      href: itemPath(activity.slug, item.id),
      status: STATUS_LABELS[item.status],
      retired: item.status === 'retired',
      revision: revisionLabel(item.status, working.state),
      source: SOURCE_LABELS[item.source] ?? item.source,
      objective: item.objective,
      createdBy: item.createdBy?.fullName ?? null,
      lockVersion: item.lockVersion,
    },
    working: {
      version: working.version,
      state: STATE_LABELS[working.state],
      by: working.createdBy?.fullName ?? 'content/ (no author)',
      when: formatWhen(working.createdAt),
      question: questionView(item.draft, 'preview'),
      answer: answerView(activity, item.draft),
    },
    live:
      live && liveDraft
        ? {
            version: live.version,
            by: live.createdBy?.fullName ?? 'content/ (no author)',
            when: formatWhen(live.createdAt),
            question: questionView(liveDraft, 'live'),
            answer: answerView(activity, liveDraft),
          }
        : null,
    transitions: item.transitions.map(transitionView),
    canEdit: item.status !== 'retired',
    editHref: `${itemPath(activity.slug, item.id)}/edit`,
    historyHref: `${itemPath(activity.slug, item.id)}/history`,
    actions: {
      submit: actions.has('submit'),
      approve: actions.has('approve'),
      sendBack: actions.has('send-back'),
      retire: actions.has('retire'),
      review: actions.has('submit') || actions.has('approve') || actions.has('send-back'),
    },
    ownInReview,
    commentError: extra.commentError ?? null,
    commentValue: extra.commentValue ?? '',
  });
}

export function history(activity: ActivityView, item: Awaited<ReturnType<ItemService['history']>>) {
  return {
    activity,
    bankHref: bankPath(activity.slug),
    item: { id: item.id, key: item.key, href: itemPath(activity.slug, item.id), objective: item.objective },
    versions: historyView(
      activity,
      item.versions.map((v) => ({ ...v, options: optionsOf(v) })),
    ),
  };
}
