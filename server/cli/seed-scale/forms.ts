// Pre-drawn post-test forms of a synthetic copy: drawn from its published items by the post-test's own drawForm,
// with each item's right answer, a plausible wrong one, and per variant the order in which items are missed (harder
// items first), so that an attempt's responses follow from its form, variant and number of correct answers.
import type { Catalogue } from '../../catalogue/service';
import type { PrismaClient } from '../../generated/prisma/client';
import { drawForm } from '../../posttest/scoring';
import { mix, rng } from './random';

export interface FormRow {
  activity_id: number;
  form: number;
  position: number;
  item_version_id: number;
  option_order: string[];
  right_answer: string[];
  wrong_answer: string[];
  /** Per variant, the rank of this item among the form's (1 = answered wrongly first). */
  ranks: number[];
}

export const FORMS_PER_COPY = 64;
export const VARIANTS_PER_FORM = 4;

/** The answer a learner who got the item wrong gave: a wrong option (with the other correct ones, for several). */
function wrongAnswer(type: string, optionOrder: string[], correct: string[]): string[] {
  const wrong = optionOrder.find((id) => !correct.includes(id)) ?? optionOrder[0]!;
  const chosen = type === 'multiple' ? [wrong, ...correct.slice(1)] : [wrong];
  return optionOrder.filter((id) => chosen.includes(id));
}

/** The copy's view (catalogue) and its forms, drawn from its published items as the post-test draws them. */
export async function copyForms(prisma: PrismaClient, catalogue: Catalogue, slug: string, seed: number) {
  const view = await catalogue.find(slug);
  if (!view) throw new Error(`synthetic activity ${slug} is missing`);
  const items = await prisma.item.findMany({
    where: { activityId: view.id, status: 'published', publishedVersionId: { not: null } },
    select: {
      key: true,
      objective: { select: { code: true } },
      publishedVersion: { select: { id: true, type: true, options: true, correct: true } },
    },
    orderBy: { key: 'asc' },
  });
  const bank = items.map(({ key, objective, publishedVersion: version }) => ({
    itemVersionId: version!.id,
    objectiveCode: objective.code,
    optionIds: (version!.options as { id: string }[]).map((o) => o.id),
    type: version!.type,
    correct: version!.correct,
    // How hard the item is (share of learners who miss it), the same for an item in every copy.
    difficulty: 0.05 + (mix(seed, ...Buffer.from(key)) / 2 ** 32) * 0.55,
  }));
  const byVersion = new Map(bank.map((item) => [item.itemVersionId, item]));
  const objectiveCodes = view.objectives.map((o) => o.code);
  const random = rng(seed, 4, view.id);
  const forms: FormRow[] = [];
  for (let form = 0; form < FORMS_PER_COPY; form++) {
    const drawn = drawForm(bank, objectiveCodes, view.postTest.itemsPerObjective, (max) => random.int(max));
    const ranksByVariant = Array.from({ length: VARIANTS_PER_FORM }, () => {
      const order = drawn
        .map((d) => ({
          position: d.position,
          weight: byVersion.get(d.itemVersionId)!.difficulty * (0.5 + random.next()),
        }))
        .sort((a, b) => b.weight - a.weight);
      return new Map(order.map((entry, rank) => [entry.position, rank + 1]));
    });
    for (const d of drawn) {
      const item = byVersion.get(d.itemVersionId)!;
      forms.push({
        activity_id: view.id,
        form,
        position: d.position,
        item_version_id: d.itemVersionId,
        option_order: d.optionOrder,
        right_answer: d.optionOrder.filter((id) => item.correct.includes(id)),
        wrong_answer: wrongAnswer(item.type, d.optionOrder, item.correct),
        ranks: ranksByVariant.map((ranks) => ranks.get(d.position)!),
      });
    }
  }
  const itemCount = forms.filter((f) => f.form === 0).length;
  if (itemCount !== view.postTest.itemCount)
    throw new Error(
      `${slug}: the published items make forms of ${itemCount}, not ${view.postTest.itemCount}`,
    );
  return { view, forms, objectiveCodes, itemCount };
}
