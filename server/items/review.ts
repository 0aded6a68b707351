// Moving an item through review, and the checks on drafts brought in by import. lifecycle.ts decides who may
// move what where; this applies a decision in one transaction (lock version checked, transition row, audit).
import { recordAudit } from '../audit/service';
import type { PrismaClient } from '../generated/prisma/client';
import { HttpError } from '../http/errors';
import { decide, type ItemAction } from './lifecycle';
import { claim, current } from './stored';
import { draftProblems, type DraftContext, type ItemDraft } from './types';
import type { Actor } from './authoring';

export const staleMessage =
  'This item changed since you opened it (someone saved or reviewed it meanwhile), so nothing was done. ' +
  'Look at the current version and try again.';

/**
 * Moves the item through review (lifecycle.ts decides who may). Approval publishes the working version: the
 * previous live version is superseded and the post-test draws the new one from then on.
 */
export interface TransitionRequest {
  activityId: number;
  id: number;
  actor: Actor;
  action: ItemAction;
  comment: string | null;
  /** The lock version the page was showing: a move made on a stale page is refused. */
  lockVersion: number;
  ip: string;
}

export async function transition(prisma: PrismaClient, now: () => Date, request: TransitionRequest) {
  const { activityId, id, actor, action, comment, lockVersion, ip } = request;
  await prisma.$transaction(async (tx) => {
    const { item, working } = await current(tx, activityId, id);
    if (item.lockVersion !== lockVersion) throw new HttpError(409, staleMessage);
    const decision = decide(action, { status: item.status, working }, actor, comment);
    if (!decision.ok) throw new HttpError(409, decision.reason);
    const approve = action === 'approve';
    const written = await claim(tx, id, lockVersion, {
      status: decision.itemStatus,
      ...(approve ? { publishedVersionId: working.id } : {}),
      // Retiring a starter item makes it the browser's too: a later content change must not bring it back.
      ...(item.source === 'content' ? { source: 'authored' } : {}),
    });
    if (!written) throw new HttpError(409, staleMessage);
    if (approve)
      await tx.itemVersion.updateMany({
        where: { itemId: id, state: 'published', id: { not: working.id } },
        data: { state: 'superseded' },
      });
    if (decision.versionState !== working.state)
      await tx.itemVersion.update({ where: { id: working.id }, data: { state: decision.versionState } });
    await tx.itemTransition.create({
      data: {
        itemId: id,
        itemVersionId: working.id,
        actorId: actor.id,
        fromStatus: decision.from,
        toStatus: decision.to,
        comment,
        createdAt: now(),
      },
    });
    await recordAudit(tx, {
      actorId: actor.id,
      action: `item.${action}`,
      targetType: 'item',
      targetId: id,
      details: { key: item.key, version: working.version, from: decision.from, to: decision.to, comment },
      ip,
    });
  });
}

/** Checks drafts for createDrafts: each must pass draftProblems and name an objective; keys unique in the batch. */
export function importProblems(drafts: ItemDraft[], context: DraftContext): HttpError | null {
  const seen = new Set<string>();
  for (const draft of drafts) {
    const problems = Object.values(draftProblems(draft, context));
    if (problems.length > 0)
      return new HttpError(422, `The item "${draft.key}" cannot be created: ${problems[0]}`);
    if (seen.has(draft.key))
      return new HttpError(409, `Two items are named "${draft.key}": names must be unique.`);
    seen.add(draft.key);
  }
  return null;
}
