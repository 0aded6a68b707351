// Test data made the way the app makes it, through the real services: accounts by registration (learners) or by
// `npm run user:create`'s function (staff), reading and the post-test by the progress and post-test services,
// the evaluation and the claim (with its certificate and frozen snapshot) by the credit service, content by the
// real content sync. Nothing here writes a row "as the service would leave it". Services are called directly,
// which is much faster than the same steps over HTTP; the clock of each step is the services' `now`.
import { profileFormValues } from '../../server/account/form';
import { createAccountService } from '../../server/account/service';
import { profileSchema, registrationSchema } from '../../server/account/validation';
import { createUser as createStaffUser } from '../../server/auth/first-admin';
import { createAuthService } from '../../server/auth/service';
import { createThrottle } from '../../server/auth/throttle';
import type { ActivityView } from '../../server/catalogue/view-model';
import { createCreditService, type EvaluationInput } from '../../server/credit/service';
import type { Role, User } from '../../server/generated/prisma/client';
import { createPostTestService, type Answers } from '../../server/posttest/service';
import { createProgressService } from '../../server/progress/service';
import { relaxedThrottle, type TestApp } from './app';
import { syncContentCopy } from './content';

/** The password of every account the factories make. */
export const strongPassword = 'correct horse battery staple';
export const firstActivity = 'renal-leiomyosarcoma';
const ip = '127.0.0.1';

/** Registration form fields as a browser sends them (a nurse unless overridden), e.g. for POST /register. */
export const learnerFields = (overrides: Record<string, string> = {}) => ({
  fullName: 'Dana Learner',
  email: `dana.${Math.random().toString(36).slice(2, 8)}@example.org`,
  profession: 'nurse',
  degree: 'RN',
  password: strongPassword,
  ...overrides,
});

/** Registration form fields (strings, as typed), and a role: admins and educators are made the CLI's way. */
export type UserOptions = { role?: Role } & Record<string, string | undefined>;

export interface StepOptions {
  /** Slug of the activity (the content's first one by default). */
  activity?: string;
  /** The services' clock for this step (the app's clock by default). */
  at?: Date;
}

export interface CompletionOptions extends StepOptions {
  /** Questions answered wrongly (0 by default: 100%); the attempt must still pass. */
  wrong?: number;
  /** Credits claimed (0.5 by default). */
  amount?: number;
}

export type Factories = ReturnType<typeof factories>;

export function factories(t: TestApp) {
  const { prisma } = t.db;
  const throttle = createThrottle(t.pool, relaxedThrottle);
  const services = (at: Date = t.now()) => {
    const now = () => at;
    const progress = createProgressService({ prisma, pool: t.pool, now });
    return {
      progress,
      postTest: createPostTestService({ prisma, pool: t.pool, progress, now }),
      credit: createCreditService({ prisma, now }),
      account: createAccountService({ prisma, throttle, now }),
      auth: createAuthService({
        prisma,
        throttle,
        sendMail: async () => {},
        appUrl: 'http://localhost:3000',
        now,
      }),
    };
  };

  async function activityView(slug = firstActivity): Promise<ActivityView> {
    const view = await t.catalogue.find(slug);
    if (!view) throw new Error(`no activity ${slug}: sync it first (syncContent)`);
    return view;
  }

  const userRow = (id: number) => prisma.user.findUniqueOrThrow({ where: { id } });

  /**
   * A learner registered as the registration form does (same schema, same service, audited), a physician (MD)
   * unless the fields say otherwise; or, with `role`, an admin or educator made as `npm run user:create` makes one.
   */
  async function user(options: UserOptions = {}): Promise<User> {
    const { role = 'learner', ...fields } = options;
    const email = fields.email ?? `${role}.${Math.random().toString(36).slice(2, 10)}@example.org`;
    if (role !== 'learner') {
      const staff = await createStaffUser(prisma, {
        email,
        password: fields.password ?? strongPassword,
        role,
        fullName: fields.fullName ?? `Test ${role}`,
      });
      return userRow(staff!.id);
    }
    const input = registrationSchema.parse({
      fullName: 'Test learner',
      profession: 'physician',
      degree: 'MD',
      password: strongPassword,
      ...fields,
      email,
    });
    const result = await services().auth.register(input, ip);
    if ('fieldErrors' in result)
      throw new Error(`registration refused: ${JSON.stringify(result.fieldErrors)}`);
    return userRow(result.user.id);
  }

  /** Saves profile changes through the account service, as the profile form does (the email stays). */
  async function updateProfile(of: { id: number }, changes: Record<string, string>): Promise<User> {
    const values = profileFormValues(await userRow(of.id));
    const input = profileSchema.parse({
      ...values,
      consentToShare: values.consentToShare ? 'on' : '',
      ...changes,
    });
    const result = await services().account.updateProfile(of.id, input, strongPassword, ip);
    if ('fieldErrors' in result) throw new Error(`profile refused: ${JSON.stringify(result.fieldErrors)}`);
    return userRow(of.id);
  }

  /** Asks for a reset link as the forgot-password form does; returns the stored (hashed) token row. */
  async function passwordResetRequest(of: { id: number; email: string }) {
    await services().auth.requestPasswordReset(of.email, ip);
    return prisma.passwordResetToken.findFirstOrThrow({ where: { userId: of.id, usedAt: null } });
  }

  /** Opens every lesson of the activity, as reading them does. */
  async function readLessons(of: { id: number }, options: StepOptions = {}): Promise<void> {
    const activity = await activityView(options.activity);
    const { progress } = services(options.at);
    for (const lesson of activity.lessons) await progress.recordView(of.id, activity.id, lesson.id);
  }

  /** Reads every lesson and starts the post-test: the attempt's id, its form drawn and stored by the service. */
  async function startedAttempt(of: { id: number }, options: StepOptions = {}): Promise<number> {
    await readLessons(of, options);
    return services(options.at).postTest.start(of.id, await activityView(options.activity));
  }

  /** A started attempt answered and scored by the post-test service: all right except the first `wrong`. */
  async function scoredAttempt(of: { id: number }, options: CompletionOptions = {}): Promise<number> {
    const attemptId = await startedAttempt(of, options);
    const result = await services(options.at).postTest.submit(
      of.id,
      attemptId,
      await answerKey(t, attemptId, options.wrong),
    );
    if ('problems' in result) throw new Error(`answers refused: ${JSON.stringify(result.problems)}`);
    return attemptId;
  }

  /** Evaluates the activity through the credit service (after a passed attempt). */
  async function evaluation(of: { id: number }, options: StepOptions = {}): Promise<void> {
    const activity = await activityView(options.activity);
    await services(options.at).credit.submitEvaluation(of.id, activity, evaluationFor(activity));
  }

  /**
   * The whole path to credit: lessons read, a passed attempt, the evaluation, and the claim, which issues the
   * certificate with its snapshot. Completed (and issued) at `at`.
   */
  async function completion(of: { id: number }, options: CompletionOptions = {}) {
    await scoredAttempt(of, options);
    await evaluation(of, options);
    const activity = await activityView(options.activity);
    const claim = await services(options.at).credit.claim(of.id, activity, options.amount ?? 0.5);
    if (!claim.certificate) throw new Error('the claim issued no certificate');
    return { claim, code: claim.certificate.code };
  }

  /** Syncs a copy of content/ changed by `edit` with the real sync, then drops the app's cached activities. */
  const syncContent = (edit: (dir: string) => void) => syncContentCopy(t, edit);

  return {
    user,
    updateProfile,
    passwordResetRequest,
    readLessons,
    startedAttempt,
    scoredAttempt,
    evaluation,
    completion,
    syncContent,
  };
}

/** The answer key of a stored attempt (what a learner would have to know): right except the first `wrong` questions. */
export async function answerKey(t: TestApp, attemptId: number, wrong = 0): Promise<Answers> {
  const responses = await t.db.prisma.attemptResponse.findMany({
    where: { attemptId },
    orderBy: { position: 'asc' },
    include: { itemVersion: { select: { correct: true } } },
  });
  return Object.fromEntries(
    responses.map((response, index) => {
      const correct = response.itemVersion.correct;
      const answer = index < wrong ? [response.optionOrder.find((id) => !correct.includes(id))!] : correct;
      return [response.position, answer];
    }),
  );
}

/** A complete, favourable evaluation: what the evaluation form sends, as its route hands it to the service. */
export const evaluationFor = (activity: ActivityView): EvaluationInput => ({
  objectiveRatings: Object.fromEntries(activity.objectives.map((o, i) => [o.code, i % 2 === 0 ? 5 : 4])),
  relevance: 4,
  freeOfBias: true,
  biasComment: null,
  intendedChange: 'Refer solid renal masses with atypical features for image-guided core biopsy.',
  overallQuality: 5,
});
