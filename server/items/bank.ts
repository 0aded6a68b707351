// Reading the bank: the activities' counts, one bank page (filters, keyset paging, counts per objective and status),
// an item with its working and live versions and its transitions, its history, and the working versions for export.
import type { ActivityView } from '../catalogue/view-model';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { ItemStatus } from '../generated/prisma/enums';
import { NotFoundError } from '../http/errors';
import { draftOf, workingVersion } from './stored';
import type { DraftContext, ItemDraft } from './types';

export const BANK_PAGE_SIZE = 50;
export const ITEM_STATUSES = [
  'draft',
  'in_review',
  'published',
  'retired',
] as const satisfies readonly ItemStatus[];

export interface BankFilters {
  /** Objective code (O1…). */
  objective?: string;
  status?: ItemStatus;
  /** Id of the user who created the item. */
  author?: number;
  /** Part of the stem, any case: of the working version or of the live one. */
  text?: string;
}

/** What an activity offers an item to point at (draftProblems' context). */
export const draftContextOf = (activity: ActivityView): DraftContext => ({
  objectiveCodes: activity.objectives.map((o) => o.code),
  sectionSlugs: activity.lessons.map((l) => l.slug),
  referenceNumbers: activity.references.map((r) => r.number),
});

// % and _ are LIKE wildcards (Prisma passes them through): a search means the characters typed.
const literal = (text: string) => text.replace(/[\\%_]/g, '\\$&');

export function bankWhere(activityId: number, filters: BankFilters): Prisma.ItemWhereInput {
  return {
    activityId,
    ...(filters.objective ? { objective: { code: filters.objective } } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.author ? { createdById: filters.author } : {}),
    // A superseded version is neither the working one nor the live one.
    ...(filters.text
      ? {
          versions: {
            some: {
              state: { not: 'superseded' },
              stem: { contains: literal(filters.text), mode: 'insensitive' },
            },
          },
        }
      : {}),
  };
}

export function createBankReads(prisma: PrismaClient) {
  /** Items per activity and status, for the list of banks. */
  async function countsByActivity() {
    const groups = await prisma.item.groupBy({ by: ['activityId', 'status'], _count: { _all: true } });
    return (activityId: number) => {
      const counts = Object.fromEntries(ITEM_STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;
      for (const g of groups) if (g.activityId === activityId) counts[g.status] = g._count._all;
      return counts;
    };
  }

  /** Every item of the activity counted per objective and status, and the published items with a revision pending. */
  async function counts(activityId: number) {
    const [byStatus, revisions] = await Promise.all([
      prisma.item.groupBy({ by: ['objectiveId', 'status'], where: { activityId }, _count: { _all: true } }),
      prisma.item.groupBy({
        by: ['objectiveId'],
        where: {
          activityId,
          status: 'published',
          versions: { some: { state: { in: ['draft', 'in_review'] } } },
        },
        _count: { _all: true },
      }),
    ]);
    const objectives = await prisma.objective.findMany({
      where: { activityId },
      select: { id: true, code: true },
    });
    const codeOf = new Map(objectives.map((o) => [o.id, o.code]));
    return {
      byStatus: byStatus.map((g) => ({
        code: codeOf.get(g.objectiveId)!,
        status: g.status,
        count: g._count._all,
      })),
      revisions: revisions.map((g) => ({ code: codeOf.get(g.objectiveId)!, count: g._count._all })),
    };
  }

  /** One page of the bank in id order, after the item `after` (keyset: no OFFSET, so deep pages cost the same). */
  async function page(activityId: number, filters: BankFilters, after: number) {
    const rows = await prisma.item.findMany({
      where: { ...bankWhere(activityId, filters), id: { gt: after } },
      orderBy: { id: 'asc' },
      take: BANK_PAGE_SIZE + 1,
      select: {
        id: true,
        key: true,
        status: true,
        source: true,
        publishedVersionId: true,
        objective: { select: { code: true } },
        createdBy: { select: { fullName: true } },
        versions: {
          orderBy: { version: 'desc' },
          take: 1,
          select: { version: true, state: true, type: true, stem: true },
        },
      },
    });
    const items = rows.slice(0, BANK_PAGE_SIZE);
    return { items, nextAfter: rows.length > BANK_PAGE_SIZE ? items.at(-1)!.id : null };
  }

  /** Who created items of this activity, for the author filter. */
  async function authors(activityId: number) {
    const rows = await prisma.item.findMany({
      where: { activityId, createdById: { not: null } },
      distinct: ['createdById'],
      select: { createdBy: { select: { id: true, fullName: true } } },
    });
    return rows
      .flatMap((row) => (row.createdBy ? [row.createdBy] : []))
      .sort((a, b) => a.fullName.localeCompare(b.fullName));
  }

  /** The item with its working version, its live version, and every transition; 404 unless it is this activity's. */
  async function item(activityId: number, id: number) {
    const found = await prisma.item.findFirst({
      where: { id, activityId },
      include: {
        objective: { select: { code: true, text: true } },
        createdBy: { select: { id: true, fullName: true } },
        versions: workingVersion,
        publishedVersion: { include: { createdBy: { select: { id: true, fullName: true } } } },
        transitions: {
          orderBy: { id: 'asc' },
          include: { actor: { select: { fullName: true } }, itemVersion: { select: { version: true } } },
        },
      },
    });
    if (!found) throw new NotFoundError('There is no such item in this bank.');
    const working = found.versions[0];
    if (!working) throw new Error(`item ${id} has no version`);
    return { ...found, working, draft: draftOf(found, working) };
  }

  /** Every version, oldest first, with who wrote it. */
  async function history(activityId: number, id: number) {
    const found = await prisma.item.findFirst({
      where: { id, activityId },
      include: {
        objective: { select: { code: true, text: true } },
        versions: { orderBy: { version: 'asc' }, include: { createdBy: { select: { fullName: true } } } },
      },
    });
    if (!found) throw new NotFoundError('There is no such item in this bank.');
    return found;
  }

  /** The working version of every item the filters select, in id order, as drafts (the exporter's input). */
  async function listForExport(activityId: number, filters: BankFilters = {}): Promise<ItemDraft[]> {
    const rows = await prisma.item.findMany({
      where: bankWhere(activityId, filters),
      orderBy: { id: 'asc' },
      include: { objective: { select: { code: true } }, versions: { orderBy: { version: 'desc' }, take: 1 } },
    });
    return rows.flatMap((row) => (row.versions[0] ? [draftOf(row, row.versions[0])] : []));
  }

  return { countsByActivity, counts, page, authors, item, history, listForExport };
}
