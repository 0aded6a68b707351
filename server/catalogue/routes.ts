// Public pages of the catalogue: activity list, activity information page, lessons, references.
import crypto from 'node:crypto';
import { Router } from 'express';
import { allow } from '../http/access';
import { NotFoundError } from '../http/errors';
import { summariseProgress, type ProgressService } from '../progress/service';
import { activityOr404, type Catalogue } from './service';
import { availability, lessonPath, type ActivityView } from './view-model';

export function catalogueRoutes(deps: {
  catalogue: Catalogue;
  progress: ProgressService;
  now: () => Date;
}): Router {
  const router = Router();

  const loadActivity = (slug: unknown) => activityOr404(deps.catalogue, slug);

  router.get('/', allow.public(), async (_req, res) => {
    const activities = await deps.catalogue.list();
    const now = deps.now();
    res.render('catalogue/index', {
      title: 'Activities',
      activities: activities.map((activity) => ({ ...activity, availability: availability(activity, now) })),
    });
  });

  router.get('/activities/:slug', allow.public(), async (req, res) => {
    const activity = await loadActivity(req.params.slug);
    const progress = req.user
      ? summariseProgress(
          activity.lessons,
          await deps.progress.lessonProgress(
            req.user.id,
            activity.lessons.map((l) => l.id),
          ),
        )
      : null;
    res.render('catalogue/activity', {
      title: activity.title,
      activity,
      progress,
      availability: availability(activity, deps.now()),
      firstLesson: activity.lessons[0],
    });
  });

  // The anonymous lesson page is the same for every visitor, so its HTML is rendered once per activity version.
  // Keyed by the cached activity view: the next content sync replaces the view and so drops this cache.
  const anonymousLessonHtml = new WeakMap<ActivityView, Map<number, { html: string; etag: string }>>();

  router.get('/activities/:slug/lessons/:lesson', allow.public(), async (req, res, next) => {
    const activity = await loadActivity(req.params.slug);
    const match = /^(\d{1,3})(?:-(.*))?$/.exec(String(req.params.lesson));
    const index = match ? Number(match[1]) - 1 : -1;
    const lesson = activity.lessons[index];
    if (!lesson) throw new NotFoundError('This activity has no such lesson.');
    // Old or shortened links (e.g. /lessons/3) land on the canonical address.
    if (match?.[2] !== lesson.slug) return res.redirect(301, lessonPath(activity.slug, lesson));
    const cacheable = !req.user && req.app.enabled('view cache');
    const cached = cacheable ? anonymousLessonHtml.get(activity)?.get(lesson.position) : undefined;
    // The ETag is computed once with the page (Express would otherwise hash the body on every request).
    if (cached) return res.type('html').set('ETag', cached.etag).send(cached.html);
    let progress = null;
    if (req.user) {
      await deps.progress.recordView(req.user.id, activity.id, lesson.id);
      progress = summariseProgress(
        activity.lessons,
        await deps.progress.lessonProgress(
          req.user.id,
          activity.lessons.map((l) => l.id),
        ),
      );
    }
    res.render(
      'catalogue/lesson',
      {
        progress,
        heartbeatUrl: req.user ? `${lessonPath(activity.slug, lesson)}/heartbeat` : null,
        title: `${lesson.title} · ${activity.title}`,
        activity,
        lesson,
        lessonNumber: index + 1,
        lessonCount: activity.lessons.length,
        previous: activity.lessons[index - 1],
        next: activity.lessons[index + 1],
      },
      (error: Error | null, html: string) => {
        if (error) return next(error);
        if (cacheable) {
          const pages =
            anonymousLessonHtml.get(activity) ?? new Map<number, { html: string; etag: string }>();
          const etag = `"${crypto.createHash('sha1').update(html).digest('base64url')}"`;
          pages.set(lesson.position, { html, etag });
          anonymousLessonHtml.set(activity, pages);
        }
        res.send(html);
      },
    );
  });

  router.get('/activities/:slug/references', allow.public(), async (req, res) => {
    const activity = await loadActivity(req.params.slug);
    res.render('catalogue/references', { title: `References · ${activity.title}`, activity });
  });

  return router;
}
