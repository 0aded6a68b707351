// Completion records for admins: the list (keyset pages under the shared filters), one record in full, revoking its
// certificate and correcting its claim (which reissues the certificate).
import type { CapabilityDeps } from '../compose';
import { revokeCertificate } from '../certificates/service';
import { Profession } from '../generated/prisma/enums';
import { HttpError } from '../http/errors';
import type { RecordFilters } from './filters';
import { correctClaim, type CorrectionInput } from './correction';
import { professionLabel } from './list-view';
import { recordPage, type Position } from './listing';
import { readRecord } from './record';
import type { RecordSort } from './sorting';

export function createRecordService(deps: CapabilityDeps) {
  const { prisma, catalogue, now } = deps;

  /** The choices of the filter form: every activity (synthetic copies too), credit types, professions. */
  async function filterOptions() {
    const [activities, offered] = await Promise.all([
      prisma.activity.findMany({
        orderBy: [{ title: 'asc' }, { id: 'asc' }],
        select: { slug: true, title: true },
      }),
      catalogue.list(),
    ]);
    const creditTypes = new Map<string, string>();
    for (const activity of offered)
      for (const type of activity.creditTypes)
        if (!creditTypes.has(type.code)) creditTypes.set(type.code, type.label);
    return {
      activities,
      creditTypes: [...creditTypes].map(([code, label]) => ({ code, label })),
      professions: Object.values(Profession).map((value) => ({ value, label: professionLabel(value) })),
    };
  }

  const list = (filters: RecordFilters, sort: RecordSort, position: Position) =>
    recordPage(deps.pool, filters, sort, position);

  const record = (claimId: number) => readRecord(prisma, claimId);

  /** The activity of a claim, for its credit types (a synthetic copy is found too). */
  async function activityOf(slug: string) {
    const activity = await catalogue.find(slug);
    if (!activity) throw new HttpError(409, 'The activity of this record is no longer in the catalogue.');
    return activity;
  }

  /** Revokes the record's current certificate (certificates/service.ts does it, audited). */
  async function revoke(actor: { id: number }, claimId: number, reason: string, ip: string) {
    const current = await prisma.certificate.findFirst({
      where: { claimId, supersededAt: null },
      select: { code: true },
    });
    if (!current) {
      await readRecord(prisma, claimId); // 404 for an unknown record
      throw new HttpError(409, 'This record has no certificate to revoke.');
    }
    await revokeCertificate(prisma, actor, current.code, reason, ip, now());
  }

  async function correct(
    actor: { id: number },
    claimId: number,
    slug: string,
    input: CorrectionInput,
    ip: string,
  ) {
    const activity = await activityOf(slug);
    return correctClaim(prisma, { actor, claimId, activity, input, ip, now: now() });
  }

  return { filterOptions, list, record, activityOf, revoke, correct };
}

export type RecordService = ReturnType<typeof createRecordService>;
