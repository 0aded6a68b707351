// Syncing content into PostgreSQL: one transaction, keyed by slug and hash.
import fs from 'node:fs';
import path from 'node:path';
import { ContentError, loadContent } from '../../server/content/load';
import { syncContent } from '../../server/content/sync';
import { contentDir } from '../support/app';
import { contentCopy, removeContentCopy } from '../support/content';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
const copies: string[] = [];
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(() => db.drop());
afterAll(() => copies.forEach(removeContentCopy));

function editedContent(edit: (dir: string) => void): string {
  const dir = contentCopy(edit);
  copies.push(dir);
  return dir;
}

const snapshot = (database: TestDatabase) =>
  database.prisma.activity.findMany({ include: { lessons: true, references: true, objectives: true } });

describe('content sync', () => {
  it('when run on an empty database, then it stores the activity with 13 lessons, 4 objectives and 17 references', async () => {
    const [report] = await syncContent(db.prisma, loadContent(contentDir));
    expect(report).toEqual({ slug: 'renal-leiomyosarcoma', status: 'created', lessonsChanged: 13 });
    const activity = await db.prisma.activity.findUniqueOrThrow({
      where: { slug: 'renal-leiomyosarcoma' },
      include: { _count: { select: { lessons: true, objectives: true, references: true } } },
    });
    expect(activity._count).toEqual({ lessons: 13, objectives: 4, references: 17 });
  });

  it('when run again with unchanged content, then nothing is written', async () => {
    await syncContent(db.prisma, loadContent(contentDir));
    const before = await snapshot(db);
    const [report] = await syncContent(db.prisma, loadContent(contentDir));
    expect(report!.status).toBe('unchanged');
    expect(await snapshot(db)).toEqual(before);
  });

  it('when one section changed, then that lesson is updated in place and no other', async () => {
    await syncContent(db.prisma, loadContent(contentDir));
    const before = await db.prisma.lesson.findMany({ orderBy: { position: 'asc' } });
    const dir = editedContent((d) =>
      fs.appendFileSync(
        path.join(d, 'activities/renal-leiomyosarcoma/sections/09-prognosis.md'),
        '\nA reviewed sentence.\n',
      ),
    );
    const [report] = await syncContent(db.prisma, loadContent(dir));
    expect(report).toEqual({ slug: 'renal-leiomyosarcoma', status: 'updated', lessonsChanged: 1 });
    const after = await db.prisma.lesson.findMany({ orderBy: { position: 'asc' } });
    expect(after.map((l) => l.id)).toEqual(before.map((l) => l.id));
    const changed = after.filter((lesson, i) => lesson.contentHash !== before[i]!.contentHash);
    expect(changed.map((l) => l.slug)).toEqual(['prognosis']);
    expect(changed[0]!.bodyHtml).toContain('A reviewed sentence.');
  });

  it('when a content file is broken, then the error names it and the database is left as it was', async () => {
    await syncContent(db.prisma, loadContent(contentDir));
    const before = await snapshot(db);
    const dir = editedContent((d) => {
      fs.appendFileSync(
        path.join(d, 'activities/renal-leiomyosarcoma/sections/01-introduction.md'),
        '\nChanged.\n',
      );
      fs.writeFileSync(
        path.join(d, 'activities/renal-leiomyosarcoma/references.yaml'),
        '- number: 1\n  citation: ""\n',
      );
    });
    expect(() => loadContent(dir)).toThrow(ContentError);
    expect(() => loadContent(dir)).toThrow('activities/renal-leiomyosarcoma/references.yaml (0.citation)');
    expect(await snapshot(db)).toEqual(before);
  });

  it('when the write fails half-way, then the transaction leaves the database as it was', async () => {
    await syncContent(db.prisma, loadContent(contentDir));
    const before = await snapshot(db);
    const content = loadContent(
      editedContent((d) =>
        fs.appendFileSync(
          path.join(d, 'activities/renal-leiomyosarcoma/sections/01-introduction.md'),
          '\nNew.\n',
        ),
      ),
    );
    // A lesson body PostgreSQL refuses (a NUL byte) fails the last write, after the first lesson was updated.
    content.activities[0]!.lessons[12]!.bodyHtml = 'bad\u0000byte';
    content.activities[0]!.lessons[12]!.contentHash = 'changed';
    await expect(syncContent(db.prisma, content)).rejects.toThrow();
    expect(await snapshot(db)).toEqual(before);
  });
});
