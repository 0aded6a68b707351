// Writing the bank: creating items and saving edits as new versions (review: review.ts). Each is one
// transaction with its audit entry. Every write to an item checks and increments its lockVersion
// (optimistic concurrency), so two editors never overwrite each other silently.
import { recordAudit } from '../audit/service';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { HttpError } from '../http/errors';
import { editRefusal, type ReviewActor } from './lifecycle';
import { claim, current, draftOf, draftVersion, versionFields, type Tx } from './stored';
import type { DraftProblems, ItemDraft } from './types';

export interface Actor {
  id: number;
  role: ReviewActor['role'];
}

const keyTaken = 'Another item of this activity already has this name; choose another.';
const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

async function objectiveIds(tx: Tx | PrismaClient, activityId: number) {
  const rows = await tx.objective.findMany({ where: { activityId }, select: { id: true, code: true } });
  return new Map(rows.map((o) => [o.code, o.id]));
}

export type EditOutcome =
  | { saved: true; version: number }
  | { saved: false; unchanged: true }
  | { saved: false; errors: DraftProblems }
  | {
      saved: false;
      conflict: { draft: ItemDraft; lockVersion: number; version: number; by: string | null; at: Date };
    };

export function createAuthoring(prisma: PrismaClient, now: () => Date) {
  /** A new item: version 1, a draft written by the actor. A name already used is a field error. */
  async function create(
    activityId: number,
    actor: Actor,
    draft: ItemDraft,
    ip: string,
  ): Promise<{ id: number } | { errors: DraftProblems }> {
    try {
      return await prisma.$transaction(async (tx) => {
        const objectiveId = (await objectiveIds(tx, activityId)).get(draft.objectiveCode ?? '');
        if (!objectiveId) return { errors: { objectiveCode: 'Choose an objective of this activity.' } };
        if (await tx.item.findUnique({ where: { activityId_key: { activityId, key: draft.key } } }))
          return { errors: { key: keyTaken } };
        const item = await tx.item.create({
          data: {
            activityId,
            objectiveId,
            key: draft.key,
            status: 'draft',
            source: 'authored',
            createdById: actor.id,
            versions: { create: { ...draftVersion(draft, 1, actor.id), createdAt: now() } },
          },
          include: { versions: { select: { id: true } } },
        });
        await tx.itemTransition.create({
          data: {
            itemId: item.id,
            itemVersionId: item.versions[0]!.id,
            actorId: actor.id,
            toStatus: 'draft',
            createdAt: now(),
          },
        });
        await recordAudit(tx, {
          actorId: actor.id,
          action: 'item.create',
          targetType: 'item',
          targetId: item.id,
          details: { key: draft.key, objective: draft.objectiveCode },
          ip,
        });
        return { id: item.id };
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { errors: { key: keyTaken } };
      throw error;
    }
  }

  /**
   * Saves the draft as a new version, unless the item changed since the form was opened (`lockVersion`): then
   * nothing is written and the version saved meanwhile comes back, to be shown beside the editor's own text.
   * The live version of a published item stays live; an edit of a starter item makes it the browser's.
   */
  async function edit(
    activityId: number,
    actor: Actor,
    id: number,
    draft: ItemDraft,
    lockVersion: number,
    ip: string,
  ) {
    return prisma.$transaction(async (tx): Promise<EditOutcome> => {
      const { item, working } = await current(tx, activityId, id);
      const refusal = editRefusal(item);
      if (refusal) throw new HttpError(409, refusal);
      const conflict = async (): Promise<EditOutcome> => {
        const now = await current(tx, activityId, id);
        return {
          saved: false,
          conflict: {
            draft: draftOf(now.item, now.working),
            lockVersion: now.item.lockVersion,
            version: now.working.version,
            by: now.working.createdBy?.fullName ?? null,
            at: now.working.createdAt,
          },
        };
      };
      if (item.lockVersion !== lockVersion) return conflict();
      const objectiveChanged = draft.objectiveCode !== item.objective.code;
      if (objectiveChanged && item.publishedVersionId !== null)
        return {
          saved: false,
          errors: { objectiveCode: 'The objective of a published item cannot change.' },
        };
      if (!objectiveChanged && versionFields(draft).contentHash === working.contentHash)
        return { saved: false, unchanged: true };
      const objectiveId = (await objectiveIds(tx, activityId)).get(draft.objectiveCode ?? '');
      if (!objectiveId)
        return { saved: false, errors: { objectiveCode: 'Choose an objective of this activity.' } };
      const neverPublished = item.publishedVersionId === null;
      const written = await claim(tx, id, lockVersion, {
        objectiveId,
        status: neverPublished ? 'draft' : item.status,
        ...(item.source === 'content' ? { source: 'authored' } : {}),
      });
      if (!written) return conflict();
      // Versions are immutable: a replaced draft or version in review is superseded, the live one stays live.
      if (working.state === 'draft' || working.state === 'in_review')
        await tx.itemVersion.update({ where: { id: working.id }, data: { state: 'superseded' } });
      const version = await tx.itemVersion.create({
        data: { itemId: id, ...draftVersion(draft, working.version + 1, actor.id), createdAt: now() },
        select: { id: true, version: true },
      });
      if (working.state !== 'draft')
        await tx.itemTransition.create({
          data: {
            itemId: id,
            itemVersionId: version.id,
            actorId: actor.id,
            fromStatus: working.state,
            toStatus: 'draft',
            comment:
              working.state === 'in_review'
                ? `Edited during review: version ${version.version} replaces version ${working.version}.`
                : `Version ${version.version} drafted; version ${working.version} stays live until it is published.`,
            createdAt: now(),
          },
        });
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'item.edit',
        targetType: 'item',
        targetId: id,
        details: { key: item.key, version: version.version },
        ip,
      });
      return { saved: true, version: version.version };
    });
  }

  return { create, edit };
}
