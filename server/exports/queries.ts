// The exports' hand-written SQL, read through a cursor on node-postgres (stream.ts): Prisma cannot stream rows, and
// a million-row export must never be loaded whole. Every statement is the records page's source and filters
// (server/records/filters.ts), so an export holds exactly the rows the admin saw, newest first. Rows marked
// synthetic (npm run seed:scale) are never read for an accreditor; the admins' CSV reads them only when asked.
// tests/db/hand-written-sql.test.ts pins the tables and columns named here to prisma/schema.prisma.
import { CONSENTED_SQL, RECORD_SOURCE_SQL, recordConditionSql, type RecordFilters } from '../records/filters';
import { CPE_PROFESSIONS } from './cpe-columns';
import { PARS_CREDIT_CODES } from './pars-columns';
import { RECORD_COLUMNS, creditsSql } from './record-columns';
import type { SqlQuery } from './stream';

const NEWEST_FIRST = 'ORDER BY c.completed_at DESC, c.id DESC';
const REAL_ONLY = 'NOT c.synthetic AND NOT a.synthetic';

/** A column name for a header: "Score (%)" → score. */
const columnName = (header: string) =>
  header
    .toLowerCase()
    .replace(/\(.*?\)/g, '')
    .trim()
    .replace(/[^a-z0-9]+/g, '_');

/**
 * The admins' CSV: RECORD_COLUMNS as text, in their order. Without filters its text has no parameters, so the
 * benchmark can run it as `COPY (…) TO STDOUT` to compare with PostgreSQL's own export.
 */
export function recordsExportQuery(filters: RecordFilters, options: { synthetic: boolean }): SqlQuery {
  const values: unknown[] = [];
  const condition = recordConditionSql(filters, values);
  const columns = RECORD_COLUMNS.map(
    (column) => `${column.sql} AS ${column.name ?? columnName(column.header)}`,
  ).join(',\n  ');
  return {
    text: `SELECT ${columns}
FROM ${RECORD_SOURCE_SQL}
WHERE ${condition}${options.synthetic ? '' : `\n  AND ${REAL_ONLY}`}
${NEWEST_FIRST}`,
    values,
  };
}

/**
 * A learner's reporting field: from the profile while the account exists (an identifier the learner added or
 * corrected after claiming counts), from the claim's snapshot once the account is deleted (its row is anonymised).
 */
const learnerField = (column: string, key: string, type: 'text' | 'int' = 'text') =>
  `CASE WHEN u.deleted_at IS NULL THEN u.${column} ELSE (c.learner->>'${key}')::${type} END`;

const LEARNER_SQL = `u.email,
  ${learnerField('full_name', 'fullName')} AS full_name,
  ${learnerField('birth_month', 'birthMonth', 'int')} AS birth_month,
  ${learnerField('birth_day', 'birthDay', 'int')} AS birth_day`;

export interface LearnerRow {
  email: string;
  full_name: string;
  birth_month: number | null;
  birth_day: number | null;
}

export interface ParsCandidateRow extends LearnerRow {
  claim_id: number;
  activity_id: number;
  activity_title: string;
  completed_at: Date;
  amount: string;
  consented: boolean;
  revoked: boolean;
  npi: string | null;
  license_state: string | null;
  license_number: string | null;
  certifying_board: string | null;
  board_id: string | null;
}

/** Every physician record PARS could take (consent is one of the rules, so the page can list who lacks it). */
export function parsCandidatesQuery(filters: RecordFilters): SqlQuery {
  const values: unknown[] = [];
  const condition = recordConditionSql(filters, values);
  const codes = `$${values.push([...PARS_CREDIT_CODES])}`;
  return {
    text: `SELECT c.id AS claim_id, c.activity_id, a.title AS activity_title, c.completed_at,
  ${creditsSql('c.amount')} AS amount,
  ${CONSENTED_SQL} AS consented,
  cert.revoked_at IS NOT NULL AS revoked,
  ${LEARNER_SQL},
  ${learnerField('npi', 'npi')} AS npi,
  ${learnerField('license_state', 'licenseState')} AS license_state,
  ${learnerField('license_number', 'licenseNumber')} AS license_number,
  ${learnerField('certifying_board', 'certifyingBoard')} AS certifying_board,
  ${learnerField('board_id', 'boardId')} AS board_id
FROM ${RECORD_SOURCE_SQL}
WHERE ${condition}
  AND c.credit_code = ANY(${codes}::text[])
  AND ${REAL_ONLY}
${NEWEST_FIRST}`,
    values,
  };
}

export interface CpeCandidateRow extends LearnerRow {
  claim_id: number;
  activity_id: number;
  activity_title: string;
  completed_at: Date;
  amount: string;
  revoked: boolean;
  profession: string;
  /** YYYY-MM-DD: read as text, since node-postgres would make a date a local-time midnight. */
  release_date: string;
  expiration_date: string;
  nabp_eprofile_id: string | null;
}

/** Every pharmacist's and technician's record (by the profession they claimed as, which picks the UAN). */
export function cpeCandidatesQuery(filters: RecordFilters): SqlQuery {
  const values: unknown[] = [];
  const condition = recordConditionSql(filters, values);
  const professions = `$${values.push([...CPE_PROFESSIONS])}`;
  return {
    text: `SELECT c.id AS claim_id, c.activity_id, a.title AS activity_title, c.completed_at,
  ${creditsSql('c.amount')} AS amount,
  cert.revoked_at IS NOT NULL AS revoked,
  c.learner->>'profession' AS profession,
  a.release_date::text AS release_date,
  a.expiration_date::text AS expiration_date,
  ${LEARNER_SQL},
  ${learnerField('nabp_eprofile_id', 'nabpEProfileId')} AS nabp_eprofile_id
FROM ${RECORD_SOURCE_SQL}
WHERE ${condition}
  AND c.learner->>'profession' = ANY(${professions}::text[])
  AND ${REAL_ONLY}
${NEWEST_FIRST}`,
    values,
  };
}
