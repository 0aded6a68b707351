// GIFT as Moodle reads it (question/format/gift/format.php), for multiple choice, multiple response and
// true/false. Each rule below is Moodle's; what differs is said where it happens:
//  - questions are blocks of lines separated by blank lines; every line is trimmed; a line starting with "//" is
//    a comment (this reader also takes "// section: slug" and "// references: 1, 3" from comments, which the
//    GIFT writer puts there, so that an export comes back whole; Moodle ignores them);
//  - "$CATEGORY: path" alone in a block sets the category of the questions after it;
//  - escapes \: \# \= \{ \} \~ are structural characters taken as text, \n is a line break, \\ a backslash;
//  - "::name::" at the very start names the question; "[markdown]", "[html]", "[plain]" or "[moodle]" at the
//    start of a text sets its format (answers and feedback inherit the question text's format);
//  - the answers are between the first "{" and the first "}"; text after "}" makes a "missing word" question;
//  - the last "####" in the answers starts the general feedback;
//  - the type comes from the answers: none → essay, "#…" → numerical, any "~" → multiple choice, "=" with "->"
//    → matching, exactly T, TRUE, F or FALSE (before any "#") → true/false, anything else → short answer;
//  - multiple choice: "=" marks the right answer (and makes it single-answer); without any "=", weights
//    "~%50%" make it multiple-answer; "#" starts an answer's feedback;
//  - true/false: {TRUE#a#b}: "a" is the feedback for a WRONG answer, "b" for a right one.
import { htmlToMarkdown, moodleAutoToMarkdown, plainToMarkdown, unreadableProblem } from './markdown-text';
import {
  choiceDraft,
  nameFromText,
  objectiveFromCategory,
  trueFalseDraft,
  type ChoiceAnswer,
  type ParsedFile,
  type ParsedQuestion,
  type QuestionBase,
} from './questions';

// Escaped structural characters are held as lone low surrogates while the structure is read: no valid UTF-8
// text can contain one, so they can never be mistaken for text the file really holds.
const STRUCTURAL = [':', '#', '=', '{', '}', '~'];
const HELD = STRUCTURAL.map((_c, index) => String.fromCharCode(0xdc00 + index));

function holdEscapes(text: string): string {
  return text.replace(/\\([\\:#={}~n])/g, (_all, c: string) =>
    c === '\\' ? '\\' : c === 'n' ? '\n' : HELD[STRUCTURAL.indexOf(c)]!,
  );
}
const release = (text: string) =>
  text.replace(/[\uDC00-\uDC05]/g, (c) => STRUCTURAL[c.charCodeAt(0) - 0xdc00]!);

type Format = 'moodle' | 'html' | 'plain' | 'markdown';
const FORMATS = new Set<string>(['moodle', 'html', 'plain', 'markdown']);

/** A text's own [format] prefix, else the default; the text released and trimmed (parse_text_with_format). */
function withFormat(held: string, fallback: Format): { format: Format; text: string } {
  let format = fallback;
  let text = held;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const name = end === -1 ? '' : text.slice(1, end);
    if (FORMATS.has(name)) {
      format = name as Format;
      text = text.slice(end + 1);
    }
  }
  return { format, text: release(text).trim() };
}

const TO_MARKDOWN: Record<Format, (text: string) => string> = {
  markdown: (text) => text,
  plain: plainToMarkdown,
  html: htmlToMarkdown,
  moodle: moodleAutoToMarkdown,
};
const markdownOf = (held: string, fallback: Format) => {
  const { format, text } = withFormat(held, fallback);
  return TO_MARKDOWN[format](text).trim();
};

interface Block {
  line: number;
  lines: string[];
}

function blocksOf(source: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  source
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, index) => {
      const line = raw.trim();
      if (line === '') current = null;
      else if (current) current.lines.push(line);
      else blocks.push((current = { line: index + 1, lines: [line] }));
    });
  return blocks;
}

/** The section and references that the writer records in comment lines. */
function metadataOf(lines: string[]): { sectionSlug: string | null; references: number[] } {
  let sectionSlug: string | null = null;
  let references: number[] = [];
  for (const line of lines) {
    const section = /^\/\/\s*section:\s*(\S+)\s*$/.exec(line);
    if (section) sectionSlug = section[1]!;
    const refs = /^\/\/\s*references:\s*(\d+(?:\s*,\s*\d+)*)\s*$/.exec(line);
    if (refs) references = refs[1]!.split(',').map((n) => Number(n.trim()));
  }
  return { sectionSlug, references };
}

const unsupported = (kind: string) =>
  `${kind} questions are not supported: only multiple choice (one or several right answers) and true/false.`;

export function parseGift(source: string): ParsedFile {
  const questions: ParsedQuestion[] = [];
  let category: string | null = null;
  for (const block of blocksOf(source)) {
    const text = holdEscapes(
      block.lines
        .map((line) => (line.startsWith('//') ? ' ' : line))
        .join('\n')
        .trim(),
    );
    if (text === '') continue;
    if (text.startsWith('$CATEGORY:')) {
      // Moodle takes the whole block as the category's name; a question written right under the line would be
      // lost without a word, so it is reported instead.
      const [first = '', ...rest] = text.split('\n');
      category = release(first.slice('$CATEGORY:'.length)).trim();
      if (rest.join('').trim())
        questions.push({
          ...emptyQuestion(questions.length + 1, block.line + 1, nameFromText(release(rest.join(' ')))),
          problem: 'A $CATEGORY line must stand alone: put a blank line between it and the question.',
        });
      continue;
    }
    questions.push(readQuestion(text, block, questions.length + 1, category));
  }
  return { questions };
}

function readQuestion(whole: string, block: Block, number: number, category: string | null): ParsedQuestion {
  let text = whole;
  let name: string | null = null;
  if (text.startsWith('::')) {
    text = text.slice(2);
    const end = text.indexOf('::');
    if (end !== -1) {
      name = release(text.slice(0, end)).trim();
      text = text.slice(end + 2).trim();
    }
  }
  const question = (fields: Partial<ParsedQuestion>): ParsedQuestion => ({
    ...emptyQuestion(number, block.line, name || nameFromText(release(text))),
    objective: objectiveFromCategory(category),
    ...fields,
  });
  try {
    return readBody(text, name, block, question);
  } catch (error) {
    return question({ problem: unreadableProblem(error) });
  }
}

/** The question from its text after the name (`::name::`, null when none): the stem, then the answers in braces. */
function readBody(
  text: string,
  name: string | null,
  block: Block,
  question: (fields: Partial<ParsedQuestion>) => ParsedQuestion,
): ParsedQuestion {
  const start = text.indexOf('{');
  const finish = text.indexOf('}');
  if (start === -1 && finish === -1)
    return question({
      problem: 'It has no answers in braces { }: Moodle reads it as a description, not a question.',
    });
  if (start === -1 || finish === -1 || finish < start)
    return question({
      problem: 'Its braces { } do not match: a “{” or “}” that is text must be written \\{ or \\}.',
    });
  if (text.slice(finish + 1).trim() !== '')
    return question({
      problem: 'Text after the answers makes it a “missing word” question, which is not supported here.',
    });

  let answers = text.slice(start + 1, finish).trim();
  let generalFeedback = '';
  const feedbackAt = answers.lastIndexOf('####');
  if (feedbackAt !== -1) {
    generalFeedback = answers.slice(feedbackAt + 4);
    answers = answers.slice(0, feedbackAt).trim();
  }
  const stemFormat = withFormat(text.slice(0, start), 'moodle').format;
  const stem = markdownOf(text.slice(0, start), 'moodle');
  const base: QuestionBase = {
    key: name || nameFromText(stem),
    stem,
    generalFeedback: markdownOf(generalFeedback, stemFormat),
    ...metadataOf(block.lines),
  };
  const named = (fields: Partial<ParsedQuestion>) => question({ name: base.key, ...fields });

  if (answers === '') return named({ problem: unsupported('Essay') });
  if (answers.startsWith('#')) return named({ problem: unsupported('Numerical') });
  if (answers.includes('~')) {
    const result = choiceDraft(base, choiceAnswers(answers, stemFormat), answers.includes('='));
    return 'problem' in result ? named({ problem: result.problem }) : named(result);
  }
  if (answers.includes('=') && answers.includes('->')) return named({ problem: unsupported('Matching') });
  const hash = answers.indexOf('#');
  const truth = (hash > 0 ? answers.slice(0, hash) : answers).trim();
  if (!['T', 'TRUE', 'F', 'FALSE'].includes(truth)) return named({ problem: unsupported('Short-answer') });
  const [, wrong = '', right = ''] = splitLimit(answers, '#', 3);
  return named(
    trueFalseDraft(base, truth.startsWith('T'), markdownOf(right, stemFormat), markdownOf(wrong, stemFormat)),
  );
}

const emptyQuestion = (number: number, line: number, name: string): ParsedQuestion => ({
  number,
  line,
  name,
  objective: null,
  draft: null,
  problem: null,
  notes: [],
});

/** PHP's explode with a limit: at most `limit` parts, the last one holding the rest. */
function splitLimit(text: string, separator: string, limit: number): string[] {
  const parts = text.split(separator);
  return parts.length <= limit
    ? parts
    : [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(separator)];
}

const WEIGHT = /^%-*([0-9]{1,2})\.?([0-9]*)%/;

function choiceAnswers(answers: string, format: Format): ChoiceAnswer[] {
  const parts = answers.replaceAll('=', '~=').split('~');
  if (parts[0]!.trim() === '') parts.shift();
  return parts.map((part) => {
    let answer = part.trim();
    let fraction = 0;
    if (answer.startsWith('=')) {
      fraction = 1;
      answer = answer.slice(1);
    } else if (WEIGHT.test(answer)) {
      const end = answer.indexOf('%', 1);
      fraction = Number(answer.slice(1, end)) / 100;
      answer = answer.slice(end + 1);
    }
    const [text = '', feedback = ''] = splitLimit(answer, '#', 2);
    return { text: markdownOf(text.trim(), format), fraction, feedback: markdownOf(feedback.trim(), format) };
  });
}
