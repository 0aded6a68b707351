// The statements of one batch (batch.ts runs them in this order, in one transaction). The plan's rows arrive as
// arrays (unnest) into temporary tables (b_learner, b_record, b_attempt); ids come from the tables' own sequences;
// each table is then one INSERT … SELECT, lesson views and attempt responses expanded from the copy's lessons and
// pre-drawn forms (session.ts).
import { snapshotSql, type SessionConstants } from './session';

/** epoch seconds (float8) → timestamp(3) in UTC, as Prisma stores DateTime. */
const ts = (expression: string) => `(to_timestamp(${expression}) AT TIME ZONE 'UTC')`;

export const LEARNERS_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[],
    $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::bool[], $15::float8[])
    WITH ORDINALITY AS x(email, full_name, profession, degree, nabp, birth_month, birth_day, npi, license_state,
      license_number, board, board_id, consent, active, created, position)
), inserted AS (
  INSERT INTO users (email, password_hash, role, full_name, profession, degree, nabp_eprofile_id, birth_month,
    birth_day, npi, license_state, license_number, certifying_board, board_id, consent_to_share, active, synthetic,
    created_at, updated_at)
  SELECT email, $16, 'learner', full_name, profession::"Profession", degree, nabp, birth_month, birth_day, npi,
    license_state, license_number, board, board_id, consent, active, true, ${ts('created')}, ${ts('created')}
  FROM input
  RETURNING id, email
)
INSERT INTO b_learner SELECT input.position - 1, inserted.id FROM inserted JOIN input USING (email)`;

export const RECORDS_SQL = `
INSERT INTO b_record
SELECT x.position - 1, l.user_id, x.activity_id, x.stage, x.lessons_read, ${ts('x.started_at')}, x.span_s,
  ${ts('x.anchor')}, ${ts('x.evaluated_at')}, x.amount, x.amount_text, x.from_amount, x.from_amount_text,
  x.ratings::jsonb, x.relevance, x.free_of_bias, x.bias, x.change, x.quality,
  ${ts('x.revoked_at')}, x.revoke_reason, ${ts('x.corrected_at')}, x.correction_reason,
  CASE WHEN x.stage >= 5 THEN nextval('evaluations_id_seq') END,
  CASE WHEN x.stage = 6 THEN nextval('credit_claims_id_seq') END,
  CASE WHEN x.stage = 6 THEN nextval('certificates_id_seq') END,
  CASE WHEN x.stage = 6 THEN md5(gen_random_uuid()::text) END,
  CASE WHEN x.corrected_at IS NOT NULL THEN nextval('certificates_id_seq') END,
  CASE WHEN x.corrected_at IS NOT NULL THEN md5(gen_random_uuid()::text) END
FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::float8[],
  $9::numeric[], $10::text[], $11::numeric[], $12::text[], $13::text[], $14::int[], $15::bool[], $16::int[],
  $17::int[], $18::int[], $19::float8[], $20::int[], $21::float8[], $22::int[])
  WITH ORDINALITY AS x(learner, activity_id, stage, lessons_read, started_at, span_s, anchor, evaluated_at, amount,
    amount_text, from_amount, from_amount_text, ratings, relevance, free_of_bias, bias, change, quality, revoked_at,
    revoke_reason, corrected_at, correction_reason, position)
JOIN b_learner l ON l.position = x.learner`;

export const ATTEMPTS_PLAN_SQL = `
INSERT INTO b_attempt
SELECT nextval('attempts_id_seq'), x.* FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[],
  $7::bool[], $8::float8[], $9::float8[])
  AS x(record, number, form, variant, correct_count, item_count, passes, started_at, submitted_at)`;

/**
 * The reading of a record: its lessons opened one after another, one slot of the record's span each (span / lessons
 * read), and the seconds spent on each (40 s to 6.5 min, never more than its slot, so a lesson's time ends before the
 * next one opens). The same for a record and lesson every time (a hash, not random()).
 */
const slot = 'r.span_s / r.lessons_read';
const lessonSeconds = (lessonRank: string) =>
  `least(floor(${slot}), 40 + (hashint8(r.position::bigint * 64 + ${lessonRank} + $1)::bigint & 2147483647) % 360)::int`;

/** After b_learner, b_record and b_attempt are filled: every row of every table, in foreign-key order. */
export const WRITES_SQL = (constants: SessionConstants) => [
  `INSERT INTO enrollments (user_id, activity_id, started_at, last_active_at)
   SELECT r.user_id, r.activity_id, r.started_at,
     r.started_at + make_interval(secs => ${slot} * (r.lessons_read - 1) + ${lessonSeconds('r.lessons_read')})
   FROM b_record r`,
  `INSERT INTO lesson_views (user_id, lesson_id, first_viewed_at, last_viewed_at, seconds_spent)
   SELECT r.user_id, l.lesson_id, v.first_viewed_at, v.first_viewed_at + make_interval(secs => v.seconds), v.seconds
   FROM b_record r JOIN seed_lesson l ON l.activity_id = r.activity_id AND l.rank <= r.lessons_read
   CROSS JOIN LATERAL (SELECT ${lessonSeconds('l.rank')} AS seconds,
     r.started_at + make_interval(secs => ${slot} * (l.rank - 1)) AS first_viewed_at) v`,
  `INSERT INTO attempts (id, user_id, activity_id, number, status, started_at, submitted_at, correct_count, item_count,
     score_percent, passed, passing_score_percent)
   SELECT a.id, r.user_id, r.activity_id, a.number, 'scored', ${ts('a.started_at')}, ${ts('a.submitted_at')},
     a.correct_count, a.item_count, round(a.correct_count * 100.0 / a.item_count, 2),
     round(a.correct_count * 100.0 / a.item_count, 2) >= c.passing_score_percent, c.passing_score_percent
   FROM b_attempt a JOIN b_record r ON r.position = a.record JOIN seed_copy c ON c.activity_id = r.activity_id`,
  // The wrong answers of an attempt are its items of lowest rank in the attempt's variant (harder items rank lower).
  `INSERT INTO attempt_responses (attempt_id, item_version_id, position, option_order, selected, correct)
   SELECT a.id, f.item_version_id, f.position, f.option_order,
     CASE WHEN f.ranks[a.variant + 1] <= a.item_count - a.correct_count THEN f.wrong_answer ELSE f.right_answer END,
     f.ranks[a.variant + 1] > a.item_count - a.correct_count
   FROM b_attempt a JOIN b_record r ON r.position = a.record
   JOIN seed_form f ON f.activity_id = r.activity_id AND f.form = a.form`,
  `INSERT INTO evaluations (id, user_id, activity_id, objective_ratings, relevance, free_of_bias, bias_comment,
     intended_change, overall_quality, created_at)
   SELECT r.evaluation_id, r.user_id, r.activity_id, r.ratings, r.relevance, r.free_of_bias,
     CASE WHEN NOT r.free_of_bias THEN t.bias_comments[r.bias] END, t.intended_changes[r.change], r.quality, r.evaluated_at
   FROM b_record r CROSS JOIN seed_text t WHERE r.evaluation_id IS NOT NULL`,
  `INSERT INTO credit_claims (id, user_id, activity_id, attempt_id, evaluation_id, credit_code, credit_label, amount,
     max_amount, completed_at, attested_at, learner, synthetic)
   SELECT r.claim_id, r.user_id, r.activity_id, a.id, r.evaluation_id, k.code, k.label, r.amount, c.max_credits,
     r.anchor, r.anchor,
     jsonb_build_object('fullName', u.full_name, 'degree', u.degree, 'profession', u.profession,
       'nabpEProfileId', u.nabp_eprofile_id, 'birthMonth', u.birth_month, 'birthDay', u.birth_day, 'npi', u.npi,
       'licenseState', u.license_state, 'licenseNumber', u.license_number, 'certifyingBoard', u.certifying_board,
       'boardId', u.board_id, 'consentToShare', u.consent_to_share), true
   FROM b_record r JOIN b_attempt a ON a.record = r.position AND a.passes
   JOIN users u ON u.id = r.user_id JOIN seed_copy c ON c.activity_id = r.activity_id
   JOIN seed_credit k ON k.profession = u.profession::text
   WHERE r.claim_id IS NOT NULL`,
  `INSERT INTO certificates (id, claim_id, code, snapshot, issued_at, revoked_at, revoked_reason, revoked_by_id)
   SELECT r.certificate_id, r.claim_id, r.certificate_code, ${snapshotSql('r.amount_text')},
     coalesce(r.corrected_at, r.anchor), r.revoked_at, t.revoke_reasons[r.revoke_reason],
     CASE WHEN r.revoked_at IS NOT NULL THEN ${constants.adminId} END
   FROM b_record r JOIN b_attempt a ON a.record = r.position AND a.passes
   JOIN users u ON u.id = r.user_id JOIN seed_copy c ON c.activity_id = r.activity_id
   JOIN seed_credit k ON k.profession = u.profession::text CROSS JOIN seed_text t
   WHERE r.claim_id IS NOT NULL`,
  // A corrected claim: the certificate first issued (with the amount first claimed), superseded by the current one.
  `INSERT INTO certificates (id, claim_id, code, snapshot, issued_at, superseded_at, superseded_by_id)
   SELECT r.old_certificate_id, r.claim_id, r.old_certificate_code, ${snapshotSql('r.from_amount_text')},
     r.anchor, r.corrected_at, r.certificate_id
   FROM b_record r JOIN b_attempt a ON a.record = r.position AND a.passes
   JOIN users u ON u.id = r.user_id JOIN seed_copy c ON c.activity_id = r.activity_id
   JOIN seed_credit k ON k.profession = u.profession::text
   WHERE r.old_certificate_id IS NOT NULL`,
  `INSERT INTO claim_corrections (claim_id, actor_id, from_amount, to_amount, from_credit_code, to_credit_code, reason,
     created_at)
   SELECT r.claim_id, ${constants.adminId}, r.from_amount, r.amount, k.code, k.code,
     t.correction_reasons[r.correction_reason], r.corrected_at
   FROM b_record r JOIN users u ON u.id = r.user_id JOIN seed_credit k ON k.profession = u.profession::text
   CROSS JOIN seed_text t WHERE r.old_certificate_id IS NOT NULL`,
  `INSERT INTO audit_log (actor_id, action, target_type, target_id, details, created_at)
   SELECT ${constants.adminId}, 'certificate.revoke', 'certificate', r.certificate_id::text,
     jsonb_build_object('code', r.certificate_code, 'claimId', r.claim_id, 'reason', t.revoke_reasons[r.revoke_reason]),
     r.revoked_at
   FROM b_record r CROSS JOIN seed_text t WHERE r.revoked_at IS NOT NULL
   UNION ALL
   -- A correction's entry as server/records/correction.ts writes it.
   SELECT ${constants.adminId}, 'record.correct', 'claim', r.claim_id::text,
     jsonb_build_object('from', jsonb_build_object('amount', r.from_amount_text, 'creditCode', k.code),
       'to', jsonb_build_object('amount', r.amount_text, 'creditCode', k.code),
       'reason', t.correction_reasons[r.correction_reason], 'supersededCode', r.old_certificate_code,
       'code', r.certificate_code),
     r.corrected_at
   FROM b_record r JOIN users u ON u.id = r.user_id JOIN seed_credit k ON k.profession = u.profession::text
   CROSS JOIN seed_text t WHERE r.old_certificate_id IS NOT NULL`,
];

/** After the claims (whose snapshots keep what the learner gave): consent withdrawn, accounts deleted as the app does. */
export const LATER_SQL = [
  `UPDATE users u SET consent_to_share = false, updated_at = ${ts('x.at')}
   FROM unnest($1::int[], $2::float8[]) AS x(learner, at) JOIN b_learner l ON l.position = x.learner
   WHERE u.id = l.user_id`,
  `WITH deleted AS (
     UPDATE users u SET email = 'deleted-user-' || u.id || '@deleted.invalid', password_hash = NULL,
       full_name = 'Deleted user', degree = '', nabp_eprofile_id = NULL, birth_month = NULL, birth_day = NULL,
       npi = NULL, license_state = NULL, license_number = NULL, certifying_board = NULL, board_id = NULL,
       consent_to_share = false, active = false, deleted_at = ${ts('x.at')}, updated_at = ${ts('x.at')}
     FROM unnest($1::int[], $2::float8[]) AS x(learner, at) JOIN b_learner l ON l.position = x.learner
     WHERE u.id = l.user_id
     RETURNING u.id, u.deleted_at)
   INSERT INTO audit_log (actor_id, action, target_type, target_id, created_at)
   SELECT id, 'user.delete_account', 'user', id::text, deleted_at FROM deleted`,
];

export const TEMP_TABLES_SQL = `
CREATE TEMP TABLE b_learner (position int PRIMARY KEY, user_id int NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE b_record (position int PRIMARY KEY, user_id int, activity_id int, stage int, lessons_read int,
  started_at timestamp(3), span_s float8, anchor timestamp(3), evaluated_at timestamp(3), amount numeric(4,2),
  amount_text text, from_amount numeric(4,2), from_amount_text text, ratings jsonb, relevance int,
  free_of_bias bool, bias int, change int, quality int, revoked_at timestamp(3), revoke_reason int,
  corrected_at timestamp(3), correction_reason int, evaluation_id int, claim_id int, certificate_id int,
  certificate_code text, old_certificate_id int, old_certificate_code text) ON COMMIT DROP;
CREATE TEMP TABLE b_attempt (id int PRIMARY KEY, record int, number int, form int, variant int, correct_count int,
  item_count int, passes bool, started_at float8, submitted_at float8) ON COMMIT DROP;`;
