// Reads activities for the public pages. Content changes only through the content sync, so the shaped
// view of each activity is kept in memory and dropped when this process syncs again.
import type { PrismaClient } from '../generated/prisma/client';
import type { Provider } from '../content/schema';
import { buildActivityView, type ActivityView } from './view-model';

const activityInclude = {
  objectives: { select: { code: true, position: true, text: true } },
  lessons: { select: { slug: true, position: true, title: true, bodyHtml: true } },
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

  // A failed read must not stay cached.
  const remember = <T>(promise: Promise<T>, forget: () => void) => {
    promise.catch(forget);
    return promise;
  };

  return {
    list() {
      all ??= remember(
        prisma.activity
          .findMany({ include: activityInclude, orderBy: { title: 'asc' } })
          .then((rows) => rows.map((row) => buildActivityView(row, provider))),
        () => (all = null),
      );
      return all;
    },
    find(slug) {
      let found = bySlug.get(slug);
      if (!found) {
        found = remember(
          prisma.activity
            .findUnique({ where: { slug }, include: activityInclude })
            .then((row) => (row ? buildActivityView(row, provider) : null)),
          () => bySlug.delete(slug),
        );
        // Unknown slugs are not cached, so a flood of made-up URLs cannot grow the map.
        found.then((view) => view ?? bySlug.delete(slug));
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
