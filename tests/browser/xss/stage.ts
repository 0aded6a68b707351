// The stage of an XSS browser test: the real app on its own database, one Chromium, and actors, each a user of a
// role with two signed-in browsers: one with the app's Content-Security-Policy (as users get it: a payload that
// got through the escaping shows as a CSP violation) and one with the CSP bypassed (a payload that got through
// would really run and set window.__xss: this proves the escaping on its own).
import type { Browser } from 'playwright-core';
import type { Role, User } from '../../../server/generated/prisma/client';
import { relaxedThrottle } from '../../support/app';
import { factories, strongPassword, type Factories } from '../../support/factories';
import { launchBrowser, startApp, type RunningApp } from '../../support/browser';
import { refusalOf, type Packed } from './corpus';
import { errorsIn, sendForm, signIn, type Fields } from './forms';
import { inspect, learnNav, openViewer, type Findings, type Shown, type Viewer } from './probe';

export interface Actor {
  user: User;
  /** With the app's CSP. */
  csp: Viewer;
  /** With the CSP bypassed; the one that sends the forms. */
  open: Viewer;
  both: [Viewer, Viewer];
  /** What the header's account link shows on every page (the full name), when it holds payloads. */
  header: Shown[];
}

export interface Stage {
  server: RunningApp;
  browser: Browser;
  make: Factories;
  close(): Promise<void>;
}

export async function openStage(): Promise<Stage> {
  const [server, browser] = await Promise.all([
    startApp({ throttle: relaxedThrottle, production: true }),
    launchBrowser(),
  ]);
  return {
    server,
    browser,
    make: factories(server.testApp),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A user of the role with both browsers signed in: a learner registered through the registration form when
 * `register` gives its fields, else made by the factories. `profile` changes are saved through the profile form
 * (`name`: a hostile full name), before the header's navigation is learned.
 */
export async function actor(
  stage: Stage,
  role: Role,
  options: { register?: Fields; name?: Packed; profile?: Fields } = {},
): Promise<Actor> {
  const open = await openViewer(stage.browser, stage.server.baseUrl, role, false);
  const csp = await openViewer(stage.browser, stage.server.baseUrl, role, true);
  let user: User;
  if (options.register) {
    user = await register(stage, open, options.register);
  } else {
    user = await stage.make.user({ role });
    await signIn(open.context, user.email);
  }
  // One session for both browsers: the second gets the first one's cookie (one sign-in, one password hash less).
  await csp.context.addCookies(await open.context.cookies());
  const header: Shown[] = [];
  if (options.name || options.profile) {
    const changes: Fields = { ...options.profile, ...(options.name ? { fullName: options.name.text } : {}) };
    if (role !== 'learner') changes.degree ??= 'MD';
    const answer = await sendForm(open.context, '/account', '/account', changes);
    if (answer.status !== 302)
      throw new Error(`the profile was refused (${answer.status}): ${errorsIn(answer.html)}`);
    if (options.name)
      header.push({ at: '.site-header a[href="/account"]', mode: 'text', payloads: options.name.payloads });
  }
  await Promise.all([learnNav(open), learnNav(csp)]);
  return { user, csp, open, both: [csp, open], header };
}

/** Registers a learner through the registration form in the viewer's browser (which is then signed in). */
export async function register(stage: Stage, viewer: Viewer, changes: Fields): Promise<User> {
  const email = `learner.${Math.random().toString(36).slice(2, 10)}@example.org`;
  const fields = { profession: 'physician', degree: 'MD', password: strongPassword, ...changes, email };
  const answer = await sendForm(viewer.context, '/register', '/register', fields);
  if (answer.status !== 302)
    throw new Error(`the registration was refused (${answer.status}): ${errorsIn(answer.html)}`);
  return stage.server.testApp.db.prisma.user.findUniqueOrThrow({ where: { email } });
}

/** Opens the page in both of the actor's browsers and inspects it (the header's name included). */
export async function inspectBoth(
  actor: Actor,
  url: string,
  shown: Shown[] = [],
  status = 200,
): Promise<Findings> {
  const findings: Findings = [];
  for (const viewer of actor.both)
    findings.push(...(await inspect(viewer, url, [...actor.header, ...shown], status)));
  return findings;
}

/** Payload ids of a packed value that the field refuses, for values that must be accepted (a setup mistake). */
export const mustFit = (packed: Packed, rules: Parameters<typeof refusalOf>[1]) => {
  const bad = packed.payloads.filter((payload) => refusalOf(payload.text, rules) !== null);
  if (bad.length > 0) throw new Error(`the field refuses ${bad.map((payload) => payload.id).join(', ')}`);
  return packed;
};
