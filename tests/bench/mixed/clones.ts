// Rows in bulk for the mixed load, each a copy of rows the real app wrote for one learner who went the whole way
// through HTTP (cast.ts): more post-test attempts in progress for the submitters (as scenarios/submissions.ts
// clones them), more learners ready to claim credit (a passed attempt and an evaluation), and a month of completion
// records with certificates for the verifications and the export. One statement each.
import crypto from 'node:crypto';
import type { PrismaClient } from '../../../server/generated/prisma/client';

/** The learner whose rows are copied: a passed attempt, its evaluation and, for completions, its claim. */
export interface Template {
  userId: number;
  attemptId: number;
  evaluationId: number;
  claimId: number;
}

/**
 * `perSource` more in-progress attempts of each source attempt (same learner, items, positions and option order),
 * numbered after the learner's last. Returns the new attempts, by number then learner (consecutive ones are
 * different learners).
 */
export async function cloneAttemptsInProgress(
  prisma: PrismaClient,
  sourceAttemptIds: readonly number[],
  perSource: number,
): Promise<{ id: number; userId: number }[]> {
  const rows = await prisma.$queryRaw<{ id: number; user_id: number }[]>`
    WITH source AS (
      SELECT a.id, a.user_id, a.activity_id, a.item_count, a.passing_score_percent,
        (SELECT max(m.number) FROM attempts m WHERE m.user_id = a.user_id AND m.activity_id = a.activity_id) AS top
      FROM attempts a WHERE a.id = ANY(${[...sourceAttemptIds]}::int[])
    ), cloned AS (
      INSERT INTO attempts (user_id, activity_id, number, item_count, passing_score_percent)
      SELECT s.user_id, s.activity_id, s.top + g, s.item_count, s.passing_score_percent
      FROM source s CROSS JOIN generate_series(1, ${perSource}::int) AS g
      RETURNING id, user_id, number
    ), responses AS (
      INSERT INTO attempt_responses (attempt_id, item_version_id, position, option_order)
      SELECT c.id, r.item_version_id, r.position, r.option_order
      FROM cloned c JOIN source s ON s.user_id = c.user_id JOIN attempt_responses r ON r.attempt_id = s.id
    )
    SELECT id, user_id FROM cloned ORDER BY number, user_id`;
  return rows.map((row) => ({ id: row.id, userId: row.user_id }));
}

/** `count` new learners like the template's, each with a copy of its passed attempt and evaluation. */
export async function cloneClaimReady(
  prisma: PrismaClient,
  template: Template,
  count: number,
): Promise<number[]> {
  const tag = crypto.randomBytes(4).toString('hex');
  const rows = await prisma.$queryRaw<{ id: number }[]>`
    WITH new_users AS (
      INSERT INTO users (email, full_name, profession, degree, updated_at)
      SELECT 'bench.mixed.' || ${tag} || '.' || g || '@example.org', 'Mixed Learner ' || ${tag} || ' ' || g,
        u.profession, u.degree, now()
      FROM users u CROSS JOIN generate_series(1, ${count}::int) AS g WHERE u.id = ${template.userId}
      RETURNING id
    ), new_attempts AS (
      INSERT INTO attempts (user_id, activity_id, number, status, started_at, submitted_at, item_count,
        correct_count, score_percent, passed, passing_score_percent)
      SELECT nu.id, a.activity_id, 1, a.status, a.started_at, a.submitted_at, a.item_count, a.correct_count,
        a.score_percent, a.passed, a.passing_score_percent
      FROM new_users nu CROSS JOIN attempts a WHERE a.id = ${template.attemptId}
    ), new_evaluations AS (
      INSERT INTO evaluations (user_id, activity_id, objective_ratings, relevance, free_of_bias, bias_comment,
        intended_change, overall_quality)
      SELECT nu.id, e.activity_id, e.objective_ratings, e.relevance, e.free_of_bias, e.bias_comment,
        e.intended_change, e.overall_quality
      FROM new_users nu CROSS JOIN evaluations e WHERE e.id = ${template.evaluationId}
    )
    SELECT id FROM new_users ORDER BY id`;
  return rows.map((row) => row.id);
}

/**
 * `count` completion records like the template's claim and certificate, by new learners, completed over the
 * `days` days before today (none today: an export of those days holds the same rows whatever is claimed during the
 * run). Returns the certificates' codes, 128 random bits each as the app makes them.
 */
export async function cloneCompletions(
  prisma: PrismaClient,
  template: Template,
  count: number,
  days: number,
): Promise<string[]> {
  const userIds = await cloneClaimReady(prisma, template, count);
  const codes = userIds.map(() => crypto.randomBytes(16).toString('hex'));
  await prisma.$executeRaw`
    WITH learners AS (
      SELECT n.user_id, n.code, n.ordinal, u.full_name, a.id AS attempt_id, e.id AS evaluation_id,
        date_trunc('day', now()) - make_interval(days => (1 + n.ordinal % ${days}::int)::int)
          + make_interval(secs => (n.ordinal % 80000)::float8) AS completed_at
      FROM unnest(${userIds}::int[], ${codes}::text[]) WITH ORDINALITY AS n(user_id, code, ordinal)
      JOIN users u ON u.id = n.user_id
      JOIN attempts a ON a.user_id = n.user_id
      JOIN evaluations e ON e.user_id = n.user_id
    ), claims AS (
      INSERT INTO credit_claims (user_id, activity_id, attempt_id, evaluation_id, credit_code, credit_label,
        amount, max_amount, completed_at, attested_at, learner)
      SELECT l.user_id, c.activity_id, l.attempt_id, l.evaluation_id, c.credit_code, c.credit_label, c.amount,
        c.max_amount, l.completed_at, l.completed_at,
        c.learner || jsonb_build_object('fullName', l.full_name)
      FROM learners l CROSS JOIN credit_claims c WHERE c.id = ${template.claimId}
      RETURNING id, user_id, completed_at
    )
    INSERT INTO certificates (claim_id, code, snapshot, issued_at)
    SELECT cl.id, l.code,
      t.snapshot || jsonb_build_object('learnerName', l.full_name,
        'completedOn', to_char(cl.completed_at, 'YYYY-MM-DD')),
      cl.completed_at
    FROM claims cl JOIN learners l ON l.user_id = cl.user_id
    CROSS JOIN certificates t WHERE t.claim_id = ${template.claimId} AND t.superseded_at IS NULL`;
  await prisma.$executeRaw`ANALYZE users, attempts, evaluations, credit_claims, certificates`;
  return codes;
}
