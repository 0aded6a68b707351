// What the accreditors' files (ACCME PARS, ACPE CPE Monitor) have in common: columns that carry the rule they apply,
// and reportability rules that each name what they require and why a record fails them. A record failing any rule
// is never written to the file; it is listed on the exports page with every reason.
import type { Column } from './csv';

/** A column of an accreditor's file, with the rule its cell follows (shown on the exports page and in the README). */
export interface ReportColumn<Row> extends Column<Row> {
  rule: string;
}

export interface ReportingRule<Candidate> {
  /** What a record must have, in the words of the exports page and the README. */
  requires: string;
  /** Why this record fails the rule, or null when it passes. */
  problem: (record: Candidate) => string | null;
}

/** Every reason a record cannot be reported (none: it goes in the file). */
export const problemsOf = <Candidate>(
  record: Candidate,
  rules: readonly ReportingRule<Candidate>[],
): string[] =>
  rules.map((rule) => rule.problem(record)).filter((problem): problem is string => problem !== null);

const DAY_MS = 24 * 60 * 60 * 1000;

const utcDay = (date: Date) => Math.floor(date.getTime() / DAY_MS);

/** Calendar days (UTC) from the day of `from` to the day of `to`: completed yesterday is 1 day ago. */
export const daysBetween = (from: Date, to: Date) => utcDay(to) - utcDay(from);

const pad = (value: number) => String(value).padStart(2, '0');

/** The UTC day as MM/DD/YYYY, the US form ACCME's and ACPE's templates use. */
export const usDate = (date: Date) =>
  `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()}`;

/** The UTC day as YYYY-MM-DD, for people reading the exports page. */
export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** Birth month and day as MM/DD (PARS) or MMDD (CPE Monitor); null when either is missing. */
export const monthDay = (month: number | null, day: number | null, separator: '/' | '') =>
  month === null || day === null ? null : `${pad(month)}${separator}${pad(day)}`;

/** A learner identifier that counts only when it has something in it. */
export const given = (value: string | null | undefined): value is string => !!value && value.trim() !== '';
