// A browser-like client for Supertest: keeps cookies, reads the CSRF token from the form it submits.
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import type { PrismaClient } from '../../server/generated/prisma/client';
import { hashPassword } from '../../server/auth/passwords';

export type Agent = ReturnType<typeof request.agent>;

export const strongPassword = 'correct horse battery staple';

export async function csrfTokenFrom(agent: Agent, pageUrl: string): Promise<string> {
  const res = await agent.get(pageUrl).expect(200);
  const token = cheerio.load(res.text)('input[name=_csrf]').first().attr('value');
  if (!token) throw new Error(`no CSRF token on ${pageUrl}`);
  return token;
}

/** GETs `pageUrl` for its CSRF token, then POSTs the form fields to `action`. */
export async function submitForm(
  agent: Agent,
  pageUrl: string,
  action: string,
  fields: Record<string, string>,
) {
  const _csrf = await csrfTokenFrom(agent, pageUrl);
  return agent
    .post(action)
    .type('form')
    .send({ ...fields, _csrf });
}

export const learnerFields = (overrides: Record<string, string> = {}) => ({
  fullName: 'Dana Learner',
  email: `dana.${Math.random().toString(36).slice(2, 8)}@example.org`,
  profession: 'nurse',
  degree: 'RN',
  password: strongPassword,
  ...overrides,
});

export async function signIn(app: Express, email: string, password = strongPassword): Promise<Agent> {
  const agent = request.agent(app);
  const res = await submitForm(agent, '/login', '/login', { email, password });
  if (res.status !== 302) throw new Error(`sign-in of ${email} failed with ${res.status}`);
  return agent;
}

let cachedHash: Promise<string> | null = null;

/** Creates a user directly (faster than the form) with the shared test password. */
export async function createUser(
  prisma: PrismaClient,
  data: { email?: string; role?: 'learner' | 'educator' | 'admin'; active?: boolean; fullName?: string } = {},
) {
  cachedHash ??= hashPassword(strongPassword);
  return prisma.user.create({
    data: {
      email: data.email ?? `${data.role ?? 'learner'}.${Math.random().toString(36).slice(2, 10)}@example.org`,
      passwordHash: await cachedHash,
      role: data.role ?? 'learner',
      active: data.active ?? true,
      fullName: data.fullName ?? `Test ${data.role ?? 'learner'}`,
      profession: 'physician',
      degree: 'MD',
    },
  });
}
