// Content changed for a test: a copy of content/ in a temporary folder, edited, then synced with the real content
// sync (server/content/sync.ts), as a deployment of new content does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadContent } from '../../server/content/load';
import { syncContent, type SyncReport } from '../../server/content/sync';
import { contentDir, type TestApp } from './app';

/** A temporary copy of content/, changed by `edit`; the caller removes it (removeContentCopy). */
export function contentCopy(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cme-content-'));
  fs.cpSync(contentDir, dir, { recursive: true });
  edit(dir);
  return dir;
}

export const removeContentCopy = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });

/** Syncs a changed copy of content/ into the app's database, then drops the app's cached activities. */
export async function syncContentCopy(t: TestApp, edit: (dir: string) => void): Promise<SyncReport[]> {
  const dir = contentCopy(edit);
  try {
    const reports = await syncContent(t.db.prisma, loadContent(dir));
    t.catalogue.invalidate();
    return reports;
  } finally {
    removeContentCopy(dir);
  }
}

/** Rewrites a YAML file of a content copy, keeping its comments and layout. */
export function editYaml(file: string, edit: (document: YAML.Document) => void): void {
  const document = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  edit(document);
  fs.writeFileSync(file, document.toString());
}

export const activityFile = (dir: string, slug: string, file = 'activity.yaml') =>
  path.join(dir, 'activities', slug, file);

/** Adds to a content copy another activity: the first one's folder under a new slug, title and maximum credit. */
export function addActivity(
  dir: string,
  activity: { slug: string; title: string; maximumCredits: number },
  from = 'renal-leiomyosarcoma',
): void {
  fs.cpSync(path.join(dir, 'activities', from), path.join(dir, 'activities', activity.slug), {
    recursive: true,
  });
  editYaml(activityFile(dir, activity.slug), (document) => {
    document.set('slug', activity.slug);
    document.set('title', activity.title);
    document.setIn(['credit', 'maximum'], activity.maximumCredits);
  });
}
