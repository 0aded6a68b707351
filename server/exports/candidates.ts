// From the rows queries.ts reads to the records the accreditors' rules judge, with what content/ says about each
// activity (its ACCME activity ID, its UANs). Plain functions, no I/O.
import type { ReportingIds } from '../content/schema';
import { CPE_PROFESSIONS, type CpeCandidate, type CpeProfession } from './cpe-columns';
import { splitName } from './names';
import type { ParsCandidate } from './pars-columns';
import type { CpeCandidateRow, ParsCandidateRow } from './queries';

/** The identifiers content/ gives each activity (by database id) and the provider's ACCME ID. */
export interface ReportingIndex {
  byActivity: Map<number, ReportingIds>;
  accmeProviderId: string | null;
}

export function parsCandidate(row: ParsCandidateRow, index: ReportingIndex): ParsCandidate {
  return {
    claimId: row.claim_id,
    activityTitle: row.activity_title,
    accmeActivityId: index.byActivity.get(row.activity_id)?.accmeActivityId ?? null,
    completedAt: row.completed_at,
    amount: row.amount,
    consented: row.consented,
    revoked: row.revoked,
    fullName: row.full_name,
    email: row.email,
    birthMonth: row.birth_month,
    birthDay: row.birth_day,
    npi: row.npi,
    licenseState: row.license_state,
    licenseNumber: row.license_number,
    certifyingBoard: row.certifying_board,
    boardId: row.board_id,
    name: splitName(row.full_name),
  };
}

const utcDay = (isoDay: string) => new Date(`${isoDay}T00:00:00Z`);
const isCpeProfession = (value: string): value is CpeProfession =>
  (CPE_PROFESSIONS as readonly string[]).includes(value);

export function cpeCandidate(row: CpeCandidateRow, index: ReportingIndex, today: Date): CpeCandidate {
  // The query reads only these professions; anything else would be a query that changed without this function.
  if (!isCpeProfession(row.profession)) throw new Error(`not a CPE Monitor profession: ${row.profession}`);
  return {
    claimId: row.claim_id,
    activityTitle: row.activity_title,
    profession: row.profession,
    uan: index.byActivity.get(row.activity_id)?.uan[row.profession] ?? null,
    releaseDate: utcDay(row.release_date),
    expirationDate: utcDay(row.expiration_date),
    completedAt: row.completed_at,
    amount: row.amount,
    revoked: row.revoked,
    fullName: row.full_name,
    email: row.email,
    nabpEProfileId: row.nabp_eprofile_id,
    birthMonth: row.birth_month,
    birthDay: row.birth_day,
    today,
  };
}
