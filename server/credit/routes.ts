// Evaluation and credit-claim pages.
import { Router, type Request, type Response } from 'express';
import { activityOr404, type Catalogue } from '../catalogue/service';
import type { ActivityView } from '../catalogue/view-model';
import { allow } from '../http/access';
import { fieldErrors, rawBody } from '../http/input';
import type { CreditService } from './service';
import { claimSchema, claimSteps, evaluationSchema } from './validation';

const scale = [1, 2, 3, 4, 5];

/** The fields of a refused form as typed, for re-rendering it: strings only (a JSON body may hold anything). */
const typedValues = (body: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(body && typeof body === 'object' ? body : {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length <= 4000,
    ),
  );

export function creditRoutes(deps: { catalogue: Catalogue; credit: CreditService }): Router {
  const router = Router();
  const loadActivity = (req: Request) => activityOr404(deps.catalogue, req.params.slug);

  const renderEvaluation = (
    res: Response,
    activity: ActivityView,
    values: Record<string, string>,
    errors?: Record<string, string>,
  ) =>
    res.status(errors ? 422 : 200).render('credit/evaluation', {
      title: `Evaluation · ${activity.title}`,
      activity,
      errors,
      values,
      objectives: activity.objectives.map((o) => ({
        ...o,
        field: `objective_${o.code}`,
        options: scale.map((n) => ({ n, checked: String(values[`objective_${o.code}`]) === String(n) })),
        error: errors?.[`objective_${o.code}`],
      })),
      relevanceOptions: scale.map((n) => ({ n, checked: String(values.relevance) === String(n) })),
      qualityOptions: scale.map((n) => ({ n, checked: String(values.overallQuality) === String(n) })),
    });

  router.get('/activities/:slug/evaluation', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const state = await deps.credit.state(req.user!.id, activity);
    if (!state.passed) return res.redirect(`/activities/${activity.slug}/post-test`);
    if (state.evaluation) return res.redirect(`/activities/${activity.slug}/claim`);
    renderEvaluation(res, activity, {});
  });

  router.post('/activities/:slug/evaluation', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const parsed = evaluationSchema(activity.objectives.map((o) => o.code)).safeParse(rawBody(req));
    if (!parsed.success)
      return renderEvaluation(res, activity, typedValues(req.body), fieldErrors(parsed.error));
    const value = parsed.data as Record<string, unknown> & typeof parsed.data;
    await deps.credit.submitEvaluation(req.user!.id, activity, {
      objectiveRatings: Object.fromEntries(
        activity.objectives.map((o) => [o.code, Number(value[`objective_${o.code}`])]),
      ),
      relevance: value.relevance,
      freeOfBias: value.freeOfBias === 'yes',
      biasComment: value.biasComment || null,
      intendedChange: value.intendedChange,
      overallQuality: value.overallQuality,
    });
    res.redirect(303, `/activities/${activity.slug}/claim`);
  });

  const renderClaim = async (
    req: Request,
    res: Response,
    activity: ActivityView,
    errors?: Record<string, string>,
  ) => {
    const state = await deps.credit.state(req.user!.id, activity);
    const { code } =
      activity.creditTypeByProfession[req.user!.profession as keyof ActivityView['creditTypeByProfession']];
    const creditType = activity.creditTypes.find((type) => type.code === code)!;
    res.status(errors ? 422 : 200).render('credit/claim', {
      title: `Claim credit · ${activity.title}`,
      activity,
      state,
      errors,
      creditType,
      steps: claimSteps(Number(activity.credits)).map((n) => ({
        n,
        selected: String(n) === (typedValues(req.body).amount ?? String(activity.credits)),
      })),
    });
  };

  router.get('/activities/:slug/claim', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    await renderClaim(req, res, activity);
  });

  router.post('/activities/:slug/claim', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const parsed = claimSchema(Number(activity.credits)).safeParse(rawBody(req));
    if (!parsed.success) return renderClaim(req, res, activity, fieldErrors(parsed.error));
    await deps.credit.claim(req.user!.id, activity, parsed.data.amount);
    res.redirect(303, `/activities/${activity.slug}/claim`);
  });

  return router;
}
