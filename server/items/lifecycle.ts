// Who may move an item where: the review rules as one pure function, so the item page (which buttons to show)
// and the service (what to accept) apply the same rules, and the rules are unit-tested without a database.
//
// An item's working version is its latest one. A never-published item's status follows that version (draft, in
// review); once published the item stays published while a newer version is drafted and reviewed (the live
// version is still drawn); retired is final.
import type { ItemStatus, Role, VersionState } from '../generated/prisma/enums';

export const ITEM_ACTIONS = ['submit', 'approve', 'send-back', 'retire'] as const;
export type ItemAction = (typeof ITEM_ACTIONS)[number];

export interface ReviewSubject {
  status: ItemStatus;
  working: { state: VersionState; createdById: number | null };
}

export interface ReviewActor {
  id: number;
  role: Role;
}

export type ReviewDecision =
  | {
      ok: true;
      /** The working version's state afterwards. */
      versionState: VersionState;
      itemStatus: ItemStatus;
      /** What the transition row records (version states, or retired). */
      from: string;
      to: string;
    }
  | { ok: false; reason: string };

export const COMMENT_MAX = 2_000;

const refuse = (reason: string): ReviewDecision => ({ ok: false, reason });

const stateWords: Record<VersionState, string> = {
  draft: 'a draft',
  in_review: 'in review',
  published: 'published',
  superseded: 'superseded',
};

/** Whether the item's text may be changed at all (a new version): anything but a retired item. */
export function editRefusal(subject: Pick<ReviewSubject, 'status'>): string | null {
  return subject.status === 'retired'
    ? 'This item is retired: retirement is final, it can no longer be edited.'
    : null;
}

export function decide(
  action: ItemAction,
  subject: ReviewSubject,
  actor: ReviewActor,
  comment: string | null = null,
): ReviewDecision {
  if (actor.role !== 'educator' && actor.role !== 'admin')
    return refuse('Only educators and admins review items.');
  if (subject.status === 'retired') return refuse('This item is retired: retirement is final.');
  const { state, createdById } = subject.working;
  const wasPublished = subject.status === 'published';
  const ownVersion = createdById !== null && createdById === actor.id;
  switch (action) {
    case 'submit':
      if (state !== 'draft')
        return refuse(
          `Only a draft can be submitted for review; the current version is ${stateWords[state]}.`,
        );
      return {
        ok: true,
        versionState: 'in_review',
        itemStatus: wasPublished ? 'published' : 'in_review',
        from: 'draft',
        to: 'in_review',
      };
    case 'approve':
      if (state !== 'in_review')
        return refuse(
          `Only a version in review can be approved; the current version is ${stateWords[state]}.`,
        );
      if (ownVersion)
        return refuse(
          'You wrote this version: nobody publishes their own edit. Another educator or an admin must review it.',
        );
      return {
        ok: true,
        versionState: 'published',
        itemStatus: 'published',
        from: 'in_review',
        to: 'published',
      };
    case 'send-back':
      if (state !== 'in_review')
        return refuse(
          `Only a version in review can be sent back; the current version is ${stateWords[state]}.`,
        );
      if (ownVersion)
        return refuse('You wrote this version: a reviewer sends it back. To change it yourself, edit it.');
      if (!comment) return refuse('Say what needs to change: a comment is required to send an item back.');
      return {
        ok: true,
        versionState: 'draft',
        itemStatus: wasPublished ? 'published' : 'draft',
        from: 'in_review',
        to: 'draft',
      };
    case 'retire':
      return { ok: true, versionState: state, itemStatus: 'retired', from: subject.status, to: 'retired' };
  }
}

/** The actions this actor may take on the item now, in the order the item page offers them. */
export const allowedActions = (subject: ReviewSubject, actor: ReviewActor): ItemAction[] =>
  ITEM_ACTIONS.filter((action) => {
    // send-back only lacks its comment when everything else allows it.
    const decision = decide(action, subject, actor, action === 'send-back' ? 'comment' : null);
    return decision.ok;
  });
