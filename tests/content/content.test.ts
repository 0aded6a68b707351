// The activity's content files: what the article says must arrive intact, and a broken file is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContentError, loadContent } from '../../server/content/load';
import { citedNumbers } from '../../server/content/render';
import { contentDir } from '../support/app';
import { articleSectionTitles } from '../support/article';

function copyContent(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'content-'));
  fs.cpSync(contentDir, dir, { recursive: true });
  return dir;
}

describe('the renal leiomyosarcoma activity content', () => {
  const content = loadContent(contentDir);
  const loaded = content.activities.find((a) => a.activity.slug === 'renal-leiomyosarcoma')!;

  it('has the 13 sections of the article, in the article order', () => {
    expect(loaded.lessons.map((lesson) => lesson.title)).toEqual(articleSectionTitles);
    expect(loaded.lessons.map((lesson) => lesson.position)).toEqual(
      articleSectionTitles.map((_, i) => i + 1),
    );
  });

  it('has the four learning objectives of the article', () => {
    expect(loaded.activity.objectives.map((o) => o.text)).toEqual([
      'Describe the clinical characteristics of renal leiomyosarcoma.',
      'Review the importance of image-guided percutaneous needle biopsy in establishing the diagnosis.',
      'Outline the entities that should be considered in the differential diagnosis of renal leiomyosarcoma.',
      'Identify interprofessional team strategies for improving care coordination and outcomes in patients with renal leiomyosarcoma.',
    ]);
  });

  it('has the 17 references with their PubMed IDs', () => {
    expect(loaded.references.map((ref) => ref.pmid)).toEqual([
      '20090506',
      '24179654',
      '25316486',
      '24965077',
      '28265233',
      '24093170',
      '22346103',
      '25663853',
      '15043306',
      '17090186',
      '12441005',
      '26175585',
      '17203356',
      '30656989',
      '4819688',
      '25190132',
      '17268912',
    ]);
    expect(
      loaded.references
        .filter((ref) => ref.evidenceLevel)
        .map((ref) => [ref.number, ref.evidenceLevel!.level]),
    ).toEqual([
      [1, 3],
      [3, 3],
      [5, 2],
      [11, 3],
      [13, 3],
    ]);
  });

  it('resolves every citation marker to a reference, and cites each reference at least once', () => {
    const cited = new Set(loaded.lessons.flatMap((lesson) => citedNumbers(lesson.bodyMarkdown)));
    expect([...cited].every((n) => n >= 1 && n <= loaded.references.length)).toBe(true);
    expect([...cited].sort((a, b) => a - b)).toEqual(loaded.references.map((ref) => ref.number));
  });

  it('keeps the bulleted lists of the article as lists', () => {
    const consultations = loaded.lessons.find((lesson) => lesson.title === 'Consultations')!;
    expect(consultations.bodyHtml).toContain('<li>Pathologist</li>');
    expect(consultations.bodyHtml.match(/<li>/g)).toHaveLength(6);
  });
});

describe('a broken content file', () => {
  it('names the file and the field that is wrong', () => {
    const dir = copyContent();
    const file = path.join(dir, 'activities/renal-leiomyosarcoma/activity.yaml');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('expirationDate: 2029-10-31', 'expirationDate: 2035-01-01'),
    );
    expect(() => loadContent(dir)).toThrow(ContentError);
    expect(() => loadContent(dir)).toThrow(
      'activities/renal-leiomyosarcoma/activity.yaml (expirationDate): must be at most 3 years after releaseDate',
    );
  });

  it('refuses a citation of a reference that does not exist', () => {
    const dir = copyContent();
    const file = path.join(dir, 'activities/renal-leiomyosarcoma/sections/02-etiology.md');
    fs.appendFileSync(file, '\nAn unsupported claim.[18]\n');
    expect(() => loadContent(dir)).toThrow(
      'activities/renal-leiomyosarcoma/sections/02-etiology.md (body): cites [18], but references.yaml has 17',
    );
  });

  it('refuses a reference whose PubMed ID is not a number', () => {
    const dir = copyContent();
    const file = path.join(dir, 'activities/renal-leiomyosarcoma/references.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('pmid: "20090506"', 'pmid: "PMID20090506"'));
    expect(() => loadContent(dir)).toThrow(
      'activities/renal-leiomyosarcoma/references.yaml (0.pmid): must be a PubMed ID',
    );
  });

  it('refuses YAML that does not parse, naming the file', () => {
    const dir = copyContent();
    fs.writeFileSync(path.join(dir, 'provider.yaml'), 'name: [unclosed\n');
    expect(() => loadContent(dir)).toThrow(/^provider\.yaml: /);
  });
});
