// The floor of a signed-in POST: what any form submission costs before its route does anything (session and
// user read, CSRF check, body parsing, redirect), on the floor app (servers.ts). Each request is another
// learner's, with a body the size and shape of a post-test submission, as in the submissions scenario.
import { loadScenario, sampleAnswers, type Bench } from '../bench';
import { rotatingRequests, type LoadRequest } from '../load/data';
import type { Target } from '../measure';
import { FLOOR_PATH } from '../servers';

/** The floor's load; the submissions scenario measures it again, in turn with its own rounds. */
export async function floorTarget(bench: Bench): Promise<Target> {
  const requests = (await bench.learners()).map((learner): LoadRequest => ({
    method: 'POST',
    path: FLOOR_PATH,
    headers: { cookie: learner.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: `${sampleAnswers}&_csrf=${encodeURIComponent(learner.csrf)}`,
  }));
  const [first] = requests;
  return {
    url: `${bench.servers.floor}${FLOOR_PATH}`,
    method: 'POST',
    headers: first!.headers,
    body: first!.body,
    expectStatus: 303,
    load: rotatingRequests(requests),
  };
}

export const floor = loadScenario('floor', floorTarget);
