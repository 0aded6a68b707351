// Who may move an item where (server/items/lifecycle.ts), as a table: every action × item situation × who acts
// (the author of the working version, another educator, an admin who wrote it, another admin, a learner).
import {
  allowedActions,
  decide,
  editRefusal,
  type ItemAction,
  type ReviewSubject,
} from '../../server/items/lifecycle';

const AUTHOR = 1;
const actors = {
  'the author (educator)': { id: AUTHOR, role: 'educator' },
  'another educator': { id: 2, role: 'educator' },
  'the author (admin)': { id: AUTHOR, role: 'admin' },
  'another admin': { id: 3, role: 'admin' },
  'a learner': { id: 4, role: 'learner' },
} as const;
type Who = keyof typeof actors;

const situations: Record<string, ReviewSubject> = {
  'a new draft': { status: 'draft', working: { state: 'draft', createdById: AUTHOR } },
  'a new item in review': { status: 'in_review', working: { state: 'in_review', createdById: AUTHOR } },
  'a published item': { status: 'published', working: { state: 'published', createdById: AUTHOR } },
  'a published item with a revision in draft': {
    status: 'published',
    working: { state: 'draft', createdById: AUTHOR },
  },
  'a published item with a revision in review': {
    status: 'published',
    working: { state: 'in_review', createdById: AUTHOR },
  },
  'a starter item from content/': { status: 'published', working: { state: 'published', createdById: null } },
  'a retired item': { status: 'retired', working: { state: 'published', createdById: AUTHOR } },
};

const staff: Who[] = ['the author (educator)', 'another educator', 'the author (admin)', 'another admin'];
const reviewers: Who[] = ['another educator', 'another admin'];

/** The expected outcome: the item's status and working version's state afterwards, or "refused". */
const expected: Record<string, Partial<Record<ItemAction, [Who[], string]>>> = {
  'a new draft': { submit: [staff, 'in_review/in_review'], retire: [staff, 'retired/draft'] },
  'a new item in review': {
    approve: [reviewers, 'published/published'],
    'send-back': [reviewers, 'draft/draft'],
    retire: [staff, 'retired/in_review'],
  },
  'a published item': { retire: [staff, 'retired/published'] },
  'a published item with a revision in draft': {
    submit: [staff, 'published/in_review'],
    retire: [staff, 'retired/draft'],
  },
  'a published item with a revision in review': {
    approve: [reviewers, 'published/published'],
    'send-back': [reviewers, 'published/draft'],
    retire: [staff, 'retired/in_review'],
  },
  'a starter item from content/': { retire: [staff, 'retired/published'] },
  'a retired item': {},
};

const cases = Object.entries(situations).flatMap(([situation, subject]) =>
  (['submit', 'approve', 'send-back', 'retire'] as const).flatMap((action) =>
    (Object.keys(actors) as Who[]).map((who) => {
      const rule = expected[situation]![action];
      const outcome = rule && rule[0].includes(who) ? rule[1] : 'refused';
      return [situation, action, who, outcome, subject] as const;
    }),
  ),
);

describe('who may move an item where', () => {
  it.each(cases)(
    'when it is %s and the action is %s by %s, then: %s',
    (_s, action, who, outcome, subject) => {
      const decision = decide(action, subject, actors[who], 'a comment');
      expect(decision.ok ? `${decision.itemStatus}/${decision.versionState}` : 'refused').toBe(outcome);
    },
  );

  it('when the item page asks what this actor may do, then it offers exactly what decide accepts', () => {
    for (const [situation, subject] of Object.entries(situations))
      for (const who of Object.keys(actors) as Who[]) {
        const offered = allowedActions(subject, actors[who]);
        const accepted = (['submit', 'approve', 'send-back', 'retire'] as const).filter(
          (action) => decide(action, subject, actors[who], 'a comment').ok,
        );
        expect({ situation, who, offered }).toEqual({ situation, who, offered: accepted });
      }
  });

  it('when a reviewer sends a version back without a comment, then it is refused and says a comment is required', () => {
    const decision = decide(
      'send-back',
      situations['a new item in review']!,
      actors['another educator'],
      null,
    );
    expect(decision).toEqual({
      ok: false,
      reason: 'Say what needs to change: a comment is required to send an item back.',
    });
  });

  it('when the author tries to approve their own version, then the refusal says nobody publishes their own edit', () => {
    const decision = decide('approve', situations['a new item in review']!, actors['the author (admin)']);
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.reason).toMatch(/nobody publishes their own edit/);
  });

  it('when a transition is recorded, then it names the version states moved between (or the item status retired)', () => {
    expect(decide('submit', situations['a new draft']!, actors['the author (educator)'])).toMatchObject({
      from: 'draft',
      to: 'in_review',
    });
    expect(decide('retire', situations['a published item']!, actors['another admin'])).toMatchObject({
      from: 'published',
      to: 'retired',
    });
  });

  it('when an item is retired, then it can no longer be edited; any other item can', () => {
    expect(editRefusal({ status: 'retired' })).toMatch(/retirement is final/);
    for (const status of ['draft', 'in_review', 'published'] as const)
      expect(editRefusal({ status })).toBeNull();
  });
});
