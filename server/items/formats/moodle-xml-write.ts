// Items as Moodle XML, the way Moodle's own exporter writes it (qformat_xml::writequestion): texts in Markdown
// (format="markdown"), in CDATA where escaping would change them; a category question per objective
// ($course$/top/<activity>/<objective>) and a tag objective:<code> on each question; the rationale as general
// feedback; the supporting section and references as tags section:<slug> and reference:<n>.
import type { ItemDraft } from '../types';
import { percent } from './questions';
import { byObjective, categoryPath, fractionsOf, trueIsRight } from './write-common';
import { cdataWhereNeeded, element } from './xml';

const text = (value: string) => element('text', {}, cdataWhereNeeded(value));
const markdown = (name: string, value: string, extra: Record<string, string> = {}, inner = '') =>
  element(name, { ...extra, format: 'markdown' }, text(value) + inner);
const indent = (lines: string[]) => lines.map((line) => `    ${line}\n`).join('');

function tags(draft: ItemDraft): string {
  const values = [
    ...(draft.objectiveCode ? [`objective:${draft.objectiveCode}`] : []),
    ...(draft.sectionSlug ? [`section:${draft.sectionSlug}`] : []),
    ...draft.references.map((n) => `reference:${n}`),
  ];
  return values.length
    ? element('tags', {}, values.map((value) => element('tag', {}, text(value))).join(''))
    : '';
}

function answers(draft: ItemDraft): string[] {
  if (draft.type === 'true_false') {
    const truth = trueIsRight(draft);
    return [true, false].map((value) =>
      element(
        'answer',
        { fraction: value === truth ? '100' : '0', format: 'moodle_auto_format' },
        text(String(value)) + markdown('feedback', ''),
      ),
    );
  }
  const fractions = fractionsOf(draft);
  return draft.options.map((option, index) =>
    markdown('answer', option.text, { fraction: percent(fractions[index]!) }, markdown('feedback', '')),
  );
}

function writeQuestion(draft: ItemDraft): string {
  const type = draft.type === 'true_false' ? 'truefalse' : 'multichoice';
  const choice =
    type === 'multichoice'
      ? [
          element('single', {}, draft.type === 'single' ? 'true' : 'false'),
          element('shuffleanswers', {}, 'true'),
          element('answernumbering', {}, 'ABCD'),
        ]
      : [];
  const lines = [
    element('name', {}, text(draft.key)),
    markdown('questiontext', draft.stem),
    markdown('generalfeedback', draft.rationale),
    element('defaultgrade', {}, '1'),
    element('penalty', {}, '0'),
    element('hidden', {}, '0'),
    ...choice,
    ...answers(draft),
    tags(draft),
  ].filter((line) => line !== '');
  return `  <question type="${type}">\n${indent(lines)}  </question>\n`;
}

const category = (path: string) =>
  `  <question type="category">\n${indent([element('category', {}, text(path))])}  </question>\n`;

export function writeMoodleXml(drafts: readonly ItemDraft[], activitySlug: string): string {
  const body = byObjective(drafts)
    .map(
      ([objective, group]) =>
        category(categoryPath(activitySlug, objective)) + group.map(writeQuestion).join(''),
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n${body}</quiz>\n`;
}
