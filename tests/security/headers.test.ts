// HTTP hardening as a browser sees it: the Content-Security-Policy and the other security headers, the
// session cookie's attributes, the body size limit, and no session for visitors who only read.
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app';
import type { ErrorBody } from '../support/client';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const lesson = '/activities/renal-leiomyosarcoma/lessons/1-introduction';
const pages = ['/', lesson, '/login'];

const setCookies = (res: request.Response): string[] =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []);

/** The policy as directive → sources. */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

describe.each(pages)('the headers of %s', (url) => {
  let res: request.Response;
  beforeAll(async () => {
    res = await request(t.app).get(url).expect(200);
  });

  it("have a Content-Security-Policy that allows only this site's scripts, styles and frames of none", () => {
    const header = res.headers['content-security-policy'];
    expect(typeof header).toBe('string');
    const csp = parseCsp(header as string);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(header).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('do not name the framework, forbid MIME sniffing and ask for HTTPS (HSTS)', () => {
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});

describe('the session cookie', () => {
  it('set by the sign-in page, is named cme.sid, HttpOnly and SameSite=Lax', async () => {
    const res = await request(t.app).get('/login').expect(200);
    const cookie = setCookies(res).find((c) => c.startsWith('cme.sid='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
  });

  it.each([
    ['the home page', '/'],
    ['a lesson page', lesson],
    ['an activity page', '/activities/renal-leiomyosarcoma'],
    ['a references page', '/activities/renal-leiomyosarcoma/references'],
  ])('is not set for an anonymous visitor of %s (a page without a form)', async (_name, url) => {
    const res = await request(t.app).get(url).expect(200);
    expect(setCookies(res)).toEqual([]);
  });
});

describe('a request body larger than 100 kB', () => {
  const big = 'x'.repeat(101 * 1024);

  it('posted as a form to /login is refused with 413 and an HTML error page', async () => {
    const res = await request(t.app).post('/login').type('form').send({ email: big, password: 'x' });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Request too large');
  });

  it('posted as JSON to /login by a client that accepts JSON is refused with 413 and a JSON error', async () => {
    const res = await request(t.app)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ email: big, password: 'x' });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect((res.body as ErrorBody).error).toMatchObject({ status: 413, title: 'Request too large' });
  });

  it('does not bring the application down', async () => {
    await request(t.app).post('/login').type('form').send({ email: big });
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/login').expect(200);
  });
});
