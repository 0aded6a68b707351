// Load module (autocannon's setupRequest, in its worker thread): the next unused attempt, submitted by its
// learner. The cursor is shared with the main thread, so a measurement continues where its warm-up stopped.
import type autocannon from 'autocannon';
import { loadData, type AttemptQueue } from './data';

const queue = loadData<AttemptQueue>();

export = function nextAttempt(req: autocannon.Request): autocannon.Request {
  const i = Atomics.add(queue.cursor, 0, 1);
  if (i >= queue.ids.length) {
    // Out of attempts: a 404 that the report counts, rather than resubmitting a scored attempt.
    return Object.assign(req, { method: 'GET', path: '/bench-attempts-exhausted', body: '', headers: {} });
  }
  const who = queue.learner[i]!;
  return Object.assign(req, {
    method: 'POST',
    path: queue.pathPrefix + queue.ids[i],
    headers: { cookie: queue.cookies[who], 'content-type': 'application/x-www-form-urlencoded' },
    body: queue.bodies[who],
  });
};
