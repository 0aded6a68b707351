// Checks of a seeded database, each one SQL statement counting the rows that break a rule, so a check reads the
// whole seed whatever its size (the tests run them on a small seed).
import type { Pool } from 'pg';

const countOf = async (pool: Pool, sql: string, values: unknown[] = []) =>
  Number(
    (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) AS broken`, values)).rows[0]!.n,
  );

/**
 * Rows the seed made without marking them synthetic: learners (the seed makes every learner of the database it fills),
 * activities besides the copied one, claims; and synthetic accounts outside the reserved .invalid domains.
 */
export async function rowsNotSynthetic(pool: Pool, source: string) {
  return {
    learners: await countOf(pool, `SELECT 1 FROM users WHERE NOT synthetic AND role = 'learner'`),
    activities: await countOf(pool, 'SELECT 1 FROM activities WHERE NOT synthetic AND slug <> $1', [source]),
    claims: await countOf(pool, 'SELECT 1 FROM credit_claims WHERE NOT synthetic'),
    emails: await countOf(
      pool,
      `SELECT 1 FROM users WHERE synthetic
         AND email NOT LIKE '%@synthetic.invalid' AND email NOT LIKE 'deleted-user-%@deleted.invalid'`,
    ),
  };
}

/** Every foreign key of the schema, checked row by row: "child.column → parent" for each violated one. */
export async function foreignKeyViolations(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ child: string; column: string; parent: string; key: string }>(`
    SELECT conrelid::regclass::text AS child, ca.attname AS column, confrelid::regclass::text AS parent,
      pa.attname AS key
    FROM pg_constraint
    JOIN pg_attribute ca ON ca.attrelid = conrelid AND ca.attnum = conkey[1]
    JOIN pg_attribute pa ON pa.attrelid = confrelid AND pa.attnum = confkey[1]
    WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND cardinality(conkey) = 1`);
  const broken: string[] = [];
  for (const fk of rows) {
    const violations = await countOf(
      pool,
      `SELECT 1 FROM ${fk.child} c WHERE c."${fk.column}" IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE p."${fk.key}" = c."${fk.column}")`,
    );
    if (violations > 0) broken.push(`${fk.child}.${fk.column} → ${fk.parent}: ${violations}`);
  }
  if (rows.length < 15) broken.push(`only ${rows.length} foreign keys found`);
  return broken;
}

const sorted = (array: string) => `(SELECT array_agg(x ORDER BY x) FROM unnest(${array}) AS x)`;

/** Each rule of a completion chain, as the rows breaking it. */
const CHAIN_RULES: Record<string, string> = {
  'claim → its passed attempt': `SELECT 1 FROM credit_claims c LEFT JOIN attempts a ON a.id = c.attempt_id
    WHERE a.id IS NULL OR a.user_id <> c.user_id OR a.activity_id <> c.activity_id OR a.status <> 'scored' OR NOT a.passed`,
  'claim → its evaluation, between the attempt and the claim': `SELECT 1 FROM credit_claims c
    JOIN evaluations e ON e.id = c.evaluation_id JOIN attempts a ON a.id = c.attempt_id
    WHERE e.user_id <> c.user_id OR e.activity_id <> c.activity_id
      OR NOT (a.submitted_at <= e.created_at AND e.created_at <= c.completed_at)`,
  'claim → one current certificate': `SELECT 1 FROM credit_claims c
    WHERE (SELECT count(*) FROM certificates x WHERE x.claim_id = c.id AND x.superseded_at IS NULL) <> 1`,
  'certificate snapshot = claim': `SELECT 1 FROM credit_claims c
    JOIN certificates x ON x.claim_id = c.id AND x.superseded_at IS NULL
    JOIN attempts a ON a.id = c.attempt_id JOIN activities act ON act.id = c.activity_id
    WHERE (x.snapshot->>'amount')::numeric <> c.amount OR x.snapshot->>'creditCode' <> c.credit_code
      OR x.snapshot->>'creditLabel' <> c.credit_label
      OR x.snapshot->>'completedOn' <> to_char(c.completed_at, 'YYYY-MM-DD')
      OR x.snapshot->>'learnerName' <> c.learner->>'fullName' OR x.snapshot->>'profession' <> c.learner->>'profession'
      OR (x.snapshot->>'scorePercent')::numeric <> a.score_percent OR x.snapshot->>'activitySlug' <> act.slug
      OR x.snapshot->>'activityVersion' <> left(act.content_hash, 12) OR x.code !~ '^[0-9a-f]{32}$'`,
  'credit type = the profession’s': `SELECT 1 FROM credit_claims c JOIN activities a ON a.id = c.activity_id
    WHERE c.credit_code <> a.details->'credit'->'types'->(c.learner->>'profession')->>'code'
      OR c.amount > c.max_amount OR c.amount <= 0 OR (c.amount * 4) <> trunc(c.amount * 4)
      OR c.max_amount <> a.max_credits OR c.attested_at <> c.completed_at`,
  'claim snapshot = the account (unless deleted; consent may be withdrawn)': `SELECT 1 FROM credit_claims c
    JOIN users u ON u.id = c.user_id
    WHERE u.deleted_at IS NULL AND (c.learner->>'fullName' <> u.full_name
      OR c.learner->>'profession' <> u.profession::text OR c.learner->>'degree' <> u.degree
      OR (c.learner->>'npi') IS DISTINCT FROM u.npi
      OR (c.learner->>'nabpEProfileId') IS DISTINCT FROM u.nabp_eprofile_id
      OR ((c.learner->>'consentToShare')::boolean = false AND u.consent_to_share))`,
  'attempt score = its responses': `SELECT 1 FROM attempts a
    LEFT JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE r.correct) AS right,
      array_agg(r.position ORDER BY r.position) AS positions FROM attempt_responses r WHERE r.attempt_id = a.id) s ON true
    WHERE s.n <> a.item_count OR s.right <> a.correct_count
      OR s.positions <> (SELECT array_agg(g) FROM generate_series(1, a.item_count) AS g)
      OR a.score_percent <> round(a.correct_count * 100.0 / a.item_count, 2)
      OR a.passed <> (a.score_percent >= a.passing_score_percent) OR a.status <> 'scored'
      OR NOT (a.started_at < a.submitted_at)`,
  'response correct = selected is the key': `SELECT 1 FROM attempt_responses r
    JOIN item_versions v ON v.id = r.item_version_id
    WHERE r.correct IS DISTINCT FROM (${sorted('r.selected')} = ${sorted('v.correct')})
      OR NOT (r.selected <@ r.option_order) OR cardinality(r.selected) = 0
      OR (v.type <> 'multiple' AND cardinality(r.selected) <> 1)
      OR ${sorted('r.option_order')} <> (SELECT array_agg(o->>'id' ORDER BY o->>'id') FROM jsonb_array_elements(v.options) o)`,
  'responses = published items of the activity, per objective as the post-test draws': `SELECT 1 FROM attempts a
    JOIN activities act ON act.id = a.activity_id
    JOIN attempt_responses r ON r.attempt_id = a.id JOIN item_versions v ON v.id = r.item_version_id
    JOIN items i ON i.id = v.item_id
    GROUP BY a.id, i.objective_id, act.details
    HAVING count(*) <> (act.details->'postTest'->>'itemsPerObjective')::int
      OR bool_or(i.activity_id <> a.activity_id OR i.published_version_id <> v.id OR i.status <> 'published')`,
  'attempts numbered 1…n, only the last passed': `SELECT 1 FROM attempts a
    WHERE a.number > 1 AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.user_id = a.user_id
      AND b.activity_id = a.activity_id AND b.number = a.number - 1 AND NOT b.passed AND b.submitted_at < a.started_at)`,
  'every lesson read before each attempt': `SELECT 1 FROM attempts a JOIN lessons l ON l.activity_id = a.activity_id
    LEFT JOIN lesson_views v ON v.user_id = a.user_id AND v.lesson_id = l.id
    WHERE v.id IS NULL OR v.first_viewed_at > a.started_at`,
  'reading inside its enrollment': `SELECT 1 FROM lesson_views v JOIN lessons l ON l.id = v.lesson_id
    LEFT JOIN enrollments e ON e.user_id = v.user_id AND e.activity_id = l.activity_id
    WHERE e.id IS NULL OR v.first_viewed_at < e.started_at OR v.last_viewed_at > e.last_active_at
      OR v.last_viewed_at <> v.first_viewed_at + make_interval(secs => v.seconds_spent)`,
  'revocation: reason, by the synthetic admin, audited': `SELECT 1 FROM certificates x
    LEFT JOIN users admin ON admin.id = x.revoked_by_id
    WHERE x.revoked_at IS NOT NULL AND (x.revoked_reason IS NULL OR x.revoked_at < x.issued_at
      OR admin.role <> 'admin' OR NOT admin.synthetic
      OR NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.action = 'certificate.revoke' AND l.target_id = x.id::text))`,
  'correction: superseded by the current certificate, recorded': `SELECT 1 FROM certificates old
    JOIN certificates cur ON cur.id = old.superseded_by_id JOIN credit_claims c ON c.id = old.claim_id
    LEFT JOIN claim_corrections k ON k.claim_id = c.id
    WHERE cur.claim_id <> old.claim_id OR cur.superseded_at IS NOT NULL OR k.id IS NULL
      OR k.to_amount <> c.amount OR (old.snapshot->>'amount')::numeric <> k.from_amount
      OR old.superseded_at <> k.created_at OR cur.issued_at <> k.created_at
      OR NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.action = 'record.correct' AND l.target_id = c.id::text
        AND l.details->>'supersededCode' = old.code AND l.details->>'code' = cur.code)`,
  'deleted accounts anonymised as the app does': `SELECT 1 FROM users u WHERE u.deleted_at IS NOT NULL
    AND (u.email <> 'deleted-user-' || u.id || '@deleted.invalid' OR u.password_hash IS NOT NULL
      OR u.full_name <> 'Deleted user' OR u.active OR u.consent_to_share OR u.npi IS NOT NULL)`,
};

/** The rules broken, with how many rows break each; {} when every chain holds. */
export async function chainProblems(pool: Pool): Promise<Record<string, number>> {
  const problems: Record<string, number> = {};
  for (const [rule, sql] of Object.entries(CHAIN_RULES)) {
    const broken = await countOf(pool, sql);
    if (broken > 0) problems[rule] = broken;
  }
  return problems;
}
