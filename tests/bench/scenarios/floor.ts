// The floor of a signed-in POST: what any form submission costs before its route does anything (session and
// user read, CSRF check, body parsing, redirect), on the floor app (servers.ts). Each request is another
// learner's, with a body the size and shape of a post-test submission, as in the submissions scenario.
import { loadScenario, sampleAnswers, type Bench } from '../bench';
import { rotatingRequests, type LoadRequest } from '../load/data';
import type { Target } from '../measure';
import { FLOOR_PATH } from '../servers';

/**
 * The floor's load (the submissions and write-floor scenarios measure it again, in turn with their own rounds);
 * the same requests sent to `path`, another route of the floor app.
 */
export async function floorTarget(bench: Bench, path = FLOOR_PATH): Promise<Target> {
  const requests = (await bench.learners()).map((learner): LoadRequest => ({
    method: 'POST',
    path,
    headers: { cookie: learner.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: `${sampleAnswers}&_csrf=${encodeURIComponent(learner.csrf)}`,
  }));
  const [first] = requests;
  return {
    url: `${bench.servers.floor}${path}`,
    method: 'POST',
    headers: first!.headers,
    body: first!.body,
    expectStatus: 303,
    load: rotatingRequests(requests),
  };
}

export const floor = loadScenario('floor', floorTarget);
