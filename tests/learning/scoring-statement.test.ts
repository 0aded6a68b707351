// The one-statement scoring (server/posttest/queries.ts) against the rules in scoring.ts: for hundreds of answer
// sets, correct, wrong, partial, malformed, it accepts exactly what answerProblems finds nothing wrong with, and
// stores exactly the score, pass/fail and per-item verdicts that isCorrect and overallScore give.
import { createPostTestQueries, type PostTestQueries } from '../../server/posttest/queries';
import {
  answerProblems,
  isCorrect,
  overallScore,
  shuffle,
  type Random,
  type SheetQuestion,
} from '../../server/posttest/scoring';
import { createTestApp, type TestApp } from '../support/app';
import { factories, type Factories } from '../support/factories';

let t: TestApp;
let make: Factories;
let queries: PostTestQueries;
beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  queries = createPostTestQueries(t.pool);
});
afterAll(() => t.close());

/** A small seeded generator, so that a failure can be replayed. */
function seeded(seed: number): Random {
  let state = seed >>> 0;
  return (max) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % max;
  };
}

interface Version {
  id: number;
  type: 'single' | 'multiple' | 'true_false';
  optionIds: string[];
  correct: string[];
}

async function publishedVersions(): Promise<Version[]> {
  const versions = await t.db.prisma.itemVersion.findMany({
    where: { item: { status: 'published' } },
    select: { id: true, type: true, options: true, correct: true },
  });
  return versions.map((v) => ({
    id: v.id,
    type: v.type,
    optionIds: (v.options as { id: string }[]).map((o) => o.id),
    correct: v.correct,
  }));
}

let attemptNumber = 0;

/**
 * An attempt of `size` items in a random order, options shuffled, in the shape the post-test stores one. Written
 * here rather than by the post-test service, which only draws 3 items per objective at the activity's passing
 * score: the statement must also be right for the sizes and passing scores the service never draws.
 */
async function newAttempt(
  userId: number,
  versions: Version[],
  size: number,
  random: Random,
  passing: number,
) {
  const activity = await t.db.prisma.activity.findFirstOrThrow({ select: { id: true } });
  const chosen = shuffle(versions, random).slice(0, size);
  const attempt = await t.db.prisma.attempt.create({
    data: {
      userId,
      activityId: activity.id,
      number: ++attemptNumber,
      itemCount: size,
      passingScorePercent: passing,
      responses: {
        create: chosen.map((v, index) => ({
          itemVersionId: v.id,
          position: index + 1,
          optionOrder: shuffle(v.optionIds, random),
        })),
      },
    },
    include: { responses: { orderBy: { position: 'asc' } } },
  });
  const questions: SheetQuestion[] = attempt.responses.map((r, index) => ({
    position: r.position,
    type: chosen[index]!.type,
    optionOrder: r.optionOrder,
    correct: chosen[index]!.correct,
  }));
  return { attempt, questions };
}

/** One answer per question, mostly plausible: the key, a wrong option, a partial or padded set. */
function plausibleAnswer(question: SheetQuestion, random: Random): string[] {
  const wrong = question.optionOrder.filter((id) => !question.correct.includes(id));
  switch (random(4)) {
    case 0:
      return [...question.correct];
    case 1:
      return question.type === 'single' ? [wrong[random(wrong.length)]!] : [...question.correct].slice(1);
    case 2:
      return question.type === 'single'
        ? [...question.correct]
        : [...question.correct, wrong[random(wrong.length)]!];
    default:
      return shuffle(
        question.type === 'single'
          ? [question.optionOrder[random(question.optionOrder.length)]!]
          : question.correct,
        random,
      );
  }
}

/** Breaks an answer set in one of the ways answerProblems reports. */
function malformed(answers: Record<number, string[]>, questions: SheetQuestion[], random: Random) {
  const broken = structuredClone(answers);
  const question = questions[random(questions.length)]!;
  switch (random(6)) {
    case 0:
      delete broken[question.position];
      break;
    case 1:
      broken[question.position] = [];
      break;
    case 2:
      broken[question.position] = [...broken[question.position]!, 'Z'];
      break;
    case 3:
      broken[question.position] = [question.optionOrder[0]!, question.optionOrder[0]!];
      break;
    case 4:
      broken[questions.length + 1 + random(5)] = [question.optionOrder[0]!];
      break;
    default:
      broken[question.position] = question.optionOrder.slice(0, 2);
  }
  return broken;
}

async function stored(attemptId: number) {
  return t.db.prisma.attempt.findUniqueOrThrow({
    where: { id: attemptId },
    include: { responses: { orderBy: { position: 'asc' } } },
  });
}

describe('scoring in one statement', () => {
  it('accepts and scores exactly as scoring.ts does, for 300 answer sets of 1 to 24 items', async () => {
    const user = await make.user();
    const versions = await publishedVersions();
    const random = seeded(20261124);
    let accepted = 0;
    let declined = 0;
    for (let round = 0; round < 300; round++) {
      const size = 1 + random(Math.min(24, versions.length));
      const passing = [50, 70, 75, 80, 100][random(5)]!;
      const { attempt, questions } = await newAttempt(user.id, versions, size, random, passing);
      const plausible = Object.fromEntries(questions.map((q) => [q.position, plausibleAnswer(q, random)]));
      const answers = random(3) === 0 ? malformed(plausible, questions, random) : plausible;
      const problems = answerProblems(questions, answers);
      const submittedAt = new Date('2027-02-01T10:00:00Z');

      const scored = await queries.scoreIfAccepted(user.id, attempt.id, answers, submittedAt);
      const after = await stored(attempt.id);
      const context = `round ${round}: ${JSON.stringify({ questions, answers, problems })}`;

      if (Object.keys(problems).length > 0) {
        declined++;
        expect({ context, scored }).toEqual({ context, scored: false });
        expect(after.status).toBe('in_progress');
        expect(after.responses.every((r) => r.correct === null && r.selected.length === 0)).toBe(true);
        continue;
      }
      accepted++;
      const verdicts = questions.map((q) => ({ correct: isCorrect(q.correct, answers[q.position]!) }));
      const expected = overallScore(verdicts, passing);
      expect({ context, scored }).toEqual({ context, scored: true });
      expect({
        context,
        status: after.status,
        submittedAt: after.submittedAt,
        correctCount: after.correctCount,
        percent: Number(after.scorePercent),
        passed: after.passed,
        verdicts: after.responses.map((r) => r.correct),
        selected: after.responses.map((r) => r.selected),
      }).toEqual({
        context,
        status: 'scored',
        submittedAt,
        correctCount: expected.correctCount,
        percent: expected.percent,
        passed: expected.passed,
        verdicts: verdicts.map((v) => v.correct),
        selected: questions.map((q) => answers[q.position]),
      });
    }
    // Both branches were exercised in earnest.
    expect(accepted).toBeGreaterThan(150);
    expect(declined).toBeGreaterThan(50);
  }, 60_000);

  it('declines an attempt of another user and an attempt already scored, changing nothing', async () => {
    const owner = await make.user();
    const other = await make.user();
    const versions = await publishedVersions();
    const random = seeded(7);
    const { attempt, questions } = await newAttempt(owner.id, versions, 12, random, 75);
    const answers = Object.fromEntries(questions.map((q) => [q.position, [...q.correct]]));

    expect(await queries.scoreIfAccepted(other.id, attempt.id, answers, new Date())).toBe(false);
    expect((await stored(attempt.id)).status).toBe('in_progress');

    const first = new Date('2027-02-01T10:00:00Z');
    expect(await queries.scoreIfAccepted(owner.id, attempt.id, answers, first)).toBe(true);
    const wrong = Object.fromEntries(
      questions.map((q) => [q.position, [q.optionOrder.find((id) => !q.correct.includes(id))!]]),
    );
    expect(await queries.scoreIfAccepted(owner.id, attempt.id, wrong, new Date())).toBe(false);
    const after = await stored(attempt.id);
    expect(after).toMatchObject({ submittedAt: first, correctCount: 12, passed: true });
  });
});
