// Writes loaded content into the database in one transaction, keyed by slug and content hash:
// an unchanged activity is a no-op, a changed lesson is updated in place.
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { LoadedActivity, LoadedContent } from './load';

export interface SyncReport {
  slug: string;
  status: 'created' | 'updated' | 'unchanged';
  lessonsChanged: number;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

async function syncActivity(tx: Tx, loaded: LoadedActivity) {
  const { activity, lessons, references, contentHash } = loaded;
  const existing = await tx.activity.findUnique({
    where: { slug: activity.slug },
    select: { id: true, contentHash: true },
  });
  if (existing?.contentHash === contentHash) {
    return { slug: activity.slug, status: 'unchanged', lessonsChanged: 0 } satisfies SyncReport;
  }
  const fields = {
    title: activity.title,
    description: activity.description,
    contentHash,
    releaseDate: activity.releaseDate,
    reviewDate: activity.reviewDate,
    expirationDate: activity.expirationDate,
    estimatedMinutes: activity.estimatedMinutes,
    maxCredits: activity.credit.maximum,
    passingScorePercent: activity.postTest.passingScorePercent,
    details: JSON.parse(JSON.stringify(activity)) as Prisma.InputJsonValue,
  };
  const { id: activityId } = await tx.activity.upsert({
    where: { slug: activity.slug },
    create: { slug: activity.slug, ...fields },
    update: fields,
    select: { id: true },
  });

  await tx.objective.deleteMany({
    where: { activityId, code: { notIn: activity.objectives.map((o) => o.code) } },
  });
  for (const [index, objective] of activity.objectives.entries()) {
    const data = { position: index + 1, text: objective.text };
    await tx.objective.upsert({
      where: { activityId_code: { activityId, code: objective.code } },
      create: { activityId, code: objective.code, ...data },
      update: data,
    });
  }

  const storedLessons = await tx.lesson.findMany({
    where: { activityId },
    select: { slug: true, contentHash: true, position: true },
  });
  const stored = new Map(storedLessons.map((lesson) => [lesson.slug, lesson]));
  await tx.lesson.deleteMany({ where: { activityId, slug: { notIn: lessons.map((l) => l.slug) } } });
  let lessonsChanged = 0;
  for (const lesson of lessons) {
    const before = stored.get(lesson.slug);
    if (before?.contentHash === lesson.contentHash && before.position === lesson.position) continue;
    lessonsChanged += 1;
    const { slug, ...data } = lesson;
    await tx.lesson.upsert({
      where: { activityId_slug: { activityId, slug } },
      create: { activityId, slug, ...data },
      update: data,
    });
  }

  await tx.reference.deleteMany({ where: { activityId, number: { gt: references.length } } });
  for (const reference of references) {
    const data = {
      citation: reference.citation,
      pmid: reference.pmid ?? null,
      doi: reference.doi ?? null,
      evidenceLevel: reference.evidenceLevel?.level ?? null,
      evidenceLabel: reference.evidenceLevel?.label ?? null,
    };
    await tx.reference.upsert({
      where: { activityId_number: { activityId, number: reference.number } },
      create: { activityId, number: reference.number, ...data },
      update: data,
    });
  }
  await syncItems(tx, activityId, loaded.items);
  return {
    slug: activity.slug,
    status: existing ? 'updated' : 'created',
    lessonsChanged,
  } satisfies SyncReport;
}

/**
 * Items from items.yaml are published as version 1; a changed wording adds a new published version (attempts keep
 * the one they showed). Items authored or edited in the browser are never touched: an educator's edit turns a
 * content item into an authored one, so a restart cannot overwrite it. Content items removed from the file retire.
 */
async function syncItems(tx: Tx, activityId: number, items: LoadedActivity['items']) {
  const objectives = await tx.objective.findMany({ where: { activityId }, select: { id: true, code: true } });
  const objectiveId = new Map(objectives.map((o) => [o.code, o.id]));
  for (const item of items) {
    const existing = await tx.item.findUnique({
      where: { activityId_key: { activityId, key: item.key } },
      include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
    });
    if (existing && existing.source !== 'content') continue;
    const latest = existing?.versions[0];
    if (latest?.contentHash === item.contentHash) continue;
    const version = {
      version: (latest?.version ?? 0) + 1,
      type: item.type,
      stem: item.stem,
      options: item.options,
      correct: item.correct,
      rationale: item.rationale,
      sectionSlug: item.section,
      references: item.references,
      contentHash: item.contentHash,
    };
    const objective = objectiveId.get(item.objective)!;
    const { id: itemId } = existing
      ? await tx.item.update({
          where: { id: existing.id },
          data: { objectiveId: objective },
          select: { id: true },
        })
      : await tx.item.create({
          data: { activityId, objectiveId: objective, key: item.key, source: 'content' },
          select: { id: true },
        });
    // content/ is reviewed in the repository: its versions are published directly, replacing the live one.
    await tx.itemVersion.updateMany({ where: { itemId, state: 'published' }, data: { state: 'superseded' } });
    const created = await tx.itemVersion.create({
      data: { itemId, ...version, state: 'published' },
      select: { id: true },
    });
    await tx.item.update({
      where: { id: itemId },
      data: { status: 'published', publishedVersionId: created.id, lockVersion: { increment: 1 } },
    });
  }
  await tx.item.updateMany({
    where: {
      activityId,
      source: 'content',
      key: { notIn: items.map((item) => item.key) },
      status: { not: 'retired' },
    },
    data: { status: 'retired' },
  });
}

export async function syncContent(prisma: PrismaClient, content: LoadedContent): Promise<SyncReport[]> {
  return prisma.$transaction(
    async (tx) => {
      const reports: SyncReport[] = [];
      for (const activity of content.activities) reports.push(await syncActivity(tx, activity));
      return reports;
    },
    { timeout: 30_000 },
  );
}
