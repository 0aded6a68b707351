// The item bank: drafts, edits as new versions, review and publication, retirement; the reads behind the bank's
// pages; and what import and export use (createDrafts, listForExport).
import { recordAudit } from '../audit/service';
import type { CapabilityDeps } from '../compose';
import { Prisma } from '../generated/prisma/client';
import { HttpError } from '../http/errors';
import { createAuthoring } from './authoring';
import { importProblems, transition, type TransitionRequest } from './review';
import { createBankReads } from './bank';
import { draftVersion } from './stored';
import type { DraftContext, ItemDraft } from './types';

export type { BankFilters } from './bank';
export type { Actor, EditOutcome } from './authoring';

export function createItemService(deps: CapabilityDeps) {
  const { prisma, now } = deps;
  const reads = createBankReads(prisma);
  const authoring = createAuthoring(prisma, now);

  /** What the activity with this id offers a draft (objectives, lessons, references), read from the database. */
  async function draftContextFor(activityId: number): Promise<DraftContext> {
    const activity = await prisma.activity.findUnique({
      where: { id: activityId },
      select: {
        objectives: { select: { code: true } },
        lessons: { select: { slug: true } },
        references: { select: { number: true } },
      },
    });
    if (!activity) throw new HttpError(404, 'There is no such activity.');
    return {
      objectiveCodes: activity.objectives.map((o) => o.code),
      sectionSlugs: activity.lessons.map((l) => l.slug),
      referenceNumbers: activity.references.map((r) => r.number),
    };
  }

  /**
   * Creates every draft as a new item (version 1, a draft, written by `actor`) in ONE transaction: all or nothing.
   * Each gets its transition row; the batch gets one audit entry. A name already in the bank, or twice in the
   * batch, is a 409 naming it; a draft that fails draftProblems (or names no objective) is a 422. Returns the new
   * items' ids in the order of `drafts`.
   */
  async function createDrafts(
    activityId: number,
    actor: { id: number },
    drafts: ItemDraft[],
    source: 'import',
  ): Promise<number[]> {
    const problem = importProblems(drafts, await draftContextFor(activityId));
    if (problem) throw problem;
    if (drafts.length === 0) return [];
    const keys = drafts.map((d) => d.key);
    try {
      return await prisma.$transaction(
        async (tx) => {
          const taken = await tx.item.findFirst({
            where: { activityId, key: { in: keys } },
            select: { key: true },
          });
          if (taken) throw new HttpError(409, `An item named "${taken.key}" is already in this bank.`);
          const objectives = await tx.objective.findMany({
            where: { activityId },
            select: { id: true, code: true },
          });
          const objectiveId = new Map(objectives.map((o) => [o.code, o.id]));
          const items = await tx.item.createManyAndReturn({
            data: drafts.map((d) => ({
              activityId,
              objectiveId: objectiveId.get(d.objectiveCode!)!,
              key: d.key,
              status: 'draft' as const,
              source,
              createdById: actor.id,
            })),
            select: { id: true, key: true },
          });
          const idOf = new Map(items.map((item) => [item.key, item.id]));
          const ids = keys.map((key) => idOf.get(key)!);
          const at = now();
          const versions = await tx.itemVersion.createManyAndReturn({
            data: drafts.map((d, i) => ({ itemId: ids[i]!, ...draftVersion(d, 1, actor.id), createdAt: at })),
            select: { id: true, itemId: true },
          });
          await tx.itemTransition.createMany({
            data: versions.map((v) => ({
              itemId: v.itemId,
              itemVersionId: v.id,
              actorId: actor.id,
              toStatus: 'draft',
              comment: `Imported (${source})`,
              createdAt: at,
            })),
          });
          await recordAudit(tx, {
            actorId: actor.id,
            action: 'item.import',
            targetType: 'activity',
            targetId: activityId,
            details: { count: ids.length, source, firstItemId: ids[0]!, lastItemId: ids.at(-1)! },
          });
          return ids;
        },
        { timeout: 60_000 },
      );
    } catch (error) {
      // Another import or author took one of the names between the check and the insert.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        throw new HttpError(
          409,
          'An item with one of these names was created meanwhile: nothing was imported.',
        );
      throw error;
    }
  }

  return {
    ...reads,
    ...authoring,
    transition: (request: TransitionRequest) => transition(prisma, now, request),
    createDrafts,
    /** The working versions the filters select, as drafts, for the exporter. */
    listForExport: reads.listForExport,
  };
}

export type ItemService = ReturnType<typeof createItemService>;
