// Items as GIFT, the way Moodle's own exporter writes it (qformat_gift::writequestion), in Markdown: every text
// is escaped (\ # = ~ { } : and line breaks), the question text carries [markdown] and the answers and feedback
// inherit it, one $CATEGORY block per objective. A comment line before each question records the supporting
// section and references, which GIFT has no place for; this platform's GIFT reader takes them back, Moodle
// ignores them.
import type { ItemDraft } from '../types';
import { percent } from './questions';
import { byObjective, categoryPath, fractionsOf, trueIsRight } from './write-common';

/** Moodle's repchar: structural characters escaped, line breaks written \n. */
export const escapeGift = (text: string) => text.replace(/[\\#=~{}:]/g, '\\$&').replace(/\r\n|\r|\n/g, '\\n');

/** An answer's or feedback's text: a leading "[" would be read as a format, so the format is then written. */
const inherited = (text: string) => (text.startsWith('[') ? '[markdown]' : '') + escapeGift(text);

function answerLine(draft: ItemDraft, index: number, fraction: number): string {
  const text = draft.options[index]!.text;
  // "~%50%…" is a weight: a text that starts with "%" gets an explicit weight before it.
  const weight =
    draft.type !== 'multiple' && fraction === 1
      ? '='
      : draft.type !== 'multiple' && !text.startsWith('%')
        ? '~'
        : `~%${percent(fraction)}%`;
  return `\t${weight}${inherited(text)}\n`;
}

function writeQuestion(draft: ItemDraft): string {
  const comments = [
    `// ${draft.key.replace(/\s+/g, ' ')}\n`,
    draft.sectionSlug ? `// section: ${draft.sectionSlug}\n` : '',
    draft.references.length ? `// references: ${draft.references.join(', ')}\n` : '',
  ].join('');
  const head = `::${escapeGift(draft.key)}::[markdown]${escapeGift(draft.stem)}`;
  const feedback = draft.rationale.trim() ? `####${inherited(draft.rationale)}` : '';
  if (draft.type === 'true_false')
    return `${comments}${head}{${trueIsRight(draft) ? 'TRUE' : 'FALSE'}${feedback}}\n`;
  const fractions = fractionsOf(draft);
  const answers = draft.options.map((_option, index) => answerLine(draft, index, fractions[index]!)).join('');
  return `${comments}${head}{\n${answers}${feedback ? `\t${feedback}\n` : ''}}\n`;
}

export function writeGift(drafts: readonly ItemDraft[], activitySlug: string): string {
  return byObjective(drafts)
    .map(
      ([objective, group]) =>
        `$CATEGORY: ${categoryPath(activitySlug, objective)}\n\n${group.map(writeQuestion).join('\n')}`,
    )
    .join('\n');
}
