// The reading-time heartbeat sent by views/static/heartbeat.js while a lesson is visible.
import { Router } from 'express';
import { activityOr404, type Catalogue } from '../catalogue/service';
import { allow } from '../http/access';
import { NotFoundError } from '../http/errors';
import type { ProgressService } from './service';

export function progressRoutes(deps: { catalogue: Catalogue; progress: ProgressService }): Router {
  const router = Router();
  router.post('/activities/:slug/lessons/:lesson/heartbeat', allow.signedIn(), async (req, res) => {
    const activity = await activityOr404(deps.catalogue, req.params.slug);
    const position = Number(/^(\d{1,3})(?:-[a-z0-9-]{0,120})?$/.exec(String(req.params.lesson))?.[1]);
    const lesson = activity.lessons[position - 1];
    if (!lesson) throw new NotFoundError('This activity has no such lesson.');
    const credited = await deps.progress.heartbeat(req.user!.id, activity.id, lesson.id);
    if (credited === null) throw new NotFoundError('Open the lesson before sending reading time.');
    res.json({ credited });
  });
  return router;
}
