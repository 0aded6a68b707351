// Post-test pages: the overview, an attempt's form, submission and the result.
import { Router, type Request } from 'express';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { lessonPath } from '../catalogue/view-model';
import { allow } from '../http/access';
import { BadRequestError, NotFoundError } from '../http/errors';
import { parseId } from '../http/input';
import { renderItemPhrasing, renderOptionHtml } from '../items/markdown';
import type { Answers, PostTestService } from './service';

const attemptId = (req: Request) => parseId(req.params.attemptId, 'There is no such attempt.');

/** Form fields q<position> → selected option ids; anything else is ignored. */
export function parseAnswers(body: unknown): Answers {
  const answers: Answers = {};
  if (!body || typeof body !== 'object') return answers;
  for (const [key, value] of Object.entries(body)) {
    const match = /^q(\d{1,3})$/.exec(key);
    if (!match) continue;
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string' && v.length <= 2))
      throw new BadRequestError(`Answer ${key} is not valid.`);
    answers[Number(match[1])] = values as string[];
  }
  return answers;
}

export function postTestRoutes(deps: { catalogue: Catalogue; postTest: PostTestService }): Router {
  const router = Router();
  const base = (slug: string) => `/activities/${slug}/post-test`;
  const loadActivity = (req: Request) => activityOr404(deps.catalogue, req.params.slug);

  router.get('/activities/:slug/post-test', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const status = await deps.postTest.status(req.user!.id, activity);
    res.render('posttest/overview', {
      title: `Post-test · ${activity.title}`,
      activity,
      status,
      base: base(activity.slug),
    });
  });

  router.post('/activities/:slug/post-test/attempts', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const id = await deps.postTest.start(req.user!.id, activity);
    res.redirect(303, `${base(activity.slug)}/attempts/${id}`);
  });

  router.get('/activities/:slug/post-test/attempts/:attemptId', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const attempt = await deps.postTest.load(req.user!.id, attemptId(req));
    if (attempt.activity.slug !== activity.slug) throw new NotFoundError('There is no such attempt.');
    if (attempt.status === 'scored')
      return res.redirect(`${base(activity.slug)}/attempts/${attempt.id}/result`);
    res.render('posttest/attempt', {
      title: `Post-test · ${activity.title}`,
      activity,
      ...attemptView(attempt, {}),
      base: base(activity.slug),
    });
  });

  router.post('/activities/:slug/post-test/attempts/:attemptId', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const id = attemptId(req);
    const answers = parseAnswers(req.body);
    const outcome = await deps.postTest.submit(req.user!.id, id, answers);
    if ('problems' in outcome) {
      const attempt = await deps.postTest.load(req.user!.id, id);
      return res.status(422).render('posttest/attempt', {
        title: `Post-test · ${activity.title}`,
        activity,
        ...attemptView(attempt, answers, outcome.problems),
        base: base(activity.slug),
      });
    }
    res.redirect(303, `${base(activity.slug)}/attempts/${id}/result`);
  });

  router.get('/activities/:slug/post-test/attempts/:attemptId/result', allow.signedIn(), async (req, res) => {
    const activity = await loadActivity(req);
    const result = await deps.postTest.result(req.user!.id, attemptId(req));
    if (!result || result.attempt.activity.slug !== activity.slug)
      throw new NotFoundError('This attempt has no result yet.');
    const lessonBySlug = new Map(activity.lessons.map((l) => [l.slug, l]));
    res.render('posttest/result', {
      title: `Post-test result · ${activity.title}`,
      activity,
      ...result,
      passingScorePercent: result.attempt.passingScorePercent,
      responses: result.responses.map((r) => {
        const lesson = lessonBySlug.get(r.sectionSlug);
        return {
          ...r,
          // Item text is Markdown, rendered and sanitised (server/items/markdown.ts).
          stemHtml: renderItemPhrasing(r.stem),
          rationaleHtml: renderItemPhrasing(r.rationale),
          options: r.options.map((option) => ({ ...option, textHtml: renderOptionHtml(option.text) })),
          section: lesson ? { title: lesson.title, path: lessonPath(activity.slug, lesson) } : null,
          referenceLinks: r.references.map((n) => ({
            number: n,
            href: `${activity.referencesPath}#ref-${n}`,
          })),
        };
      }),
      base: base(activity.slug),
    });
  });

  return router;
}

function attemptView(
  attempt: Awaited<ReturnType<PostTestService['load']>>,
  answers: Answers,
  problems: Record<number, string> = {},
) {
  return {
    attemptId: attempt.id,
    attemptNumber: attempt.number,
    hasProblems: Object.keys(problems).length > 0,
    questions: attempt.responses.map((response) => {
      const options = response.itemVersion.options as { id: string; text: string }[];
      const chosen = answers[response.position] ?? [];
      return {
        position: response.position,
        name: `q${response.position}`,
        multiple: response.itemVersion.type === 'multiple',
        stemHtml: renderItemPhrasing(response.itemVersion.stem),
        problem: problems[response.position],
        options: response.optionOrder.map((id, index) => ({
          id,
          label: String.fromCharCode(65 + index),
          textHtml: renderOptionHtml(options.find((o) => o.id === id)!.text),
          checked: chosen.includes(id),
        })),
      };
    }),
  };
}
