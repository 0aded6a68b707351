// The one HTTP client of the in-process tests: Supertest agents that keep cookies like a browser, read the CSRF
// token from the page a form is on, and send forms (`_csrf` field) or JSON (X-CSRF-Token header).
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { strongPassword } from './factories';

export type Agent = ReturnType<typeof request.agent>;
export type Response = request.Response;
export type FormFields = Record<string, string | string[]>;

/** The JSON body of an error answer (server/http/errors.ts), for a client that asked for JSON. */
export interface ErrorBody {
  error: { status: number; title: string; message: string; details?: unknown; requestId?: string };
}

/** A browser without a session yet: it keeps the cookies it is given. */
export const visitor = (app: Express): Agent => request.agent(app);

/** The `_csrf` value of the first form on a page, or undefined. */
export const csrfTokenIn = (html: string): string | undefined =>
  cheerio.load(html)('input[name=_csrf]').first().attr('value');

export async function csrfTokenFrom(agent: Agent, pageUrl: string): Promise<string> {
  const res = await agent.get(pageUrl).expect(200);
  const token = csrfTokenIn(res.text);
  if (!token) throw new Error(`no CSRF token on ${pageUrl}`);
  return token;
}

/** POSTs form fields with a token already read (a form kept open, or many submissions of one form). */
export const postForm = (agent: Agent, action: string, fields: FormFields, csrf: string) =>
  agent
    .post(action)
    .type('form')
    .send({ ...fields, _csrf: csrf });

/** GETs `pageUrl` for its CSRF token, then POSTs the form fields to `action`. */
export async function submitForm(agent: Agent, pageUrl: string, action: string, fields: FormFields) {
  return postForm(agent, action, fields, await csrfTokenFrom(agent, pageUrl));
}

/** POSTs as the pages' scripts do: the token in X-CSRF-Token, JSON (when there is a body) and JSON back. */
export function postJson(agent: Agent, url: string, csrf: string, body?: object) {
  const req = agent.post(url).set('X-CSRF-Token', csrf).set('Accept', 'application/json');
  return body === undefined ? req : req.send(body);
}

/** GETs a binary answer (a PDF) with its body as a Buffer. */
export const getBinary = (agent: Agent, url: string) =>
  agent
    .get(url)
    .buffer(true)
    .parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });

/** Signs in through the /login form; fails unless the app accepts. */
export async function signIn(app: Express, email: string, password = strongPassword): Promise<Agent> {
  const agent = visitor(app);
  const res = await submitForm(agent, '/login', '/login', { email, password });
  if (res.status !== 302) throw new Error(`sign-in of ${email} failed with ${res.status}`);
  return agent;
}

/** The status of a sign-in attempt from a fresh browser. */
export const signInStatus = async (app: Express, email: string, password: string) =>
  (await submitForm(visitor(app), '/login', '/login', { email, password })).status;

/** Expects the page to send this browser to sign in, with the way back. */
export async function expectSignedOut(agent: Agent, page = '/account'): Promise<void> {
  const res = await agent.get(page);
  expect(res.status).toBe(302);
  expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(page)}`);
}
