// What every batch reads, prepared once: per synthetic copy its lessons and pre-drawn post-test forms (drawn by the
// post-test's own drawForm from the copy's published items), and what a certificate states (from the catalogue's
// ActivityView, as the claim service builds it). Each writing connection gets them as temporary tables.
import type { Client } from 'pg';
import type { Catalogue } from '../../catalogue/service';
import { uanFor } from '../../content/schema';
import type { PrismaClient } from '../../generated/prisma/client';
import { Profession } from '../../generated/prisma/enums';
import { copyForms, type FormRow } from './forms';
import type { CopyPlanInfo } from './plan';
import { seedTexts } from './texts';

export interface SessionConstants {
  /** The synthetic admin who revoked certificates and corrected claims. */
  adminId: number;
  /** One Argon2id hash shared by every synthetic learner, or null: they cannot sign in. */
  passwordHash: string | null;
}

export interface CopyReference extends CopyPlanInfo {
  slug: string;
  title: string;
  /** As certificates state it: the content hash's first 12 characters. */
  version: string;
  maxCreditsText: string;
  providerName: string;
  accreditation: string;
  lessonIds: number[];
  forms: FormRow[];
}

export interface SeedReference {
  copies: CopyReference[];
  credit: { profession: string; code: string; label: string; designation: string; uan: string | null }[];
}

/** Reads the copies (in slot order) through the catalogue and Prisma, and draws their forms. */
export async function loadReference(
  prisma: PrismaClient,
  catalogue: Catalogue,
  slugs: string[],
  seed: number,
): Promise<SeedReference> {
  const copies: CopyReference[] = [];
  let first: Awaited<ReturnType<typeof copyForms>>['view'] | undefined;
  for (const slug of slugs) {
    const { view, forms, objectiveCodes, itemCount } = await copyForms(prisma, catalogue, slug, seed);
    first ??= view;
    copies.push({
      activityId: view.id,
      slug: view.slug,
      title: view.title,
      version: view.contentHash.slice(0, 12),
      lessonCount: view.lessons.length,
      lessonIds: view.lessons.map((lesson) => lesson.id),
      itemCount,
      passingScorePercent: view.postTest.passingScorePercent,
      maxCredits: Number(view.credits),
      maxCreditsText: view.credits,
      objectiveCodes,
      providerName: view.provider.name,
      accreditation: view.statements.accreditation,
      forms,
    });
  }
  if (!first) throw new Error('no synthetic copies to read');
  const view = first;
  const credit = Object.values(Profession).map((profession) => {
    const type = view.creditTypeByProfession[profession];
    const designation = view.creditTypes.find((t) => t.code === type.code)!.designation;
    return {
      profession,
      code: type.code,
      label: type.label,
      designation,
      uan: uanFor(view.reporting, profession),
    };
  });
  return { copies, credit };
}

/**
 * Settings and the reference tables of one writing connection (temporary: they go with the connection). Returns
 * whether foreign keys are checked row by row.
 *
 * Those checks are most of the cost of a bulk load (measured: 60 % of a batch), and every key the seed writes is
 * either read from the database (copies, lessons, item versions) or made in the same transaction, so where the role
 * may (a superuser, or one granted SET on session_replication_role), they are skipped as pg_restore does;
 * tests/seed/seed-scale.test.ts checks every foreign key of a seeded database.
 */
export async function prepareSession(
  client: Client,
  reference: SeedReference,
): Promise<{ foreignKeyChecks: boolean }> {
  // UTC: timestamps are written as Prisma writes them. A seed that dies loses only its last batches, which a
  // re-run writes again, so commits need not wait for the disk.
  await client.query(`SET TimeZone = 'UTC'; SET synchronous_commit = off; SET work_mem = '32MB'`);
  const foreignKeyChecks = await client.query('SET session_replication_role = replica').then(
    () => false,
    () => true,
  );
  await client.query(`
    CREATE TEMP TABLE seed_copy (activity_id int PRIMARY KEY, slug text, title text, version text,
      max_credits numeric(4,2), max_amount_text text, passing_score_percent int, provider_name text, accreditation text);
    CREATE TEMP TABLE seed_lesson (activity_id int, lesson_id int, rank int, PRIMARY KEY (activity_id, rank));
    CREATE TEMP TABLE seed_form (activity_id int, form int, position int, item_version_id int, option_order text[],
      right_answer text[], wrong_answer text[], ranks int[], PRIMARY KEY (activity_id, form, position));
    CREATE TEMP TABLE seed_credit (profession text PRIMARY KEY, code text, label text, designation text, uan text);
    CREATE TEMP TABLE seed_text (bias_comments text[], intended_changes text[], revoke_reasons text[],
      correction_reasons text[]);`);
  const fill = (table: string, columns: string, rows: unknown[]) =>
    client.query(`INSERT INTO ${table} SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${columns})`, [
      JSON.stringify(rows),
    ]);
  await fill(
    'seed_copy',
    'activity_id int, slug text, title text, version text, max_credits numeric, max_amount_text text, passing_score_percent int, provider_name text, accreditation text',
    reference.copies.map((c) => ({
      activity_id: c.activityId,
      slug: c.slug,
      title: c.title,
      version: c.version,
      max_credits: c.maxCredits,
      max_amount_text: c.maxCreditsText,
      passing_score_percent: c.passingScorePercent,
      provider_name: c.providerName,
      accreditation: c.accreditation,
    })),
  );
  await fill(
    'seed_lesson',
    'activity_id int, lesson_id int, rank int',
    reference.copies.flatMap((c) =>
      c.lessonIds.map((id, i) => ({ activity_id: c.activityId, lesson_id: id, rank: i + 1 })),
    ),
  );
  await fill(
    'seed_form',
    'activity_id int, form int, position int, item_version_id int, option_order text[], right_answer text[], wrong_answer text[], ranks int[]',
    reference.copies.flatMap((c) => c.forms),
  );
  await fill(
    'seed_credit',
    'profession text, code text, label text, designation text, uan text',
    reference.credit,
  );
  await client.query(`INSERT INTO seed_text VALUES ($1, $2, $3, $4)`, [
    seedTexts.biasComments,
    seedTexts.intendedChanges,
    seedTexts.revokeReasons,
    seedTexts.correctionReasons,
  ]);
  await client.query('ANALYZE seed_copy, seed_lesson, seed_form, seed_credit');
  return { foreignKeyChecks };
}

/**
 * A certificate's snapshot, as the claim service writes it (certificates/snapshot.ts CertificateSnapshot), over
 * b_record r, users u, b_attempt a (the passed attempt), seed_copy c and seed_credit k.
 */
export const snapshotSql = (amount: string) => `jsonb_build_object(
  'learnerName', u.full_name, 'learnerDegree', u.degree, 'profession', u.profession::text,
  'activityTitle', c.title, 'activitySlug', c.slug, 'activityVersion', c.version,
  'completedOn', to_char(r.anchor, 'YYYY-MM-DD'), 'creditCode', k.code, 'creditLabel', k.label,
  'amount', ${amount}, 'maxAmount', c.max_amount_text,
  'scorePercent', trim_scale(round(a.correct_count * 100.0 / a.item_count, 2))::text,
  'providerName', c.provider_name, 'accreditationStatement', c.accreditation,
  'designationStatement', k.designation, 'uan', k.uan)`;
