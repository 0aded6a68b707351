// One completion record as its page shows it (views/records/record.hbs): formatted, escaped by the template.
import type { ActivityView } from '../catalogue/view-model';
import { formatCredits, formatDate } from '../catalogue/view-model';
import { creditLine } from '../certificates/certificate-text';
import { certificateStatus } from '../certificates/service';
import { formatCertificateCode, verifyPath } from '../certificates/snapshot';
import { withoutInvisibleFormat } from '../http/input';
import { claimSteps } from '../credit/validation';
import { professionLabel } from './list-view';
import type { CompletionRecord } from './record';

const dateTime = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});
const when = (date: Date | null | undefined) => (date ? dateTime.format(date) : '–');

/** 65 → "1 min 05 s"; 0 → "0 s". */
export function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes ? `${minutes} min ${String(rest).padStart(2, '0')} s` : `${rest} s`;
}

const clean = (text: string | null | undefined) => withoutInvisibleFormat(text ?? '');
const person = (user: { fullName: string; email: string } | null) =>
  user ? `${clean(user.fullName)} (${user.email})` : 'a deleted account';

function identifiers(learner: CompletionRecord['claim']['learner']) {
  const birth =
    learner.birthMonth && learner.birthDay
      ? `${String(learner.birthMonth).padStart(2, '0')}/${String(learner.birthDay).padStart(2, '0')}`
      : null;
  const licence = [learner.licenseState, learner.licenseNumber].filter(Boolean).join(' ');
  const board = [learner.certifyingBoard, learner.boardId].filter(Boolean).join(' ');
  return [
    { label: 'NPI', value: learner.npi },
    { label: 'State licence', value: licence },
    { label: 'Certifying board and ID', value: board },
    { label: 'NABP e-Profile ID', value: learner.nabpEProfileId },
    { label: 'Birth month/day', value: birth },
  ]
    .filter((entry) => entry.value)
    .map((entry) => ({ label: entry.label, value: clean(entry.value) }));
}

export function recordView(record: CompletionRecord, activity: ActivityView | null) {
  const { claim } = record;
  const learner = claim.learner;
  const current = record.certificates.find((certificate) => !certificate.supersededAt) ?? null;
  const viewed = record.lessons.filter((lesson) => lesson.view);
  const objectives = record.attempts[0]?.byObjective.length
    ? record.attempts.find((attempt) => attempt.byObjective.length)!.byObjective
    : [];
  const ratings = (claim.evaluation.objectiveRatings ?? {}) as Record<string, number>;
  const objectiveText = new Map(activity?.objectives.map((o) => [o.code, o.text]) ?? []);
  const maximum = Number(claim.maxAmount);
  return {
    id: claim.id,
    learnerName: clean(learner.fullName) || '(no name)',
    email: claim.user.email,
    accountDeleted: claim.user.deletedAt !== null,
    profession: professionLabel(learner.profession),
    degree: clean(learner.degree) || '–',
    identifiers: identifiers(learner),
    consentAsClaimed: learner.consentToShare === true,
    consentNow: claim.user.deletedAt ? null : claim.user.consentToShare,
    synthetic: claim.synthetic,
    activity: { title: claim.activity.title, slug: claim.activity.slug },
    claim: {
      creditLabel: claim.creditLabel,
      creditCode: claim.creditCode,
      amount: formatCredits(claim.amount),
      maxAmount: formatCredits(claim.maxAmount),
      completedOn: formatDate(claim.completedAt),
      attestedAt: when(claim.attestedAt),
    },
    reading: {
      viewed: viewed.length,
      total: record.lessons.length,
      time: duration(viewed.reduce((sum, lesson) => sum + lesson.view!.secondsSpent, 0)),
      lessons: record.lessons.map((lesson) => ({
        position: lesson.position,
        title: lesson.title,
        viewed: lesson.view !== null,
        first: when(lesson.view?.firstViewedAt),
        last: when(lesson.view?.lastViewedAt),
        time: lesson.view ? duration(lesson.view.secondsSpent) : '–',
      })),
    },
    attempts: record.attempts.map((attempt) => ({
      number: attempt.number,
      started: when(attempt.startedAt),
      submitted: when(attempt.submittedAt),
      score: attempt.scorePercent === null ? '–' : `${Number(attempt.scorePercent)}%`,
      correct: attempt.status === 'scored' ? `${attempt.correctCount ?? 0}/${attempt.itemCount}` : '–',
      result: attempt.status !== 'scored' ? 'In progress' : attempt.passed ? 'Passed' : 'Not passed',
      passing: `${attempt.passingScorePercent}%`,
      isClaimed: attempt.isClaimed,
    })),
    objectiveScores: objectives.map((objective) => ({
      code: objective.code,
      text: objective.text,
      cells: record.attempts.map((attempt) => {
        const score = attempt.byObjective.find((entry) => entry.code === objective.code);
        return score ? `${score.correct}/${score.total} (${score.percent}%)` : '–';
      }),
    })),
    attemptNumbers: record.attempts.map((attempt) => attempt.number),
    evaluation: {
      submitted: when(claim.evaluation.createdAt),
      ratings: Object.entries(ratings).map(([code, rating]) => ({
        code,
        text: objectiveText.get(code) ?? code,
        rating,
      })),
      relevance: claim.evaluation.relevance,
      freeOfBias: claim.evaluation.freeOfBias ? 'Yes' : 'No',
      biasComment: claim.evaluation.biasComment,
      intendedChange: claim.evaluation.intendedChange,
      overallQuality: claim.evaluation.overallQuality,
    },
    corrections: claim.corrections.map((correction) => ({
      when: when(correction.createdAt),
      by: person(correction.actor),
      fromAmount: formatCredits(correction.fromAmount),
      toAmount: formatCredits(correction.toAmount),
      fromCreditCode: correction.fromCreditCode,
      toCreditCode: correction.toCreditCode,
      reason: correction.reason,
    })),
    certificates: record.certificates.map((certificate) => {
      const status = certificateStatus(certificate);
      return {
        code: formatCertificateCode(certificate.code),
        verifyPath: verifyPath(certificate.code),
        issued: when(certificate.issuedAt),
        credit: creditLine(certificate.snapshot),
        status,
        isCurrent: certificate === current,
        revokedOn: certificate.revokedAt ? formatDate(certificate.revokedAt) : null,
        revokedReason: certificate.revokedReason,
        revokedBy: certificate.revokedAt ? person(certificate.revokedBy) : null,
        supersededOn: certificate.supersededAt ? formatDate(certificate.supersededAt) : null,
        replacement: certificate.supersededBy ? formatCertificateCode(certificate.supersededBy.code) : null,
      };
    }),
    // What the actions need: a current certificate that is still valid.
    actionable: current !== null && !current.revokedAt,
    amountChoices: claimSteps(maximum).map((step) => formatCredits(step)),
    creditTypes: (activity?.creditTypes ?? []).map((type) => ({ code: type.code, label: type.label })),
  };
}

export type RecordView = ReturnType<typeof recordView>;
