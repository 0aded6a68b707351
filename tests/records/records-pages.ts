// The records pages as an admin's browser reads them: the list's rows, count and pager links, the record page, and
// the app they run in (a second activity with a maximum of 1 credit, a signed-in admin).
import * as cheerio from 'cheerio';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { signIn, type Agent } from '../support/client';
import { addActivity } from '../support/content';
import { factories, type Factories } from '../support/factories';

export const SECOND_ACTIVITY = 'second-records-activity';
export const SECOND_TITLE = 'A Second Records Activity';

export interface RecordsApp {
  t: TestApp;
  make: Factories;
  admin: User;
  adminAgent: Agent;
}

/** The app on its own database, with a second activity (1 credit at most) and a signed-in admin (Ada Admin). */
export async function startRecordsApp(now?: () => Date): Promise<RecordsApp> {
  const t = await createTestApp({ throttle: relaxedThrottle, now });
  const make = factories(t);
  await make.syncContent((dir) =>
    addActivity(dir, { slug: SECOND_ACTIVITY, title: SECOND_TITLE, maximumCredits: 1 }),
  );
  const admin = await make.user({ role: 'admin', fullName: 'Ada Admin' });
  return { t, make, admin, adminAgent: await signIn(t.app, admin.email) };
}

export interface ListedRecord {
  id: number;
  learner: string;
  email: string;
  profession: string;
  degree: string;
  activity: string;
  completed: string;
  credit: string;
  amount: string;
  score: string;
  attempts: string;
  certificate: string;
}

const cellText = ($: cheerio.CheerioAPI, element: Parameters<cheerio.CheerioAPI>[0]) =>
  $(element).text().replace(/\s+/g, ' ').trim();

/** GETs a records list URL and reads it: rows, count, pager links, the table's sort state. */
export async function readList(agent: Agent, url: string, status = 200) {
  const res = await agent.get(url);
  expect(res.status).toBe(status);
  const $ = cheerio.load(res.text);
  const rows: ListedRecord[] = $('#records tbody tr')
    .toArray()
    .map((tr) => {
      const cells = $(tr).find('td').toArray();
      const link = $(cells[0]).find('a').first();
      return {
        id: Number(/^\/admin\/records\/(\d+)$/.exec(link.attr('href') ?? '')?.[1]),
        learner: link.text().trim(),
        email: $(cells[0]).find('.records-email').text().trim(),
        profession: $(cells[1]).contents().first().text().trim(),
        degree: $(cells[1]).find('.records-degree').text().trim(),
        activity: cellText($, cells[2]),
        completed: $(cells[3]).find('time').attr('datetime') ?? '',
        credit: cellText($, cells[4]),
        amount: cellText($, cells[5]),
        score: cellText($, cells[6]),
        attempts: cellText($, cells[7]),
        certificate: [$(cells[8]).find('code').text(), $(cells[8]).find('.records-state').text()]
          .filter(Boolean)
          .join(' '),
      };
    });
  return {
    res,
    $,
    rows,
    ids: rows.map((row) => row.id),
    count: $('#records-count').text().trim(),
    next: $('a[rel=next]').attr('href') ?? null,
    previous: $('a[rel=prev]').attr('href') ?? null,
  };
}

/** Follows the Next links from `url` to the last page; the pages' ids in order. */
export async function walkForward(agent: Agent, url: string): Promise<number[][]> {
  const pages: number[][] = [];
  let next: string | null = url;
  while (next) {
    const page = await readList(agent, next);
    pages.push(page.ids);
    next = page.next;
    if (pages.length > 100) throw new Error('more than 100 pages: the pager loops');
  }
  return pages;
}

/** From the last page reached by Next links, follows the Previous links back; the pages' ids, first page first. */
export async function walkBackward(agent: Agent, url: string): Promise<number[][]> {
  let last = await readList(agent, url);
  while (last.next) last = await readList(agent, last.next);
  const pages: number[][] = [last.ids];
  let previous = last.previous;
  while (previous) {
    const page = await readList(agent, previous);
    pages.unshift(page.ids);
    previous = page.previous;
    if (pages.length > 100) throw new Error('more than 100 pages: the pager loops');
  }
  return pages;
}

/** The record page, parsed. */
export async function readRecord(agent: Agent, claimId: number, status = 200) {
  const res = await agent.get(`/admin/records/${claimId}`);
  expect(res.status).toBe(status);
  return { res, $: cheerio.load(res.text) };
}

/** A definition list (`dl` of `div > dt + dd`) as an object. */
export const factsOf = ($: cheerio.CheerioAPI, selector: string): Record<string, string> =>
  Object.fromEntries(
    $(`${selector} > div`)
      .toArray()
      .map((row) => [cellText($, $(row).find('dt')), cellText($, $(row).find('dd'))]),
  );
