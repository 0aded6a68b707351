// What the import and export pages show: plain data for views/items/import.hbs and import-preview.hbs.
import type { ActivityView } from '../catalogue/view-model';
import type { ItemType } from '../generated/prisma/enums';
import { withoutInvisibleFormat } from '../http/input';
import { ITEM_STATUSES } from './bank';
import { IMPORT_LIMITS, objectiveField, type SealedPreview } from './import';

const TYPE_LABELS: Record<ItemType, string> = {
  single: 'Single best answer',
  multiple: 'Multiple response',
  true_false: 'True/false',
};
const STATUS_LABELS: Record<(typeof ITEM_STATUSES)[number], string> = {
  draft: 'Draft',
  in_review: 'In review',
  published: 'Published',
  retired: 'Retired',
};

export const importPath = (slug: string) => `/items/${slug}/import`;

/** The start of a Markdown text as plain text, for a table cell. */
export function excerpt(markdown: string, max = 160): string {
  const text = markdown
    .replace(/\\(.)/g, '$1')
    .replace(/[*_`#>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const shorten = (text: string, max = 70) =>
  text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;

export function uploadPage(
  activity: ActivityView,
  state: { error?: string; imported?: number; format?: string } = {},
) {
  const slug = activity.slug;
  return {
    title: `Import and export items: ${activity.title}`,
    activity: { title: activity.title, slug },
    bankHref: `/items/${slug}`,
    uploadAction: importPath(slug),
    maxQuestions: IMPORT_LIMITS.questions,
    maxMegabytes: IMPORT_LIMITS.bytes / (1024 * 1024),
    formats: [
      { value: 'auto', label: 'From the file name (.gift or .txt: GIFT; .xml: Moodle XML)' },
      { value: 'gift', label: 'GIFT' },
      { value: 'moodle-xml', label: 'Moodle XML' },
    ].map((format) => ({ ...format, selected: format.value === (state.format ?? 'auto') })),
    error: state.error,
    imported: state.imported,
    objectives: activity.objectives.map((o) => ({ code: o.code, text: shorten(o.text) })),
    statuses: ITEM_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] })),
    exports: {
      moodleXml: `/items/${slug}/export.xml`,
      gift: `/items/${slug}/export.gift`,
      qti: `/items/${slug}/export.qti.zip`,
    },
  };
}

export function previewPage(
  activity: ActivityView,
  preview: SealedPreview,
  payload: string,
  state: { values?: Record<string, unknown>; errors?: Record<string, string>; message?: string } = {},
) {
  const errors = state.errors ?? {};
  const values = state.values ?? {};
  const ready = preview.ready.map((item) => {
    const field = objectiveField(item.number);
    return {
      number: item.number,
      key: item.draft.key,
      type: TYPE_LABELS[item.draft.type],
      objective: item.draft.objectiveCode,
      field,
      objectiveNote: item.objectiveNote,
      error: errors[field],
      choices: activity.objectives.map((o) => ({
        code: o.code,
        text: shorten(o.text),
        selected: values[field] === o.code,
      })),
      excerpt: excerpt(item.draft.stem),
      notes: item.notes,
    };
  });
  return {
    title: `Import preview: ${activity.title}`,
    activity: { title: activity.title, slug: activity.slug },
    bankHref: `/items/${activity.slug}`,
    importHref: importPath(activity.slug),
    confirmAction: `${importPath(activity.slug)}/confirm`,
    fileName: preview.fileName,
    payload,
    ready,
    readyCount: ready.length,
    toChoose: ready.filter((item) => item.objective === null).length,
    // A name is shown without bidi controls, which could make it read as something else.
    refused: preview.refused.map((item) => ({ ...item, name: withoutInvisibleFormat(item.name) })),
    refusedCount: preview.refused.length,
    errors: Object.keys(errors).length > 0 ? errors : undefined,
    message: state.message,
  };
}
