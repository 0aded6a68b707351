// Moodle XML as Moodle reads it (question/format/xml/format.php), for multichoice and truefalse questions.
// The document is read by ./xml.ts: a DOCTYPE or ENTITY declaration refuses the file before any parsing.
//  - the root is <quiz>; <question type="category"> sets the category of the questions after it;
//  - every question needs <name><text>; texts are trimmed; format="html|moodle_auto_format|plain_text|markdown"
//    (missing or unknown: html); answers and feedback default to the question text's format;
//  - multichoice: <single> is false only for "false", "0" or empty; each <answer fraction="…"> is a percentage;
//  - truefalse: the answer whose text is "true" (or "false") with fraction 100 is the right one; files whose
//    answers are not named true/false are read in order, true first, as Moodle does;
//  - tags: objective:O2 names the objective; section:<slug> and reference:<n> (written by the Moodle XML writer)
//    carry the supporting section and references.
import { htmlToMarkdown, moodleAutoToMarkdown, plainToMarkdown, unreadableProblem } from './markdown-text';
import {
  choiceDraft,
  objectiveFromCategory,
  trueFalseDraft,
  type ChoiceAnswer,
  type ObjectiveHint,
  type ParsedFile,
  type ParsedQuestion,
  type QuestionBase,
} from './questions';
import { childrenNamed, firstChild, ownText, readXml, type XmlElement } from './xml';

type Format = 'html' | 'moodle_auto_format' | 'plain_text' | 'markdown' | 'wiki_like';
const TO_MARKDOWN: Record<Format, (text: string) => string> = {
  html: htmlToMarkdown,
  moodle_auto_format: moodleAutoToMarkdown,
  plain_text: plainToMarkdown,
  wiki_like: plainToMarkdown,
  markdown: (text) => text,
};
const formatOf = (element: XmlElement | undefined, fallback: Format): Format => {
  const name = element?.attributes.get('format')?.trim();
  if (name === undefined) return fallback;
  return name in TO_MARKDOWN ? (name as Format) : 'html';
};

/** The <text> of an element as Markdown, in the element's format. */
const markdownOf = (element: XmlElement | undefined, fallback: Format) =>
  TO_MARKDOWN[formatOf(element, fallback)](ownText(firstChild(element, 'text')).trim()).trim();

const textOf = (element: XmlElement | undefined) => ownText(firstChild(element, 'text')).trim();

interface Tags {
  objective: string | null;
  sectionSlug: string | null;
  references: number[];
}

function tagsOf(question: XmlElement): Tags {
  const tags: Tags = { objective: null, sectionSlug: null, references: [] };
  for (const tag of childrenNamed(firstChild(question, 'tags') ?? emptyElement, 'tag')) {
    const [, name = '', value = ''] = /^([a-z]+):(.*)$/i.exec(textOf(tag)) ?? [];
    const trimmed = value.trim();
    if (name.toLowerCase() === 'objective' && trimmed) tags.objective = trimmed;
    else if (name.toLowerCase() === 'section' && trimmed) tags.sectionSlug = trimmed;
    else if (name.toLowerCase() === 'reference' && /^\d{1,6}$/.test(trimmed))
      tags.references.push(Number(trimmed));
  }
  return tags;
}
const emptyElement: XmlElement = { name: '', attributes: new Map(), children: [] };

const SUPPORTED = 'only multichoice (one or several right answers) and truefalse questions are supported';

export function parseMoodleXml(source: string): ParsedFile {
  const read = readXml(source.replace(/^\uFEFF/, ''));
  if ('problem' in read) return read;
  if (read.root.name !== 'quiz')
    return { problem: `This is not a Moodle XML file: its root element is <${read.root.name}>, not <quiz>.` };
  const questions: ParsedQuestion[] = [];
  let category: string | null = null;
  for (const element of childrenNamed(read.root, 'question')) {
    const type = element.attributes.get('type')?.trim() ?? '';
    if (type === 'category') {
      category = textOf(firstChild(element, 'category'));
      continue;
    }
    questions.push(readQuestion(element, type, questions.length + 1, category));
  }
  return { questions };
}

function readQuestion(
  element: XmlElement,
  type: string,
  number: number,
  category: string | null,
): ParsedQuestion {
  const name = textOf(firstChild(element, 'name'));
  const tags = tagsOf(element);
  const objective: ObjectiveHint | null = tags.objective
    ? { code: tags.objective, from: 'tag' }
    : objectiveFromCategory(category);
  const question = (fields: Partial<ParsedQuestion>): ParsedQuestion => ({
    number,
    line: null,
    name: name || `Question ${number}`,
    objective,
    draft: null,
    problem: null,
    notes: [],
    ...fields,
  });
  if (!name) return question({ problem: 'It has no name (<name><text>), which Moodle requires.' });
  if (type !== 'multichoice' && type !== 'truefalse')
    return question({ problem: `It is a “${type || 'untyped'}” question: ${SUPPORTED}.` });

  const questionText = firstChild(element, 'questiontext');
  const stemFormat = formatOf(questionText, 'html');
  let base: QuestionBase;
  let answers: (ChoiceAnswer & { raw: string })[];
  try {
    base = {
      key: name,
      stem: markdownOf(questionText, 'html'),
      generalFeedback: markdownOf(firstChild(element, 'generalfeedback'), stemFormat),
      sectionSlug: tags.sectionSlug,
      references: tags.references,
    };
    answers = childrenNamed(element, 'answer').map((answer) => ({
      text: markdownOf(answer, stemFormat),
      raw: textOf(answer),
      fraction: Number(answer.attributes.get('fraction') ?? '0') / 100,
      feedback: markdownOf(firstChild(answer, 'feedback'), stemFormat),
    }));
  } catch (error) {
    return question({ problem: unreadableProblem(error) });
  }

  if (type === 'multichoice') {
    const single = ownText(firstChild(element, 'single') ?? { ...emptyElement, children: ['true'] }).trim();
    const result = choiceDraft(base, answers satisfies ChoiceAnswer[], !['false', '0', ''].includes(single));
    return 'problem' in result ? question({ problem: result.problem }) : question(result);
  }

  // truefalse
  if (answers.length !== 2) return question({ problem: 'A true/false question has exactly two answers.' });
  const named = answers.every((answer) => ['true', 'false'].includes(answer.raw));
  const [trueAnswer, falseAnswer] = named
    ? [answers.find((a) => a.raw === 'true'), answers.find((a) => a.raw === 'false')]
    : [answers[0], answers[1]];
  if (!trueAnswer || !falseAnswer) return question({ problem: 'Its answers must be “true” and “false”.' });
  const trueIsRight = trueAnswer.fraction === 1;
  if (trueIsRight === (falseAnswer.fraction === 1))
    return question({ problem: 'Exactly one of its answers, true or false, must have the fraction 100.' });
  const [right, wrong] = trueIsRight ? [trueAnswer, falseAnswer] : [falseAnswer, trueAnswer];
  const result = trueFalseDraft(base, trueIsRight, right.feedback, wrong.feedback);
  if (!named) result.notes.push('Its answers are not named “true” and “false”: the first was taken as true.');
  return question(result);
}
