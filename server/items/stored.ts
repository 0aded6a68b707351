// Between an ItemDraft and the rows that store it: an item (key, objective, status) and its immutable versions.
import crypto from 'node:crypto';
import type { Prisma } from '../generated/prisma/client';
import { NotFoundError } from '../http/errors';
import type { ItemType } from '../generated/prisma/enums';
import type { ItemDraft, ItemOption } from './types';

export type Tx = Prisma.TransactionClient;

/** An item's working version is its latest one. */
export const workingVersion = {
  orderBy: { version: 'desc' },
  take: 1,
  include: { createdBy: { select: { id: true, fullName: true } } },
} as const satisfies Prisma.Item$versionsArgs;

/** The fields of a version row a draft decides. No section is stored as '' (the column is required). */
export function versionFields(draft: ItemDraft) {
  const fields = {
    type: draft.type,
    stem: draft.stem,
    options: draft.options.map((o) => ({ id: o.id, text: o.text })),
    correct: [...draft.correct],
    rationale: draft.rationale,
    sectionSlug: draft.sectionSlug ?? '',
    references: [...draft.references],
  };
  return { ...fields, contentHash: crypto.createHash('sha256').update(JSON.stringify(fields)).digest('hex') };
}

interface StoredVersion {
  type: ItemType;
  stem: string;
  options: Prisma.JsonValue;
  correct: string[];
  rationale: string;
  sectionSlug: string;
  references: number[];
}

export const optionsOf = (version: { options: Prisma.JsonValue }) =>
  version.options as unknown as ItemOption[];

/** A stored version as the draft it states, with its item's key and objective. */
export function draftOf(
  item: { key: string; objective: { code: string } },
  version: StoredVersion,
): ItemDraft {
  return {
    key: item.key,
    type: version.type,
    stem: version.stem,
    options: optionsOf(version).map((o) => ({ id: o.id, text: o.text })),
    correct: [...version.correct],
    rationale: version.rationale,
    objectiveCode: item.objective.code,
    sectionSlug: version.sectionSlug || null,
    references: [...version.references],
  };
}

/** The first version of an item, and the versions after it, start as drafts written by `actorId`. */
export const draftVersion = (draft: ItemDraft, version: number, actorId: number) => ({
  version,
  ...versionFields(draft),
  state: 'draft' as const,
  createdById: actorId,
});

/** The item (with its working version) as it is now, or 404. */
export async function current(tx: Tx, activityId: number, id: number) {
  const item = await tx.item.findFirst({
    where: { id, activityId },
    include: { objective: { select: { code: true } }, versions: workingVersion },
  });
  const working = item?.versions[0];
  if (!item || !working) throw new NotFoundError('There is no such item in this bank.');
  return { item, working };
}

/** Takes the item's lock: increments lockVersion if it is still `lockVersion`; false when someone wrote first. */
export async function claim(
  tx: Tx,
  id: number,
  lockVersion: number,
  data: Prisma.ItemUncheckedUpdateManyInput = {},
) {
  const { count } = await tx.item.updateMany({
    where: { id, lockVersion },
    data: { ...data, lockVersion: { increment: 1 } },
  });
  return count === 1;
}
