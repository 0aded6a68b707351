// The filters of the completion records, shared by the records page and every export of records, so that an export
// holds exactly the rows the admin saw. Parsed once from the query string; turned into one SQL condition over
// RECORD_SOURCE_SQL with numbered parameters (node-postgres), never by pasting values into SQL.
import { z } from 'zod';
import { Profession } from '../generated/prisma/enums';
import { lineText } from '../http/input';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD.')
  // Date.parse accepts 2027-02-30 (as March 2); PostgreSQL refuses it: the day must come back as it was typed.
  .refine((value) => {
    const parsed = Date.parse(`${value}T00:00:00Z`);
    // …and PostgreSQL has no year 0.
    return !Number.isNaN(parsed) && new Date(parsed).toISOString().slice(0, 10) === value && value >= '0001';
  }, 'Enter a real date.');
const blankAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUndefined, schema.optional());

const recordFilterShape = z.object({
  /** Completion date from (inclusive, UTC day). */
  from: optional(isoDate),
  /** Completion date to (inclusive, UTC day). */
  to: optional(isoDate),
  /** Activity slug. */
  activity: optional(z.string().regex(/^[a-z0-9-]{1,100}$/, 'Choose an activity from the list.')),
  /** Credit code, e.g. AMA_PRA_1, ANCC, ACPE. */
  creditType: optional(z.string().regex(/^[A-Z0-9_]{1,40}$/, 'Choose a credit type from the list.')),
  profession: optional(z.enum(Object.values(Profession) as [Profession, ...Profession[]])),
  /** Part of the learner's name (as claimed) or email, any case. */
  learner: optional(lineText(100, 'The learner search').transform((q) => q.trim())),
  /** The state of the record's current certificate. */
  certificate: optional(z.enum(['valid', 'revoked'])),
  /** Whether the learner consented to share the record with boards (see CONSENTED_SQL). */
  consent: optional(z.enum(['yes', 'no'])),
});

/** The filters' query parameters, in the form's order (the records page and the exports page share the form). */
export const RECORD_FILTER_FIELDS = Object.keys(recordFilterShape.shape) as readonly string[];

export const recordFiltersSchema = recordFilterShape.refine((f) => !f.from || !f.to || f.from <= f.to, {
  message: 'The start date is after the end date.',
  path: ['to'],
});

export type RecordFilters = z.infer<typeof recordFiltersSchema>;

/** The tables joined to the claim c, by alias. */
const RECORD_JOINS = {
  u: 'JOIN users u ON u.id = c.user_id',
  a: 'JOIN activities a ON a.id = c.activity_id',
  t: 'JOIN attempts t ON t.id = c.attempt_id',
  cert: 'LEFT JOIN certificates cert ON cert.claim_id = c.id AND cert.superseded_at IS NULL',
} as const;

/**
 * Every record with what the page and the exports show. c = the claim (the learner's data as claimed is c.learner),
 * u = the account, a = the activity, t = the passing attempt, cert = the current (not superseded) certificate.
 */
export const RECORD_SOURCE_SQL = `credit_claims c\n  ${Object.values(RECORD_JOINS).join('\n  ')}`;

/** The alias of each table RECORD_SOURCE_SQL joins to the claim. */
export type RecordJoin = keyof typeof RECORD_JOINS;

/**
 * RECORD_SOURCE_SQL with only the joins that the filters' condition refers to, and those in `also`: each join gives
 * exactly one row per claim (users, activities and attempts by a required foreign key, the current certificate
 * through the partial unique index on claim_id), so leaving one out changes no count and saves a lookup per row.
 */
export function recordFilterSourceSql(filters: RecordFilters, also: readonly RecordJoin[] = []): string {
  const needed = new Set<RecordJoin>(also);
  if (filters.learner || filters.consent) needed.add('u');
  if (filters.activity) needed.add('a');
  if (filters.certificate) needed.add('cert');
  const joins = (Object.keys(RECORD_JOINS) as RecordJoin[]).filter((alias) => needed.has(alias));
  return ['credit_claims c', ...joins.map((alias) => RECORD_JOINS[alias])].join('\n  ');
}

/**
 * Consent to share with boards: given when the credit was claimed, and not withdrawn since on an account that still
 * exists (a deleted account keeps the consent it claimed with).
 */
export const CONSENTED_SQL = `(coalesce((c.learner->>'consentToShare')::boolean, false)
  AND (u.deleted_at IS NOT NULL OR u.consent_to_share))`;

/** The ILIKE pattern matching `text` anywhere, its wildcards taken literally. */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The SQL condition for the filters (`TRUE` when there are none); each value is appended to `params` and referred to
 * by its number, so callers can add their own parameters before or after.
 */
export function recordConditionSql(filters: RecordFilters, params: unknown[]): string {
  const conditions: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filters.from) conditions.push(`c.completed_at >= ${param(`${filters.from}T00:00:00Z`)}::timestamptz`);
  if (filters.to)
    conditions.push(`c.completed_at < (${param(`${filters.to}T00:00:00Z`)}::timestamptz + interval '1 day')`);
  if (filters.activity) conditions.push(`a.slug = ${param(filters.activity)}`);
  if (filters.creditType) conditions.push(`c.credit_code = ${param(filters.creditType)}`);
  if (filters.profession) conditions.push(`c.learner->>'profession' = ${param(filters.profession)}`);
  if (filters.learner) {
    const pattern = param(likePattern(filters.learner));
    conditions.push(`(c.learner->>'fullName' ILIKE ${pattern} OR u.email ILIKE ${pattern})`);
  }
  if (filters.certificate === 'valid') conditions.push('cert.id IS NOT NULL AND cert.revoked_at IS NULL');
  if (filters.certificate === 'revoked') conditions.push('cert.revoked_at IS NOT NULL');
  if (filters.consent === 'yes') conditions.push(CONSENTED_SQL);
  if (filters.consent === 'no') conditions.push(`NOT ${CONSENTED_SQL}`);
  return conditions.length ? conditions.join('\n  AND ') : 'TRUE';
}

/** The filters as query parameters, for links (paging, sorting, exports) that keep them. */
export function filterQuery(filters: RecordFilters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
    ),
  );
}
