// Sending the app's own forms from a viewer's browser: either typed into the page (Chromium fills and submits the
// form, and the answer is the page the viewer is on), or sent over HTTP by the same browser context (its cookies,
// the form's CSRF token and current fields), which is faster and can carry what a text box cannot (a line break
// in a one-line field, a NUL).
import * as cheerio from 'cheerio';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { strongPassword } from '../../support/factories';

export type Fields = Record<string, string | string[]>;

export interface HttpAnswer {
  status: number;
  location: string | undefined;
  html: string;
}

/** The current fields of the form posting to `action` on a page, as a browser would send them unchanged. */
export function formFields(html: string, action: string): { csrf: string; fields: Fields } {
  const $ = cheerio.load(html);
  const form = $(`form[action="${action}"]`).first();
  if (form.length === 0) throw new Error(`no form posting to ${action}`);
  const fields: Fields = {};
  const add = (name: string, value: string) => {
    const before = fields[name];
    fields[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  };
  form.find('input, textarea, select').each((_, element) => {
    const field = $(element);
    const name = field.attr('name');
    const type = (field.attr('type') ?? '').toLowerCase();
    if (!name || name === '_csrf' || type === 'submit' || type === 'file') return;
    if ((type === 'checkbox' || type === 'radio') && field.attr('checked') === undefined) return;
    if (element.tagName === 'textarea') return add(name, field.text());
    if (element.tagName === 'select')
      return add(
        name,
        field.find('option[selected]').attr('value') ?? field.find('option').first().attr('value') ?? '',
      );
    add(name, field.attr('value') ?? (type === 'checkbox' ? 'on' : ''));
  });
  const csrf = form.find('input[name=_csrf]').attr('value') ?? $('input[name=_csrf]').first().attr('value');
  if (!csrf) throw new Error(`no CSRF token in the form posting to ${action}`);
  return { csrf, fields };
}

/** The field errors of a page sent back, for messages. */
export const errorsIn = (html: string) =>
  cheerio
    .load(html)('.error-message')
    .map((_, element) => cheerio.load(element).text().trim())
    .get()
    .join('; ');

const urlencoded = (fields: Fields) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  }
  return body.toString();
};

/**
 * Opens `pageUrl` over HTTP, takes the form posting to `action` with its current fields, changes `changes`, and
 * sends it (redirects not followed). `replace` sends only `changes` (and the token).
 */
export async function sendForm(
  context: BrowserContext,
  pageUrl: string,
  action: string,
  changes: Fields,
  options: { replace?: boolean } = {},
): Promise<HttpAnswer> {
  const page = await context.request.get(pageUrl);
  if (page.status() !== 200) throw new Error(`${pageUrl} answered ${page.status()}`);
  const { csrf, fields } = formFields(await page.text(), action);
  const response = await context.request.post(action, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    data: urlencoded({ ...(options.replace ? {} : fields), ...changes, _csrf: csrf }),
    maxRedirects: 0,
    failOnStatusCode: false,
  });
  return { status: response.status(), location: response.headers().location, html: await response.text() };
}

/** Signs the context in through the sign-in form. */
export async function signIn(context: BrowserContext, email: string): Promise<void> {
  const answer = await sendForm(context, '/login', '/login', { email, password: strongPassword });
  if (answer.status !== 302) throw new Error(`signing in ${email} answered ${answer.status}`);
}

/**
 * Types the fields into the form posting to `action` on the page the viewer is on, and submits it with its button
 * (`button`: its accessible name; the form's first submit button otherwise). Returns the answer to the POST; the
 * page then shows what the app answered (the form again with errors, or the page redirected to).
 */
export async function typeAndSubmit(
  page: Page,
  action: string,
  fields: Fields,
  button?: string | RegExp,
): Promise<Response> {
  const form = page.locator(`form[action="${action}"]`).first();
  for (const [name, value] of Object.entries(fields)) {
    const controls = form.locator(`[name="${name}"]`);
    const first = controls.first();
    const tag = await first.evaluate((element) => element.tagName.toLowerCase());
    const type = (await first.getAttribute('type')) ?? '';
    const values = Array.isArray(value) ? value : [value];
    if (type === 'checkbox' || type === 'radio') {
      for (const control of await controls.all()) {
        const wanted = values.includes((await control.getAttribute('value')) ?? 'on');
        if (wanted) await control.check();
        else if (type === 'checkbox') await control.uncheck();
      }
    } else if (tag === 'select') {
      await first.selectOption(values);
    } else {
      await first.fill(values[0] ?? '');
    }
  }
  const submit = button
    ? form.getByRole('button', { name: button })
    : form.locator('button[type=submit], button:not([type])').first();
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) =>
        r.request().method() === 'POST' && new URL(r.url()).pathname === new URL(action, page.url()).pathname,
    ),
    page.waitForEvent('load'),
    submit.click(),
  ]);
  return response;
}
