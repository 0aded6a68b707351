// ACPE CPE Monitor file for pharmacists and pharmacy technicians: the one declarative map of its columns and of the
// rules that make a record reportable. ACPE's batch layout is not public here (formats.md): the file carries exactly
// the fields CPE Monitor takes per participation; correct headers or formats here, and only here.
import { isValidMonthDay, isValidNabpEProfileId } from '../auth/identifiers';
import { daysBetween, given, monthDay, usDate, type ReportColumn, type ReportingRule } from './reporting';

/** The professions CPE Monitor records (as claimed): each is credited under its own UAN. */
export const CPE_PROFESSIONS = ['pharmacist', 'pharmacy_technician'] as const;
export type CpeProfession = (typeof CPE_PROFESSIONS)[number];
/** CPE Monitor refuses participations reported more than 60 days after they happened. */
export const CPE_DEADLINE_DAYS = 60;

export interface CpeCandidate {
  claimId: number;
  activityTitle: string;
  profession: CpeProfession;
  /** The activity's UAN for this profession, null when activity.yaml does not set it. */
  uan: string | null;
  releaseDate: Date;
  expirationDate: Date;
  completedAt: Date;
  /** Contact hours as the certificate states them: "0.5", "1.0". */
  amount: string;
  revoked: boolean;
  fullName: string;
  email: string;
  nabpEProfileId: string | null;
  birthMonth: number | null;
  birthDay: number | null;
  /** The day the file is made, for the 60-day rule. */
  today: Date;
}

export type CpeRow = CpeCandidate & { uan: string; nabpEProfileId: string };

const audience = (profession: CpeProfession) => (profession === 'pharmacist' ? 'pharmacists' : 'technicians');
const endOfDay = (day: Date) => new Date(day.getTime() + 24 * 60 * 60 * 1000);

export const CPE_RULES: readonly ReportingRule<CpeCandidate>[] = [
  {
    requires: 'The certificate is not revoked.',
    problem: (r) => (r.revoked ? 'Certificate revoked' : null),
  },
  {
    requires: 'An NABP e-Profile ID of 6 or 7 digits.',
    problem: (r) =>
      given(r.nabpEProfileId) && isValidNabpEProfileId(r.nabpEProfileId)
        ? null
        : 'No valid NABP e-Profile ID',
  },
  {
    requires: 'A birth month and day.',
    problem: (r) =>
      r.birthMonth !== null && r.birthDay !== null && isValidMonthDay(r.birthMonth, r.birthDay)
        ? null
        : 'No birth month and day',
  },
  {
    requires: "The activity has a UAN for the learner's profession (activity.yaml's reporting.uan).",
    problem: (r) => (r.uan ? null : `The activity has no UAN for ${audience(r.profession)}`),
  },
  {
    requires: "Completed between the activity's release and expiration dates (home study).",
    problem: (r) =>
      r.completedAt >= r.releaseDate && r.completedAt < endOfDay(r.expirationDate)
        ? null
        : "Completed outside the activity's release and expiration dates",
  },
  {
    requires: `Completed at most ${CPE_DEADLINE_DAYS} days ago: CPE Monitor refuses later reports.`,
    problem: (r) => {
      const days = daysBetween(r.completedAt, r.today);
      return days > CPE_DEADLINE_DAYS
        ? `Completed ${days} days ago: past CPE Monitor's ${CPE_DEADLINE_DAYS}-day limit, no longer reportable`
        : null;
    },
  },
];

export const CPE_COLUMNS: readonly ReportColumn<CpeRow>[] = [
  {
    header: 'NABP e-Profile ID',
    rule: "The learner's 6- or 7-digit e-Profile ID.",
    cell: (r) => r.nabpEProfileId,
  },
  {
    header: 'Birth Date (MMDD)',
    rule: 'Birth month and day as four digits, MMDD.',
    cell: (r) => monthDay(r.birthMonth, r.birthDay, ''),
  },
  { header: 'UAN', rule: "The activity's UAN for the learner's profession (-P or -T).", cell: (r) => r.uan },
  {
    header: 'Date of Participation',
    rule: 'MM/DD/YYYY, the UTC day credit was claimed.',
    cell: (r) => usDate(r.completedAt),
  },
  {
    header: 'Contact Hours',
    rule: 'Contact hours claimed, as the certificate states them.',
    cell: (r) => r.amount,
  },
];
