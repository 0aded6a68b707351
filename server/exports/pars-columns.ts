// ACCME PARS learner file: the one declarative map of its columns (order, header, the rule each cell follows) and of
// the rules that make a record reportable. The header follows ACCME's learner batch template as formats.md reports it
// (row 1 guidance text, row 2 the header), not confirmed from ACCME directly: correct it here, and only here (the
// README's table is this map).
import { isValidMonthDay } from '../auth/identifiers';
import type { SplitName } from './names';
import { daysBetween, given, monthDay, usDate, type ReportColumn, type ReportingRule } from './reporting';

/** The credit PARS reports for physicians: AMA PRA Category 1 Credit™ (the other credit types go elsewhere). */
export const PARS_CREDIT_CODES = ['AMA_PRA_1'] as const;
/** Boards expect the data within 30 days of completion: older records are still reported, and flagged. */
export const PARS_LATE_AFTER_DAYS = 30;

/** A physician's record as read for PARS (queries.ts): identifiers from the live profile, or as claimed. */
export interface ParsCandidate {
  claimId: number;
  activityTitle: string;
  /** The activity's 9-digit ACCME activity ID, null when activity.yaml does not set it. */
  accmeActivityId: string | null;
  completedAt: Date;
  /** As certificates print it: "0.5", "1.0". */
  amount: string;
  consented: boolean;
  revoked: boolean;
  fullName: string;
  email: string;
  birthMonth: number | null;
  birthDay: number | null;
  npi: string | null;
  licenseState: string | null;
  licenseNumber: string | null;
  certifyingBoard: string | null;
  boardId: string | null;
  name: SplitName;
}

/** A record that passed every rule: what the columns are written from. */
export type ParsRow = ParsCandidate & { accmeActivityId: string; name: { first: string; last: string } };

const hasLicence = (r: ParsCandidate) => given(r.licenseState) && given(r.licenseNumber);
const hasBoard = (r: ParsCandidate) => given(r.certifyingBoard) && given(r.boardId);

export const PARS_RULES: readonly ReportingRule<ParsCandidate>[] = [
  {
    requires:
      'The learner consented to share the record with boards when claiming, and has not withdrawn it.',
    problem: (r) => (r.consented ? null : 'No consent to share with boards'),
  },
  {
    requires: 'The certificate is not revoked.',
    problem: (r) => (r.revoked ? 'Certificate revoked' : null),
  },
  {
    requires: "The activity has its ACCME activity ID (activity.yaml's reporting.accmeActivityId).",
    problem: (r) => (r.accmeActivityId ? null : 'The activity has no ACCME activity ID'),
  },
  {
    requires: 'A certifying board and board ID, or a state licence (state and number), or an NPI.',
    problem: (r) =>
      hasBoard(r) || hasLicence(r) || given(r.npi) ? null : 'No board ID, state licence or NPI',
  },
  {
    requires: 'A birth month and day.',
    problem: (r) =>
      r.birthMonth !== null && r.birthDay !== null && isValidMonthDay(r.birthMonth, r.birthDay)
        ? null
        : 'No birth month and day',
  },
  {
    requires: 'A name that splits one way into first and last name: two words, or "Last, First".',
    problem: (r) => ('problem' in r.name ? `Name cannot be split: ${r.name.problem}` : null),
  },
];

export const PARS_COLUMNS: readonly ReportColumn<ParsRow>[] = [
  { header: 'Record Action', rule: '"Add": the file adds completions.', cell: () => 'Add' },
  {
    header: 'ACCME Activity ID',
    rule: "The activity's 9-digit ACCME activity ID.",
    cell: (r) => r.accmeActivityId,
  },
  {
    header: 'Completion Date',
    rule: 'MM/DD/YYYY, the UTC day credit was claimed.',
    cell: (r) => usDate(r.completedAt),
  },
  { header: 'First Name', rule: 'From the profile name (see the name rule).', cell: (r) => r.name.first },
  { header: 'Last Name', rule: 'From the profile name (see the name rule).', cell: (r) => r.name.last },
  { header: 'Date of Birth', rule: 'MM/DD (no year).', cell: (r) => monthDay(r.birthMonth, r.birthDay, '/') },
  {
    header: 'Licensing State',
    rule: "The licence's two-letter state when a licence is given; blank otherwise.",
    cell: (r) => (hasLicence(r) ? r.licenseState : null),
  },
  {
    header: 'Licensing ID or NPI',
    rule: 'The licence number when a licence is given, otherwise the NPI; blank when neither.',
    cell: (r) => (hasLicence(r) ? r.licenseNumber : r.npi),
  },
  {
    header: 'Number of CME Credits',
    rule: 'AMA PRA Category 1 credits claimed (0.25 steps), as the certificate states.',
    cell: (r) => r.amount,
  },
  {
    header: 'Certifying Board',
    rule: 'The board as the learner gave it (e.g. ABIM); blank without a board ID.',
    cell: (r) => (hasBoard(r) ? r.certifyingBoard : null),
  },
  {
    header: 'Certifying Board ID',
    rule: "The learner's board ID.",
    cell: (r) => (hasBoard(r) ? r.boardId : null),
  },
  {
    header: 'Total Board Credits',
    rule: 'MOC points, equal to the CME credits claimed, when a board ID is given; blank otherwise.',
    cell: (r) => (hasBoard(r) ? r.amount : null),
  },
  { header: 'Credit Type', rule: '"AMA PRA Category 1 Credit".', cell: () => 'AMA PRA Category 1 Credit' },
  { header: 'Credits Awarded for Credit Type', rule: 'The credits claimed.', cell: (r) => r.amount },
];

/** Row 1 of the template: guidance text for whoever opens the file. */
export const parsGuidance = (providerId: string, madeOn: Date) =>
  `ACCME PARS learner batch file of ACCME provider ${providerId}, made ${usDate(madeOn)}: row 2 is the header, ` +
  'then one row per learner and activity (Record Action "Add"). Upload it in PARS under learner reporting.';

export const parsIsLate = (record: Pick<ParsCandidate, 'completedAt'>, now: Date) =>
  daysBetween(record.completedAt, now) > PARS_LATE_AFTER_DAYS;
