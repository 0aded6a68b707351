// The idle timeout on the server: activity keeps a session alive (its expiry is pushed forward in the database,
// at most once per touch interval), inactivity ends it even when the browser still sends the cookie.
import { touchIntervalMs } from '../../server/auth/session-store';
import { createTestApp, type TestApp } from '../support/app';
import { submitForm, visitor } from '../support/client';
import { factories, strongPassword } from '../support/factories';

const idleMinutes = 0.05; // 3 s
const idleMs = idleMinutes * 60_000;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ session: { idleMinutes } });
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signs in and returns the session cookie, to be sent by hand (a cookie jar would drop it when it expires). */
async function sessionCookie(): Promise<string> {
  const user = await factories(t).user();
  const res = await submitForm(visitor(t.app), '/login', '/login', {
    email: user.email,
    password: strongPassword,
  });
  expect(res.status).toBe(302);
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('cme.sid='));
  return cookie!.split(';')[0]!;
}

describe('the idle timeout', () => {
  it('writes the expiry at most once per interval: a tenth of the idle time, never more than a minute', () => {
    expect(touchIntervalMs(idleMs)).toBe(300);
    expect(touchIntervalMs(30 * 60_000)).toBe(60_000);
  });

  it('when the learner keeps using the site past the idle time, then the session stays; once idle, it ends', async () => {
    const cookie = await sessionCookie();
    // 5 requests 1 s apart: 5 s in all, longer than the 3 s idle timeout, so the expiry must have moved.
    for (let i = 0; i < 5; i++) {
      await sleep(1000);
      await visitor(t.app).get('/account').set('Cookie', cookie).expect(200);
    }
    // The store keeps expiry times to the second, rounded up: allow one more second.
    await sleep(idleMs + 1500);
    const res = await visitor(t.app).get('/account').set('Cookie', cookie).expect(302);
    expect(res.headers.location).toBe('/login?next=%2Faccount');
  }, 20_000);
});
