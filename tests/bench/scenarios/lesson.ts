// The anonymous lesson page of the real app (no session cookie: answered before the session store).
import { ACTIVITY_SLUG, loadScenario } from '../bench';

export const lesson = loadScenario('lesson', (bench) => ({
  url: `${bench.servers.app}/activities/${ACTIVITY_SLUG}/lessons/1-introduction`,
  expectText: '<h1 id="lesson-title">Introduction</h1>',
}));
