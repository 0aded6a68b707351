// Writes one batch (its learners and everything they did) in one transaction, set-based (the statements are in
// batch-sql.ts). A batch is all there or not at all, so an interrupted seed resumes at the batches it lacks.
import type { Client } from 'pg';
import type { BatchPlan, PlannedRecord } from './plan';
import {
  ATTEMPTS_PLAN_SQL,
  LATER_SQL,
  LEARNERS_SQL,
  RECORDS_SQL,
  TEMP_TABLES_SQL,
  WRITES_SQL,
} from './batch-sql';
import type { SessionConstants } from './session';

const seconds = (ms: number) => ms / 1000;

const column = <T, V>(rows: readonly T[], pick: (row: T) => V) => rows.map(pick);

/** Writes the batch; `salt` varies the lesson times between batches. Returns the completion records written. */
export async function writeBatch(
  client: Client,
  plan: BatchPlan,
  constants: SessionConstants,
  salt: number,
): Promise<number> {
  const { learners, records } = plan;
  const attempts = records.flatMap((record, index) =>
    record.attempts.map((attempt) => ({ record: index, ...attempt })),
  );
  const l = <V>(pick: (row: (typeof learners)[number]) => V) => column(learners, pick);
  const r = <V>(pick: (row: PlannedRecord) => V) => column(records, pick);
  await client.query('BEGIN');
  try {
    await client.query(TEMP_TABLES_SQL);
    await client.query(LEARNERS_SQL, [
      l((x) => x.email),
      l((x) => x.fullName),
      l((x) => x.profession),
      l((x) => x.degree),
      l((x) => x.nabpEProfileId),
      l((x) => x.birthMonth),
      l((x) => x.birthDay),
      l((x) => x.npi),
      l((x) => x.licenseState),
      l((x) => x.licenseNumber),
      l((x) => x.certifyingBoard),
      l((x) => x.boardId),
      l((x) => x.consentToShare),
      l((x) => !x.deactivated),
      l((x) => seconds(x.createdAt)),
      constants.passwordHash,
    ]);
    await client.query(RECORDS_SQL, [
      r((x) => x.learner),
      r((x) => x.copy.activityId),
      r((x) => x.stage),
      r((x) => x.lessonsRead),
      r((x) => seconds(x.startedAt)),
      r((x) => x.spanSeconds),
      r((x) => seconds(x.anchor)),
      r((x) => seconds(x.evaluatedAt)),
      r((x) => x.amount),
      r((x) => x.amountText),
      r((x) => x.correction?.fromAmount ?? x.amount),
      r((x) => x.correction?.fromAmountText ?? x.amountText),
      r((x) => x.evaluation.ratings),
      r((x) => x.evaluation.relevance),
      r((x) => x.evaluation.freeOfBias),
      r((x) => x.evaluation.bias),
      r((x) => x.evaluation.change),
      r((x) => x.evaluation.quality),
      r((x) => (x.revocation ? seconds(x.revocation.at) : null)),
      r((x) => x.revocation?.reason ?? null),
      r((x) => (x.correction ? seconds(x.correction.at) : null)),
      r((x) => x.correction?.reason ?? null),
    ]);
    await client.query(ATTEMPTS_PLAN_SQL, [
      column(attempts, (a) => a.record),
      column(attempts, (a) => a.number),
      column(attempts, (a) => a.form),
      column(attempts, (a) => a.variant),
      column(attempts, (a) => a.correctCount),
      column(attempts, (a) => a.itemCount),
      column(attempts, (a) => a.passes),
      column(attempts, (a) => seconds(a.startedAt)),
      column(attempts, (a) => seconds(a.submittedAt)),
    ]);
    await client.query('ANALYZE b_learner, b_record, b_attempt');
    const [enrollments, ...rest] = WRITES_SQL(constants);
    await client.query(enrollments!, [salt]);
    await client.query(rest[0]!, [salt]);
    for (const statement of rest.slice(1)) await client.query(statement);
    const later = (pick: (l: (typeof learners)[number]) => boolean) => {
      const positions = learners.flatMap((l, i) => (pick(l) ? [i] : []));
      return [positions, positions.map((i) => seconds(learners[i]!.leftAt))];
    };
    await client.query(
      LATER_SQL[0]!,
      later((l) => l.withdrawsConsent && !l.deletes),
    );
    await client.query(
      LATER_SQL[1]!,
      later((l) => l.deletes),
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return records.filter((record) => record.stage === 6).length;
}
