// Reads activities for the public pages. Content changes only through the content sync, so the shaped
// view of each activity is kept in memory and dropped when this process syncs again.
import type { PrismaClient } from '../generated/prisma/client';
import type { Provider } from '../content/schema';
import { NotFoundError } from '../http/errors';
import { parseSlug } from '../http/input';
import { buildActivityView, type ActivityView } from './view-model';

const activityInclude = {
  objectives: { select: { code: true, position: true, text: true } },
  lessons: { select: { id: true, slug: true, position: true, title: true, bodyHtml: true } },
  references: true,
} as const;

export interface Catalogue {
  list(): Promise<ActivityView[]>;
  find(slug: string): Promise<ActivityView | null>;
  invalidate(): void;
}

export function createCatalogue(prisma: PrismaClient, provider: Provider): Catalogue {
  let all: Promise<ActivityView[]> | null = null;
  const bySlug = new Map<string, Promise<ActivityView | null>>();

  // A failed read must not stay cached, nor a slug that matched nothing (made-up URLs must not grow the map).
  const cache = <T>(promise: Promise<T>, keep: (value: T) => boolean, forget: () => void) => {
    promise.then((value) => keep(value) || forget(), forget);
    return promise;
  };

  return {
    list() {
      all ??= cache(
        prisma.activity
          .findMany({ where: { synthetic: false }, include: activityInclude, orderBy: { title: 'asc' } })
          .then((rows) => rows.map((row) => buildActivityView(row, provider))),
        () => true,
        () => (all = null),
      );
      return all;
    },
    find(slug) {
      let found = bySlug.get(slug);
      if (!found) {
        found = cache(
          prisma.activity
            .findUnique({ where: { slug }, include: activityInclude })
            .then((row) => (row ? buildActivityView(row, provider) : null)),
          (view) => view !== null,
          () => bySlug.delete(slug),
        );
        bySlug.set(slug, found);
      }
      return found;
    },
    invalidate() {
      all = null;
      bySlug.clear();
    },
  };
}

/** The activity a route's `:slug` names, or 404: a malformed slug never reaches the database. */
export async function activityOr404(catalogue: Catalogue, rawSlug: unknown): Promise<ActivityView> {
  const activity = await catalogue.find(parseSlug(rawSlug));
  if (!activity) throw new NotFoundError('There is no activity at this address.');
  return activity;
}
