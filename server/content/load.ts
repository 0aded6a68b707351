// Reads and validates content/: provider.yaml and each activities/<slug>/ folder.
// Nothing here touches the database; a ContentError names the file and the field at fault.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { renderLessonHtml, citedNumbers } from './render';
import {
  activitySchema,
  providerSchema,
  referencesSchema,
  sectionFileName,
  type ActivityFile,
  type Provider,
  type ReferenceFile,
} from './schema';
import { itemsSchema, type ItemFile } from './items-schema';

export class ContentError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | null,
    detail: string,
  ) {
    super(`${file}${field ? ` (${field})` : ''}: ${detail}`);
    this.name = 'ContentError';
  }
}

export interface LoadedLesson {
  slug: string;
  position: number;
  title: string;
  bodyMarkdown: string;
  bodyHtml: string;
  contentHash: string;
}

export interface LoadedActivity {
  activity: ActivityFile;
  lessons: LoadedLesson[];
  references: ReferenceFile[];
  /** The starter item bank (items.yaml), each with the hash of its own wording. */
  items: (ItemFile & { contentHash: string })[];
  /** Hash over every file of the activity. */
  contentHash: string;
}

export interface LoadedContent {
  provider: Provider;
  activities: LoadedActivity[];
}

const sha256 = (data: string) => crypto.createHash('sha256').update(data).digest('hex');

function readFile(root: string, relative: string): string {
  const file = path.join(root, relative);
  if (!fs.existsSync(file)) throw new ContentError(relative, null, 'file is missing');
  return fs.readFileSync(file, 'utf8');
}

function parseYaml<S extends z.ZodType>(root: string, relative: string, schema: S): z.infer<S> {
  const source = readFile(root, relative);
  const document = YAML.parseDocument(source, { prettyErrors: true });
  if (document.errors.length > 0) throw new ContentError(relative, null, document.errors[0]!.message);
  const result = schema.safeParse(document.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ContentError(relative, issue.path.join('.') || null, issue.message);
  }
  return result.data;
}

function loadLessons(
  root: string,
  dir: string,
  activitySlug: string,
  referenceCount: number,
): LoadedLesson[] {
  const sectionsDir = path.join(dir, 'sections');
  const files = fs.existsSync(path.join(root, sectionsDir))
    ? fs.readdirSync(path.join(root, sectionsDir)).sort()
    : [];
  if (files.length === 0) throw new ContentError(sectionsDir, null, 'has no section files');
  return files.map((name, index) => {
    const relative = path.join(sectionsDir, name);
    const match = sectionFileName.exec(name);
    if (!match) throw new ContentError(relative, null, 'file name must look like 01-introduction.md');
    if (Number(match[1]) !== index + 1)
      throw new ContentError(relative, null, `must be numbered ${index + 1}`);
    const source = readFile(root, relative).replace(/\r\n/g, '\n');
    const heading = /^# (.+)\n+/.exec(source);
    if (!heading) throw new ContentError(relative, 'title', 'first line must be a "# Title" heading');
    const bodyMarkdown = source.slice(heading[0].length).trim();
    if (bodyMarkdown === '') throw new ContentError(relative, 'body', 'is empty');
    for (const cited of citedNumbers(bodyMarkdown)) {
      if (cited < 1 || cited > referenceCount) {
        throw new ContentError(
          relative,
          'body',
          `cites [${cited}], but references.yaml has ${referenceCount}`,
        );
      }
    }
    return {
      slug: match[2]!,
      position: index + 1,
      title: heading[1]!.trim(),
      bodyMarkdown,
      bodyHtml: renderLessonHtml(bodyMarkdown, `/activities/${activitySlug}/references`),
      contentHash: sha256(source),
    };
  });
}

export function loadActivity(root: string, slugDir: string): LoadedActivity {
  const dir = path.join('activities', slugDir);
  const activity = parseYaml(root, path.join(dir, 'activity.yaml'), activitySchema);
  if (activity.slug !== slugDir) {
    throw new ContentError(
      path.join(dir, 'activity.yaml'),
      'slug',
      `must match its folder name "${slugDir}"`,
    );
  }
  const references = parseYaml(root, path.join(dir, 'references.yaml'), referencesSchema);
  const lessons = loadLessons(root, dir, activity.slug, references.length);
  const itemsFile = path.join(dir, 'items.yaml');
  const items = fs.existsSync(path.join(root, itemsFile)) ? parseYaml(root, itemsFile, itemsSchema) : [];
  const objectiveCodes = new Set(activity.objectives.map((o) => o.code));
  const lessonSlugs = new Set(lessons.map((l) => l.slug));
  items.forEach((item, index) => {
    const fail = (field: string, detail: string) => {
      throw new ContentError(itemsFile, `${index}.${field}`, detail);
    };
    if (!objectiveCodes.has(item.objective))
      fail('objective', `"${item.objective}" is not an objective of the activity`);
    if (!lessonSlugs.has(item.section)) fail('section', `"${item.section}" is not a lesson of the activity`);
    const badReference = item.references.find((n) => n > references.length);
    if (badReference)
      fail('references', `cites [${badReference}], but references.yaml has ${references.length}`);
  });
  const contentHash = sha256(
    JSON.stringify([
      readFile(root, path.join(dir, 'activity.yaml')),
      readFile(root, path.join(dir, 'references.yaml')),
      lessons.map((lesson) => lesson.contentHash),
      items,
    ]),
  );
  const hashedItems = items.map((item) => ({
    ...item,
    contentHash: sha256(JSON.stringify({ ...item, key: undefined })),
  }));
  return { activity, lessons, references, items: hashedItems, contentHash };
}

export function loadContent(root: string): LoadedContent {
  const provider = parseYaml(root, 'provider.yaml', providerSchema);
  const activitiesDir = path.join(root, 'activities');
  const slugs = fs.existsSync(activitiesDir)
    ? fs
        .readdirSync(activitiesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return { provider, activities: slugs.map((slug) => loadActivity(root, slug)) };
}
