// A browser-like client for app processes (tests/main/app-process.ts): one cookie jar, carried by hand to
// whichever instance a request goes to, and forms posted with the CSRF token of the page they came from.
import * as cheerio from 'cheerio';
import { strongPassword } from '../support/factories';

/** A running app process, by its base URL. */
export interface Instance {
  url: string;
}

/** A visitor's cookie jar, sent to whichever instance the request goes to. */
export class Visitor {
  cookies = new Map<string, string>();

  async request(instance: Instance, path: string, init: RequestInit = {}) {
    const res = await fetch(`${instance.url}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=');
      this.cookies.set(name!, value!);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  /** Fetches the form page on `formOn`, then posts its CSRF token with `fields` to `postTo`. */
  async submit(
    formOn: Instance,
    page: string,
    postTo: Instance,
    action: string,
    fields: Record<string, string> | [string, string][],
  ) {
    const form = await this.request(formOn, page);
    const csrf = cheerio.load(form.text)('input[name="_csrf"]').first().attr('value');
    if (!csrf) throw new Error(`no CSRF token on ${page} (${form.status})`);
    return this.request(postTo, action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ...(Array.isArray(fields) ? fields : Object.entries(fields)),
        ['_csrf', csrf],
      ]).toString(),
    });
  }

  /** The form page at `page`, read once: its token posts any number of times later, to any instance. */
  async form(on: Instance, page: string) {
    const form = await this.request(on, page);
    const csrf = cheerio.load(form.text)('input[name="_csrf"]').first().attr('value');
    if (!csrf) throw new Error(`no CSRF token on ${page} (${form.status})`);
    return {
      post: (to: Instance, action: string, fields: [string, string][]) =>
        this.request(to, action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams([...fields, ['_csrf', csrf]]).toString(),
        }),
    };
  }

  signIn(on: Instance, email: string, password = strongPassword) {
    return this.submit(on, '/login', on, '/login', { email, password });
  }

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
