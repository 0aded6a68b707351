// What import and export use from the bank's service: createDrafts (all drafts in one transaction, all or nothing,
// a transition row each and one audit entry) and listForExport (the working versions as drafts, filtered).
import { HttpError } from '../../server/http/errors';
import type { ItemDraft } from '../../server/items/types';
import { createTestApp, type TestApp } from '../support/app';
import { signIn } from '../support/client';
import { factories } from '../support/factories';
import { createItem, editFormOf, saveEdit, uniqueKey } from '../support/items';

let t: TestApp;
let activityId: number;
let importer: { id: number };
beforeAll(async () => {
  t = await createTestApp();
  activityId = (await t.catalogue.find('renal-leiomyosarcoma'))!.id;
  importer = await factories(t).user({ role: 'educator', fullName: 'Ivy Importer' });
});
afterAll(() => t.close());

const draft = (key: string, overrides: Partial<ItemDraft> = {}): ItemDraft => ({
  key,
  type: 'multiple',
  stem: `**${key}**: which apply? 😀 é ™ שלום`,
  options: [
    { id: 'A', text: 'First' },
    { id: 'B', text: 'Second `code`' },
    { id: 'C', text: 'Third' },
  ],
  correct: ['A', 'C'],
  rationale: 'Because *both*.',
  objectiveCode: 'O2',
  sectionSlug: 'histopathology',
  references: [3, 4],
  ...overrides,
});

const totals = async () => ({
  items: await t.db.prisma.item.count(),
  versions: await t.db.prisma.itemVersion.count(),
  transitions: await t.db.prisma.itemTransition.count(),
  audit: await t.db.prisma.auditEntry.count(),
});

const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('createDrafts', () => {
  it('when drafts are imported, then each is a new draft item (source import) with a transition row, under one audit entry', async () => {
    const before = await totals();
    const keys = [uniqueKey('imp'), uniqueKey('imp'), uniqueKey('imp')];
    const drafts = [
      draft(keys[0]!),
      draft(keys[1]!, {
        type: 'true_false',
        options: [
          { id: 'A', text: 'True' },
          { id: 'B', text: 'False' },
        ],
        correct: ['B'],
        sectionSlug: null,
        references: [],
      }),
      draft(keys[2]!),
    ];
    const ids = await t.services.items.createDrafts(activityId, importer, drafts, 'import');
    expect(ids).toHaveLength(3);
    const items = await t.db.prisma.item.findMany({
      where: { id: { in: ids } },
      include: { versions: true, transitions: true },
    });
    for (const [index, id] of ids.entries()) {
      const item = items.find((i) => i.id === id)!;
      expect(item).toMatchObject({
        key: keys[index],
        status: 'draft',
        source: 'import',
        createdById: importer.id,
      });
      expect(item.versions).toEqual([
        expect.objectContaining({ version: 1, state: 'draft', createdById: importer.id }),
      ]);
      expect(item.transitions).toEqual([
        expect.objectContaining({ toStatus: 'draft', fromStatus: null, actorId: importer.id }),
      ]);
    }
    expect(await totals()).toEqual({
      items: before.items + 3,
      versions: before.versions + 3,
      transitions: before.transitions + 3,
      audit: before.audit + 1,
    });
    const audit = await t.db.prisma.auditEntry.findFirstOrThrow({
      where: { action: 'item.import' },
      orderBy: { id: 'desc' },
    });
    expect(audit).toMatchObject({
      actorId: importer.id,
      targetType: 'activity',
      targetId: String(activityId),
    });
    expect(audit.details).toMatchObject({ count: 3, source: 'import' });

    // Export gives back exactly what was imported.
    const exported = await t.services.items.listForExport(activityId, { text: keys[0] });
    expect(exported).toEqual([drafts[0]]);
  });

  it('when one name is already in the bank, then nothing is created and the 409 names it', async () => {
    const before = await totals();
    const drafts = [
      draft(uniqueKey('ok')),
      draft(uniqueKey('ok')),
      draft('o1-female-predominance'),
      draft(uniqueKey('ok')),
    ];
    expect(await refusal(t.services.items.createDrafts(activityId, importer, drafts, 'import'))).toEqual({
      status: 409,
      message: 'An item named "o1-female-predominance" is already in this bank.',
    });
    expect(await totals()).toEqual(before);
  });

  it('when a name is twice in the batch, or a draft is not valid or has no objective, then nothing is created', async () => {
    const before = await totals();
    const twice = uniqueKey('twice');
    expect(
      await refusal(
        t.services.items.createDrafts(activityId, importer, [draft(twice), draft(twice)], 'import'),
      ),
    ).toEqual({
      status: 409,
      message: `Two items are named "${twice}": names must be unique.`,
    });
    const noObjective = draft(uniqueKey('none'), { objectiveCode: null });
    expect(
      await refusal(
        t.services.items.createDrafts(
          activityId,
          importer,
          [draft(uniqueKey('fine')), noObjective],
          'import',
        ),
      ),
    ).toEqual({
      status: 422,
      message: `The item "${noObjective.key}" cannot be created: Choose the objective this item assesses.`,
    });
    const tooLong = draft(uniqueKey('long'), { stem: 'x'.repeat(5001) });
    expect(
      (await refusal(t.services.items.createDrafts(activityId, importer, [tooLong], 'import'))).status,
    ).toBe(422);
    expect(await totals()).toEqual(before);
  });

  it('when 500 drafts are imported at once, then they are created in one transaction', async () => {
    const prefix = uniqueKey('bulk');
    const drafts = Array.from({ length: 500 }, (_, i) => draft(`${prefix}-${i}`));
    const started = Date.now();
    const ids = await t.services.items.createDrafts(activityId, importer, drafts, 'import');
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(Date.now() - started).toBeLessThan(10_000);
    const stored = await t.db.prisma.item.findMany({
      where: { id: { in: ids } },
      select: { id: true, key: true },
    });
    const keyOf = new Map(stored.map((s) => [s.id, s.key]));
    expect(ids.map((id) => keyOf.get(id))).toEqual(drafts.map((d) => d.key));
  });
});

describe('listForExport', () => {
  it('when items have newer versions, then the working version is exported; the filters select like the bank’s', async () => {
    const educator = await factories(t).user({ role: 'educator' });
    const agent = await signIn(t.app, educator.email);
    const key = uniqueKey('exp');
    const id = await createItem(agent, { key, objectiveCode: 'O4', stem: 'First wording?' });
    await saveEdit(agent, id, await editFormOf(agent, id), { stem: 'Second wording?' });
    const [exported] = await t.services.items.listForExport(activityId, {
      objective: 'O4',
      status: 'draft',
      author: educator.id,
    });
    expect(exported).toMatchObject({
      key,
      stem: 'Second wording?',
      objectiveCode: 'O4',
      sectionSlug: 'evaluation',
      references: [1, 2],
    });
    const published = await t.services.items.listForExport(activityId, { status: 'published' });
    expect(published).toHaveLength(24);
    expect(published.every((d) => d.objectiveCode && d.options.length >= 2)).toBe(true);
    expect(await t.services.items.listForExport(activityId, { objective: 'O4', status: 'retired' })).toEqual(
      [],
    );
  });
});
