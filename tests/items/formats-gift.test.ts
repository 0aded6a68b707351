// GIFT, rule by rule, as Moodle's question/format/gift/format.php reads it (see server/items/formats/gift-parse.ts).
import fc from 'fast-check';
import { parseGift } from '../../server/items/formats/gift-parse';
import type { ParsedQuestion } from '../../server/items/formats/questions';

function questions(source: string): ParsedQuestion[] {
  const parsed = parseGift(source);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.questions;
}
const only = (source: string) => {
  const list = questions(source);
  expect(list).toHaveLength(1);
  return list[0]!;
};
const draftOf = (source: string) => {
  const question = only(source);
  if (!question.draft) throw new Error(`no draft: ${question.problem}`);
  return question.draft;
};
const problemOf = (source: string) => only(source).problem;
const texts = (source: string) => draftOf(source).options.map((o) => o.text);

describe('blocks, comments and categories', () => {
  it('when questions are separated by blank lines (even with spaces), then each block is one question', () => {
    const list = questions('::a::A? {=x ~y}\n   \n::b::B? {=x ~y}\n\n\n::c::C? {T}');
    expect(list.map((q) => q.name)).toEqual(['a', 'b', 'c']);
    expect(list.map((q) => q.number)).toEqual([1, 2, 3]);
    expect(list.map((q) => q.line)).toEqual([1, 3, 6]);
  });

  it('when a question spans several lines, then its lines are trimmed and joined with line breaks', () => {
    const draft = draftOf('::q::[markdown]First line\n    second line {\n  =right\n  ~wrong\n}');
    expect(draft.stem).toBe('First line\nsecond line');
    expect(draft.options.map((o) => o.text)).toEqual(['right', 'wrong']);
  });

  it('when a line starts with //, then it is a comment, also inside a question, and does not split it', () => {
    const list = questions(
      '// a file comment\n\n::q:: Stem {\n// comment inside\n=right\n~wrong\n}\n// trailing',
    );
    expect(list).toHaveLength(1);
    expect(list[0]!.draft!.options.map((o) => o.text)).toEqual(['right', 'wrong']);
  });

  it('when a block is only comments, then it is not a question', () => {
    expect(questions('// one\n// two\n\n::q::Q {T}')).toHaveLength(1);
  });

  it('when $CATEGORY: names a path, then the questions after it take its last part as their objective', () => {
    const list = questions(
      '::a::A {T}\n\n$CATEGORY: $course$/top/Renal LMS/O2\n\n::b::B {T}\n\n$CATEGORY: $course$/top/Default for course\n\n::c::C {T}',
    );
    expect(list.map((q) => q.objective)).toEqual([null, { code: 'O2', from: 'category' }, null]);
  });

  it('when a category name holds "//", then that is a slash inside the name, not a new level', () => {
    expect(only('$CATEGORY: top/O1//O2\n\n::q::Q {T}').objective).toBeNull();
    expect(only('$CATEGORY: top/a//b/O3\n\n::q::Q {T}').objective).toEqual({ code: 'O3', from: 'category' });
  });

  it('when a question follows $CATEGORY without a blank line, then it is reported instead of vanishing into the name', () => {
    const list = questions('$CATEGORY: top/O1\n::q::Q {T}\n\n::r::R {T}');
    expect(list[0]!.problem).toMatch(/\$CATEGORY line must stand alone/);
    expect(list[1]!.objective).toEqual({ code: 'O1', from: 'category' });
  });

  it('when the file has Windows line endings and a byte-order mark, then it reads the same', () => {
    const list = questions('\uFEFF::a::A {\r\n=x\r\n~y\r\n}\r\n\r\n::b::B {F}\r\n');
    expect(list.map((q) => q.draft?.key)).toEqual(['a', 'b']);
  });
});

describe('names and formats', () => {
  it('when ::title:: opens the question, then it is the item name (escapes and spaces resolved)', () => {
    expect(draftOf('::  Dose\\: first  :: Q {T}').key).toBe('Dose: first');
  });

  it('when there is no title, then the name is made from the start of the text', () => {
    expect(draftOf('Which marker is positive in leiomyosarcoma? {=Desmin ~S-100}').key).toBe(
      'Which marker is positive in leiomyosarcoma?',
    );
    const long = `${'word '.repeat(40)}{T}`;
    expect(draftOf(long).key.length).toBeLessThanOrEqual(81);
  });

  it('when [markdown] starts the text, then the Markdown is kept as written and answers and feedback inherit it', () => {
    const draft = draftOf('::q::[markdown]A **bold** stem {=*yes* #**right** ~no ####See *this*}');
    expect(draft.stem).toBe('A **bold** stem');
    expect(draft.options[0]!.text).toBe('*yes*');
    expect(draft.rationale).toBe('See *this*\n\n**right**');
  });

  it('when [html] starts the text, then the HTML becomes Markdown and scripts are dropped', () => {
    const draft = draftOf('::q::[html]<p>A <b>bold</b> <script>alert(1)</script>stem</p> {=<i>yes</i> ~no}');
    expect(draft.stem).toBe('A **bold** stem');
    expect(draft.options[0]!.text).toBe('*yes*');
  });

  it('when [plain] starts the text, then characters Markdown would read as syntax stay text', () => {
    expect(draftOf('::q::[plain]2 * 3 * 4 = _x_? {T}').stem).toBe('2 \\* 3 \\* 4 = \\_x\\_?');
  });

  it('when no format is given (Moodle auto-format), then HTML is read and a line break stays a line break', () => {
    expect(draftOf('::q::First\\nsecond <em>x</em> *y* {T}').stem).toBe('First\\\nsecond *x* \\*y\\*');
  });

  it('when an answer has its own [format], then it overrides the inherited one', () => {
    expect(texts('::q::[markdown]Q {=[html]<b>a</b> ~[plain]*b*}')).toEqual(['**a**', '\\*b\\*']);
  });

  it('when a text starts with "[" but not a known format, then it is text', () => {
    expect(draftOf('::q::[1] Smith et al. {T}').stem).toBe('\\[1\\] Smith et al.');
  });
});

describe('escapes', () => {
  it('when \\: \\# \\= \\{ \\} \\~ are written, then they are those characters as text', () => {
    const draft = draftOf(
      '::a\\:b::[markdown]Stem \\{x\\} \\= y\\~ \\# z\\: {=r\\~1 \\= \\#2 ~w\\{3\\} ####g\\#\\=}',
    );
    expect(draft.key).toBe('a:b');
    expect(draft.stem).toBe('Stem {x} = y~ # z:');
    expect(draft.options.map((o) => o.text)).toEqual(['r~1 = #2', 'w{3}']);
    expect(draft.rationale).toBe('g#=');
  });

  it('when \\n is written, then it is a line break; \\\\ is one backslash (and \\\\n a backslash and n)', () => {
    const draft = draftOf('::q::[markdown]one\\ntwo \\\\ three \\\\n four {T}');
    expect(draft.stem).toBe('one\ntwo \\ three \\n four');
  });

  it('when a backslash precedes another character, then both stay', () => {
    expect(draftOf('::q::[markdown]C\\d \\a {T}').stem).toBe('C\\d \\a');
  });
});

describe('the answer block', () => {
  it('when there are no braces, then it is a description, which is refused with the reason', () => {
    expect(problemOf('::d:: Just some text')).toMatch(/no answers in braces/);
  });

  it('when a brace is missing or they are reversed, then the braces problem is reported', () => {
    expect(problemOf('::q:: Q {=a ~b')).toMatch(/braces/);
    expect(problemOf('::q:: Q =a ~b}')).toMatch(/braces/);
    expect(problemOf('::q:: Q } =a ~b {')).toMatch(/braces/);
  });

  it('when text follows the answers, then it is a missing-word question, which is refused', () => {
    expect(problemOf('::q:: Grant is {~buried =entombed ~living} in the tomb.')).toMatch(/missing word/);
  });

  it('when #### appears more than once, then the last one starts the general feedback', () => {
    expect(draftOf('::q::[markdown]Q {=a ~b ####one ####two}').rationale).toBe('two');
  });
});

describe('question types', () => {
  it.each([
    ['::q:: Write about it {}', /Essay/],
    ['::q:: When? {#1822:5}', /Numerical/],
    ['::q:: Match {=a -> 1 =b -> 2}', /Matching/],
    ['::q:: Who? {=no one =nobody}', /Short-answer/],
    ['::q:: Lowercase true is short answer {true}', /Short-answer/],
  ])('when the answers are %s, then the type is refused with its name', (source, reason) => {
    expect(problemOf(source)).toMatch(reason);
    expect(problemOf(source)).toMatch(/only multiple choice .* and true\/false/);
  });
});

describe('multiple choice', () => {
  it('when one answer starts with =, then it is a single-answer item with that answer right', () => {
    const draft = draftOf('::q::Q {~a =b ~c}');
    expect(draft.type).toBe('single');
    expect(draft.options).toEqual([
      { id: 'A', text: 'a' },
      { id: 'B', text: 'b' },
      { id: 'C', text: 'c' },
    ]);
    expect(draft.correct).toEqual(['B']);
  });

  it('when answers carry feedback, then the rationale is the general feedback then the right answer’s, and wrong answers’ feedback is noted as left out', () => {
    const question = only('::q::[markdown]Q {=a #Because a. ~b #Not b. ####General.}');
    expect(question.draft!.rationale).toBe('General.\n\nBecause a.');
    expect(question.notes).toEqual([expect.stringMatching(/wrong answers is left out/)]);
  });

  it('when two answers start with =, then the single-answer question is refused', () => {
    expect(problemOf('::q::Q {=a =b ~c}')).toMatch(/2 answers are marked right/);
  });

  it('when a single-answer question gives partial credit, then it is refused (items are right or wrong)', () => {
    expect(problemOf('::q::Q {=a ~%50%b ~c}')).toMatch(/partial credit \(50%\)/);
  });

  it('when no answer starts with = and weights add up to 100, then it is a multiple-response item', () => {
    const draft = draftOf('::q::Q {~%50%a ~%50%b ~%-100%c ~d}');
    expect(draft.type).toBe('multiple');
    expect(draft.correct).toEqual(['A', 'B']);
  });

  it('when weights are 33.33333 three times, then Moodle’s tolerance accepts them; 33.33 is refused', () => {
    expect(draftOf('::q::Q {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}').correct).toEqual([
      'A',
      'B',
      'C',
    ]);
    expect(problemOf('::q::Q {~%33.33%a ~%33.33%b ~%33.33%c ~d}')).toMatch(
      /33\.33% .* not one Moodle allows/,
    );
  });

  it('when the positive weights do not add up to 100, then it is refused with the total', () => {
    expect(problemOf('::q::Q {~%50%a ~%25%b ~c}')).toMatch(/add up to 75%, not 100%/);
  });

  it('when no answer is right (no =, no positive weight), then it is refused', () => {
    expect(problemOf('::q::Q {~a ~b ~c}')).toMatch(/No answer is marked right/);
  });

  it('when a weight is written with a space or letters, then it is part of the text (Moodle’s weight pattern)', () => {
    expect(texts('::q::Q {=a ~% 50%b}')).toEqual(['a', '% 50%b']);
  });

  it('when there are fewer than two or more than six answers, then it is refused', () => {
    expect(problemOf('::q::Q {~a}')).toMatch(/at least two answers/);
    expect(problemOf('::q::Q {=a ~b ~c ~d ~e ~f ~g}')).toMatch(/7 answers; an item has at most 6/);
  });
});

describe('true/false', () => {
  it.each([
    ['T', 'A'],
    ['TRUE', 'A'],
    ['F', 'B'],
    ['FALSE', 'B'],
  ])('when the answer is {%s}, then the right option is %s (A True, B False)', (answer, right) => {
    const draft = draftOf(`::q::The kidney is retroperitoneal. {${answer}}`);
    expect(draft.type).toBe('true_false');
    expect(draft.options).toEqual([
      { id: 'A', text: 'True' },
      { id: 'B', text: 'False' },
    ]);
    expect(draft.correct).toEqual([right]);
  });

  it('when feedback follows, then the FIRST is for a wrong answer and the SECOND for the right one (Moodle’s order)', () => {
    const question = only('::q::[markdown]Q {TRUE#Shown when wrong#Shown when right####General}');
    expect(question.draft!.rationale).toBe('General\n\nShown when right');
    expect(question.notes).toEqual([expect.stringMatching(/wrong answers is left out/)]);
    expect(only('::q::[markdown]Q {F##Only right}').draft!.rationale).toBe('Only right');
  });
});

describe('what the GIFT writer records in comments', () => {
  it('when "// section:" and "// references:" comments precede a question, then they carry its section and references', () => {
    const draft = draftOf('// q\n// section: etiology\n// references: 1, 5\n::q::Q {T}');
    expect(draft.sectionSlug).toBe('etiology');
    expect(draft.references).toEqual([1, 5]);
  });
});

describe('any text', () => {
  it('whatever the file holds, then the reader never throws and each question is a draft or a reason', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '::',
        '{',
        '}',
        '=',
        '~',
        '#',
        '####',
        '%50%',
        '%-100%',
        '\\',
        '\n',
        '\n\n',
        '//',
        '$CATEGORY: O1',
        '[html]',
        '[markdown]',
        'T',
        'FALSE',
        '->',
        ' ',
      ),
      fc.string({ unit: 'grapheme', maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const parsed = parseGift(parts.join(''));
        if ('problem' in parsed) throw new Error('GIFT files are read question by question');
        for (const question of parsed.questions)
          expect((question.draft === null) !== (question.problem === null)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
