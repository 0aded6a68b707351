// What the export tests read back or add besides the factories: the audit entries exports leave, and synthetic
// records in bulk.
//
// Synthetic records are what `npm run seed:scale` makes for load tests: rows marked synthetic (users.synthetic,
// credit_claims.synthetic), never a real learner's. Here they are copies of one completion that the real services
// made, so that an export has thousands of rows (enough to be aborted half-way) in a second: every row is marked
// synthetic, as the export excludes them unless asked, and nothing pretends to be a real learner's record.
import type { TestApp } from '../support/app';

export const exportAudits = (t: TestApp) =>
  t.db.prisma.auditEntry.findMany({ where: { action: { startsWith: 'export.' } }, orderBy: { id: 'asc' } });

/** The newest audit entry of an export. */
export const lastExportAudit = (t: TestApp) =>
  t.db.prisma.auditEntry.findFirstOrThrow({
    where: { action: { startsWith: 'export.' } },
    orderBy: { id: 'desc' },
  });

/**
 * `count` synthetic copies of the claim `claimId` (its attempt, evaluation and certificate too), each by its own
 * synthetic learner, completed one second apart before the original. Returns the new claims' ids.
 */
export async function addSyntheticCopies(t: TestApp, claimId: number, count: number): Promise<number[]> {
  const tag = Math.random().toString(36).slice(2, 8);
  return t.db.prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`
      CREATE TEMP TABLE copies ON COMMIT DROP AS
      SELECT g AS n, 'synthetic-' || ${tag} || '-' || g || '@synthetic.invalid' AS email
      FROM generate_series(1, ${count}::int) AS g`;
      await tx.$executeRaw`
      INSERT INTO users (email, full_name, profession, degree, synthetic, updated_at)
      SELECT email, 'Synthetic Learner ' || n, 'physician', 'MD', true, now() FROM copies`;
      await tx.$executeRaw`
      INSERT INTO attempts (user_id, activity_id, number, status, started_at, submitted_at, correct_count,
        item_count, score_percent, passed, passing_score_percent)
      SELECT u.id, a.activity_id, 1, a.status, a.started_at, a.submitted_at, a.correct_count, a.item_count,
        a.score_percent, a.passed, a.passing_score_percent
      FROM copies k JOIN users u ON u.email = k.email
      CROSS JOIN credit_claims c JOIN attempts a ON a.id = c.attempt_id
      WHERE c.id = ${claimId}`;
      await tx.$executeRaw`
      INSERT INTO evaluations (user_id, activity_id, objective_ratings, relevance, free_of_bias, bias_comment,
        intended_change, overall_quality)
      SELECT u.id, e.activity_id, e.objective_ratings, e.relevance, e.free_of_bias, e.bias_comment,
        e.intended_change, e.overall_quality
      FROM copies k JOIN users u ON u.email = k.email
      CROSS JOIN credit_claims c JOIN evaluations e ON e.id = c.evaluation_id
      WHERE c.id = ${claimId}`;
      const claims = await tx.$queryRaw<{ id: number }[]>`
      INSERT INTO credit_claims (user_id, activity_id, attempt_id, evaluation_id, credit_code, credit_label, amount,
        max_amount, completed_at, attested_at, learner, synthetic)
      SELECT u.id, c.activity_id, a.id, e.id, c.credit_code, c.credit_label, c.amount, c.max_amount,
        c.completed_at - k.n * interval '1 second', c.attested_at - k.n * interval '1 second',
        c.learner || jsonb_build_object('fullName', 'Synthetic Learner ' || k.n), true
      FROM copies k JOIN users u ON u.email = k.email
      JOIN attempts a ON a.user_id = u.id
      JOIN evaluations e ON e.user_id = u.id
      CROSS JOIN credit_claims c
      WHERE c.id = ${claimId}
      RETURNING id`;
      await tx.$executeRaw`
      INSERT INTO certificates (claim_id, code, snapshot, issued_at)
      SELECT n.id, md5(n.id::text || random()::text), o.snapshot, n.completed_at
      FROM credit_claims n JOIN certificates o ON o.claim_id = ${claimId} AND o.superseded_at IS NULL
      WHERE n.id = ANY(${claims.map((claim) => claim.id)}::int[])`;
      return claims.map((claim) => claim.id);
    },
    { timeout: 120_000 },
  );
}
