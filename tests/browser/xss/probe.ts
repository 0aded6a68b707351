// Looking at one page in Chromium for what a payload could have done: run (the `window.__xss` global, a dialog, a
// Content-Security-Policy violation), leave markup behind (an element or attribute the app never writes), or break
// the layout (the header, main and footer no longer where they were, their navigation changed, the page wider than
// the window, text spilling out of its box over its neighbours). And checking that the payload is where it should
// be, as text: an escaped field must show the stored text, a Markdown field at least each payload's id (the rest
// may be sanitised away).
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { squash, type Payload } from './corpus';

/** A signed-in browser of one role, with or without the app's CSP. */
export interface Viewer {
  /** Who, for the findings: "admin (CSP)". */
  name: string;
  page: Page;
  context: BrowserContext;
  csp: boolean;
  /** The links of the header's navigation, as the app draws them for this role (taken on a clean page). */
  nav: string[];
  /** Dialogs, page errors and console errors since the last look. */
  incidents: string[];
}

export const VIEWPORT = { width: 1280, height: 900 };

// Runs before any script of every page, the app's CSP notwithstanding: counts violations, so that a payload the
// CSP blocked (its escaping failed) is seen as well as one that ran.
const WATCH_CSP = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
`;

export async function openViewer(
  browser: Browser,
  baseUrl: string,
  role: string,
  csp: boolean,
): Promise<Viewer> {
  const context = await browser.newContext({ baseURL: baseUrl, bypassCSP: !csp, viewport: VIEWPORT });
  await context.addInitScript(WATCH_CSP);
  const page = await context.newPage();
  const viewer: Viewer = {
    name: `${role} (${csp ? 'CSP' : 'no CSP'})`,
    page,
    context,
    csp,
    nav: [],
    incidents: [],
  };
  page.on('dialog', (dialog) => {
    viewer.incidents.push(`a ${dialog.type()} dialog ("${dialog.message()}") on ${page.url()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (error) => viewer.incidents.push(`page error ${error.message} on ${page.url()}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // A page answered 4xx on purpose (a refused form) logs its own status; the status itself is checked.
    if (/^Failed to load resource: the server responded with a status of 4\d\d /.test(message.text())) return;
    viewer.incidents.push(`console: ${message.text()} on ${page.url()}`);
  });
  return viewer;
}

/** What one field shows on a page, and how it must show it. */
export interface Shown {
  /** Where: a CSS selector; its elements' text (or value) together must hold the payloads. */
  at: string;
  /**
   * `text`: each payload's text appears whole in the element's text (an escaped field).
   * `ids`: each payload's id appears (Markdown, sanitised HTML, an excerpt of the start).
   * `value`: the form control's value is exactly `value` (an input or textarea sent back or opened for editing).
   */
  mode: 'text' | 'ids' | 'value';
  payloads?: Payload[];
  value?: string;
}

/** Everything found wrong on one page, as lines naming the viewer, the page and what. */
export type Findings = string[];

interface PageFacts {
  xss: unknown;
  csp: string[];
  injected: string[];
  layout: string[];
  nav: string[];
  /** Per expectation: the text (or value) of each element its selector finds. */
  texts: string[][];
}

/** The in-page part, one evaluate per page: what is asked of `at` selectors, and everything else the page shows. */
async function factsOfPage(asked: { at: string; value: boolean }[]): Promise<PageFacts> {
  const injected: string[] = [];
  const where = (element: Element) => {
    const parent = element.parentElement;
    return `${element.tagName.toLowerCase()} in ${parent ? parent.tagName.toLowerCase() + (parent.id ? `#${parent.id}` : '') : '?'}`;
  };
  // The app writes none of these tags in a page body (its charts are <img> of data:image/svg+xml in figure.chart).
  const foreign = new Set([
    'script',
    'iframe',
    'frame',
    'object',
    'embed',
    'base',
    'svg',
    'math',
    'style',
    'meta',
    'link',
    'noscript',
    'mglyph',
    'mtext',
  ]);
  // Nor these attributes: each is what a break-out leaves.
  const foreignAttributes = new Set([
    'style',
    'autofocus',
    'srcdoc',
    'x',
    'formaction',
    'background',
    'poster',
    'xlink:href',
  ]);
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href'];
  for (const element of Array.from(document.body.querySelectorAll('*'))) {
    const tag = element.tagName.toLowerCase();
    const scriptOfTheApp =
      tag === 'script' && (element as HTMLScriptElement).src.startsWith(`${location.origin}/static/`);
    if (foreign.has(tag) && !scriptOfTheApp) injected.push(`<${where(element)}>`);
    if (tag === 'img' && !element.closest('figure.chart')) injected.push(`<${where(element)}>`);
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      // The export buttons of the import page carry formaction to the app's own URLs.
      const ownFormAction = name === 'formaction' && attribute.value.startsWith('/items/');
      if (name.startsWith('on') || (foreignAttributes.has(name) && !ownFormAction)) {
        injected.push(`${where(element)} [${name}=${attribute.value.slice(0, 60)}]`);
        // A handler that waits for the user (onmouseover, onfocus) is given its event, so that it runs if it can.
        if (name.startsWith('on')) element.dispatchEvent(new Event(name.slice(2)));
      }
      if (urlAttributes.includes(name)) {
        // eslint-disable-next-line no-control-regex -- browsers ignore these inside a scheme
        const scheme = attribute.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
        const chartImage = tag === 'img' && scheme.startsWith('data:image/svg+xml');
        if (/^(javascript|vbscript|data):/.test(scheme) && !chartImage) {
          injected.push(`${where(element)} [${name}=${attribute.value.slice(0, 60)}]`);
        }
      }
    }
  }
  const layout: string[] = [];
  const only = (selector: string) => {
    const count = document.querySelectorAll(selector).length;
    if (count !== 1) layout.push(`${count} × ${selector} (1 expected)`);
  };
  only('body > header.site-header');
  only('body > main#main');
  only('body > footer.site-footer');
  const main = document.querySelector('main#main');
  const box = main?.getBoundingClientRect();
  if (!box || box.height < 20 || box.width < 200) layout.push(`main is not visible (${JSON.stringify(box)})`);
  // Overflow inside a scrolling container is its own (a wide table scrolls in its .table-wrap); an absolutely
  // positioned element escapes such a container unless something positioned in between holds it.
  const scrolls = (element: Element) => {
    const absolute = ['absolute', 'fixed'].includes(getComputedStyle(element).position);
    let held = false;
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.position !== 'static') held = true;
      if (style.overflowX !== 'visible' && (!absolute || held)) return true;
    }
    return false;
  };
  const innermost = (list: Element[]) =>
    list.filter((element) => !list.some((other) => other !== element && element.contains(other)));
  const named = (element: Element) =>
    `${where(element)}${typeof element.className === 'string' && element.className ? `.${element.className.split(' ')[0]}` : ''}`;
  // Text that spills out of its box overlaps what is beside it (a long unbroken word in a grid cell), even while
  // the page stays within the window. Form controls scroll their own text.
  const spilling = innermost(
    Array.from(document.body.querySelectorAll('*')).filter(
      (element) =>
        !['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) &&
        element.clientWidth > 0 &&
        element.scrollWidth > element.clientWidth + 4 &&
        getComputedStyle(element).overflowX === 'visible' &&
        !scrolls(element),
    ),
  );
  for (const element of spilling.slice(0, 3)) {
    const text = (element.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
    layout.push(
      `text spills ${element.scrollWidth - element.clientWidth}px out of ${named(element)} ("${text}…")`,
    );
  }
  const wide = document.documentElement.scrollWidth;
  if (wide > window.innerWidth) {
    // Name the innermost elements that reach past the window, so that the finding says where.
    const past = innermost(
      Array.from(document.body.querySelectorAll('*')).filter(
        (element) => element.getBoundingClientRect().right > window.innerWidth + 1 && !scrolls(element),
      ),
    );
    const names = past.slice(0, 3).map(named);
    layout.push(
      `the page is ${wide}px wide in a ${window.innerWidth}px window (past its edge: ${names.join(', ')})`,
    );
  }
  const footer = document.querySelector('body > footer.site-footer')?.getBoundingClientRect();
  if (box && footer && footer.top < box.bottom - 1) layout.push('the footer overlaps main');
  const nav = Array.from(document.querySelectorAll('.site-header nav a, .site-header nav button')).map(
    (element) => (element instanceof HTMLAnchorElement ? (element.getAttribute('href') ?? '') : 'button'),
  );
  const texts = asked.map(({ at, value }) =>
    Array.from(document.querySelectorAll(at)).map((element) =>
      value ? ((element as HTMLInputElement).value ?? '') : (element.textContent ?? ''),
    ),
  );
  // A handler on a timer or a late image error gets a moment to run.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const w = window as unknown as { __xss?: unknown; __cspViolations?: string[] };
  return { xss: w.__xss, csp: w.__cspViolations ?? [], injected, layout, nav, texts };
}

/** Checks the page the viewer is on now (after a navigation or a form's answer). */
export async function inspectCurrent(
  viewer: Viewer,
  label: string,
  shown: Shown[],
  response?: Response | null,
  status = 200,
): Promise<Findings> {
  const findings: Findings = [];
  const say = (what: string) => findings.push(`${viewer.name} · ${label}: ${what}`);
  const { page } = viewer;
  if (response && response.status() !== status) say(`answered ${response.status()} (${status} expected)`);
  const facts = await page.evaluate(
    factsOfPage,
    shown.map((expectation) => ({ at: expectation.at, value: expectation.mode === 'value' })),
  );
  if (facts.xss !== undefined) say(`a payload ran: window.__xss = ${JSON.stringify(facts.xss)}`);
  for (const violation of facts.csp) say(`CSP violation (escaping failed, the CSP blocked it): ${violation}`);
  for (const injected of facts.injected) say(`injected markup ${injected}`);
  for (const broken of facts.layout) say(`layout: ${broken}`);
  if (viewer.nav.length > 0 && JSON.stringify(facts.nav) !== JSON.stringify(viewer.nav))
    say(`header navigation changed: ${JSON.stringify(facts.nav)}`);
  for (const incident of viewer.incidents.splice(0)) say(incident);

  for (const [index, expectation] of shown.entries()) {
    const texts = facts.texts[index] ?? [];
    if (texts.length === 0) {
      say(`nothing at ${expectation.at}`);
      continue;
    }
    if (expectation.mode === 'value') {
      const normalise = (text: string) => text.replace(/\r\n?/g, '\n');
      if (!texts.some((text) => normalise(text) === normalise(expectation.value ?? '')))
        say(`${expectation.at} holds ${JSON.stringify(texts[0]!.slice(0, 120))}, not the value sent`);
      continue;
    }
    const all = squash(texts.join(' '));
    for (const payload of expectation.payloads ?? []) {
      const wanted = expectation.mode === 'text' ? squash(payload.text) : payload.id;
      if (!all.includes(wanted))
        say(`${expectation.at} does not show ${payload.id} (${payload.label}) as text`);
    }
  }
  return findings;
}

/** Opens `url` and inspects it. */
export async function inspect(
  viewer: Viewer,
  url: string,
  shown: Shown[] = [],
  status = 200,
): Promise<Findings> {
  const response = await viewer.page.goto(url);
  return inspectCurrent(viewer, url, shown, response, status);
}

/** The header links of the page the viewer is on: the reference every later page is compared with. */
export async function learnNav(viewer: Viewer, url = '/'): Promise<void> {
  await viewer.page.goto(url);
  viewer.nav = await viewer.page
    .locator('.site-header nav a, .site-header nav button')
    .evaluateAll((elements) =>
      elements.map((element) =>
        element instanceof HTMLAnchorElement ? (element.getAttribute('href') ?? '') : 'button',
      ),
    );
}
