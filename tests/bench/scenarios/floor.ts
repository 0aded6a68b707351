// The floor of a signed-in POST: what any form submission costs before its route does anything (session and
// user read, CSRF check, body parsing, redirect), on the floor app (servers.ts). Each request is another
// learner's, with a body the size and shape of a post-test submission, as in the submissions scenario.
import { loadScenario, sampleAnswers } from '../bench';
import { rotatingRequests, type LoadRequest } from '../load/data';
import { FLOOR_PATH } from '../servers';

export const floor = loadScenario('floor', async (bench) => {
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
});
