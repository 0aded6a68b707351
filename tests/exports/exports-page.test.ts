// The exports page: its filter form keeps the admin's values, links every download with the same filters, refuses bad
// filters with the form's field errors (422), and is usable in a real browser: keyboard, axe-core, a PARS download.
import fs from 'node:fs';
import path from 'node:path';
import * as cheerio from 'cheerio';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  describeBrowser,
  launchBrowser,
  screenshot,
  screenshotDir,
  seriousAxeViolations,
  startApp,
  watchPage,
  type RunningApp,
} from '../support/browser';
import { signIn, type Agent } from '../support/client';
import { factories, strongPassword, type Factories } from '../support/factories';
import { fullReporting, setActivityReporting } from './accredited-content';
import { readXlsx, values } from './files';

jest.mock('../../server/content/load', () =>
  jest.requireActual<typeof import('./provider-id')>('./provider-id').loaderWithProviderId(),
);

const NOW = new Date('2027-03-01T12:00:00Z');

let server: RunningApp;
let make: Factories;
let adminEmail: string;
let adminAgent: Agent;

beforeAll(async () => {
  server = await startApp({ now: () => NOW });
  make = factories(server.testApp);
  await setActivityReporting(make, fullReporting);
  adminEmail = (await make.user({ role: 'admin', fullName: 'Avery Admin' })).email;
  adminAgent = await signIn(server.testApp.app, adminEmail);
  const physician = (fullName: string, extra: Record<string, string> = {}) =>
    make.user({
      fullName,
      profession: 'physician',
      degree: 'MD',
      consentToShare: 'on',
      birthMonth: '5',
      birthDay: '1',
      npi: '1234567893',
      ...extra,
    });
  await make.completion(await physician('Grace Hopper'), { at: new Date('2027-02-20T10:00:00Z') });
  await make.completion(await physician('Mary Ann Evans'), { at: new Date('2027-02-18T10:00:00Z') });
  await make.completion(await physician('Alan Turing', { consentToShare: '' }), {
    at: new Date('2027-01-10T10:00:00Z'),
  });
  const pharmacist = await make.user({
    fullName: 'Phil Pharmacist',
    profession: 'pharmacist',
    degree: 'PharmD',
    nabpEProfileId: '123456',
    birthMonth: '2',
    birthDay: '29',
  });
  await make.completion(pharmacist, { at: new Date('2026-12-01T10:00:00Z') });
}, 120_000);
afterAll(() => server?.close());

describe('the exports page', () => {
  it('when filters are applied, then the form shows them and every download link carries them', async () => {
    const res = await adminAgent
      .get('/admin/exports?from=2027-01-01&profession=physician&learner=%3Cb%3E')
      .expect(200);
    const $ = cheerio.load(res.text);
    expect($('#from').attr('value')).toBe('2027-01-01');
    expect($('#profession option[selected]').attr('value')).toBe('physician');
    expect($('#learner').attr('value')).toBe('<b>');
    const hrefs = $('a[download]')
      .toArray()
      .map((a) => $(a).attr('href'));
    expect(hrefs).toEqual([
      '/admin/exports/records.csv?from=2027-01-01&profession=physician&learner=%3Cb%3E',
      '/admin/exports/records.csv?from=2027-01-01&profession=physician&learner=%3Cb%3E&bom=1',
      '/admin/activities/renal-leiomyosarcoma/records.csv',
      '/admin/exports/pars.xlsx?from=2027-01-01&profession=physician&learner=%3Cb%3E',
      '/admin/exports/pars.txt?from=2027-01-01&profession=physician&learner=%3Cb%3E',
      '/admin/exports/cpe-monitor.csv?from=2027-01-01&profession=physician&learner=%3Cb%3E',
      '/admin/exports/cpe-monitor.txt?from=2027-01-01&profession=physician&learner=%3Cb%3E',
    ]);
  });

  it('when a filter is not valid, then the form comes back with 422, the message at the field and the values typed', async () => {
    const res = await adminAgent.get('/admin/exports?from=2027-02-31&to=2027-01-01&consent=perhaps');
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('.notice-error li').length).toBeGreaterThanOrEqual(2);
    expect($('#from').attr('aria-invalid')).toBe('true');
    expect($('#from-error').text()).toBe('Enter a real date.');
    expect($('#from').attr('value')).toBe('2027-02-31');
    expect($('#consent').attr('aria-invalid')).toBe('true');
    expect($('a[download]')).toHaveLength(0);
  });

  it('when it lists records, then the columns and rules tables say how the files are made', async () => {
    const $ = cheerio.load((await adminAgent.get('/admin/exports').expect(200)).text);
    expect($('caption').first().text()).toMatch(/^Not reportable to PARS, and why \(2\)$/);
    expect(
      $('table caption')
        .toArray()
        .map((c) => $(c).text()),
    ).toEqual([
      'Not reportable to PARS, and why (2)',
      'Not reportable to CPE Monitor, and why (1)',
      'PARS columns, in order (row 1 of the file is guidance text, row 2 this header)',
      'CPE Monitor columns, in order',
    ]);
    expect($('th[scope=col]').length).toBeGreaterThan(0);
  });
});

describeBrowser('the exports page in a browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    // bypassCSP only so that axe-core can be injected; the page itself runs no script.
    context = await browser.newContext({ baseURL: server.baseUrl, acceptDownloads: true, bypassCSP: true });
    page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(strongPassword);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/login')),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('when an admin filters with the keyboard and downloads the PARS workbook, then it holds the reportable records', async () => {
    const watched = watchPage(page);
    await page.goto('/admin/exports');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'exports-page');

    await page.getByLabel('Completed from').fill('2027-02-01');
    await page.getByLabel('Profession').selectOption({ label: 'Physician (MD, DO)' });
    await page.getByRole('button', { name: 'Apply filters' }).press('Enter');
    await page.waitForURL(/from=2027-02-01/);
    expect(await page.locator('#pars-not-reportable tbody tr').count()).toBe(1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'exports-page-filtered');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download PARS file (Excel, .xlsx)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('accme-pars-learners-0012345-2027-03-01.xlsx');
    const file = path.join(screenshotDir, '..', 'exports-pars.xlsx');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await download.saveAs(file);
    const sheet = await readXlsx(fs.readFileSync(file));
    expect(
      values(sheet.rows)
        .slice(2)
        .map((row) => `${row[3]} ${row[4]}`),
    ).toEqual(['Grace Hopper']);
    expect(watched.list()).toEqual([]);
  }, 60_000);

  it('when the filters are wrong, then the error page is readable and clean for axe-core', async () => {
    await page.goto('/admin/exports?from=2027-02-31');
    expect(await page.locator('#from-error').innerText()).toBe('Enter a real date.');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'exports-page-invalid');
  });
});
