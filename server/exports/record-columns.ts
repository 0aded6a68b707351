// The columns of the admins' CSV of completion records (all records with the records page's filters, or a whole
// activity), declared once: the header and the SQL that gives the cell as text. PostgreSQL formats every value
// (dates as ISO days, amounts as the certificates print them), so Node only quotes and neutralises; that keeps a
// million-row export close to PostgreSQL's own COPY of the same query.
import { CONSENTED_SQL } from '../records/filters';

export interface RecordColumn {
  header: string;
  /** Its name in the query's result (from the header when not given). */
  name?: string;
  /** A text expression over RECORD_SOURCE_SQL's aliases (c claim, u user, a activity, t attempt, cert). */
  sql: string;
  /** Text a person typed (names, degree): shown without invisible format characters stored before they were refused. */
  typed?: boolean;
}

/** 0.5 → "0.5", 1 → "1.0", as formatCredits (server/catalogue/view-model.ts) prints amounts. */
export const creditsSql = (amount: string) =>
  `CASE WHEN ${amount} = trunc(${amount}) THEN trunc(${amount})::text || '.0' ELSE trim_scale(${amount})::text END`;

export const RECORD_COLUMNS: readonly RecordColumn[] = [
  { header: 'Claim ID', sql: 'c.id::text' },
  { header: 'Completed on', sql: `to_char(c.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')` },
  { header: 'Learner', sql: `c.learner->>'fullName'`, typed: true },
  { header: 'Email', sql: 'u.email', typed: true },
  { header: 'Profession', sql: `c.learner->>'profession'` },
  { header: 'Degree', sql: `c.learner->>'degree'`, typed: true },
  { header: 'Activity', sql: 'a.title' },
  { header: 'Activity slug', sql: 'a.slug' },
  { header: 'Credit type', sql: 'c.credit_label' },
  { header: 'Credit code', sql: 'c.credit_code' },
  { header: 'Amount', sql: creditsSql('c.amount') },
  { header: 'Score (%)', sql: 'trim_scale(t.score_percent)::text' },
  {
    header: 'Attempts',
    name: 'scored_attempts',
    sql: `(SELECT count(*) FROM attempts n
      WHERE n.user_id = c.user_id AND n.activity_id = c.activity_id AND n.status = 'scored')::text`,
  },
  { header: 'Certificate code', sql: 'cert.code' },
  {
    header: 'Certificate',
    sql: `CASE WHEN cert.id IS NULL THEN 'none' WHEN cert.revoked_at IS NOT NULL THEN 'revoked' ELSE 'valid' END`,
  },
  { header: 'Consent to share', sql: `CASE WHEN ${CONSENTED_SQL} THEN 'yes' ELSE 'no' END` },
];
