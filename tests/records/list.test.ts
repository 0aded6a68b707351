// The completion records list as an admin uses it: every record once, newest first, 25 a page, keyset-paged both
// ways (30 records completed in the same second straddle the first page's end); each filter; each sort; the count;
// refused filters and damaged page links; and nobody but admins.
import { revokeCertificate } from '../../server/certificates/service';
import type { RecordFilters } from '../../server/records/filters';
import { createRecordQueries, type RecordRow } from '../../server/records/queries';
import type { PageRequest } from '../../server/records/statements';
import { encodeCursor } from '../../server/records/sorting';
import { signIn, visitor } from '../support/client';
import {
  SECOND_ACTIVITY,
  SECOND_TITLE,
  readList,
  startRecordsApp,
  walkBackward,
  walkForward,
  type RecordsApp,
} from './records-pages';
import { expectedOrder, type SortCase } from './oracle';

let app: RecordsApp;
const TIE = new Date('2027-03-10T09:00:00Z');
const TIES = 30;
const ids: Record<string, number> = {};
let all: number[];

beforeAll(async () => {
  app = await startRecordsApp();
  const { make } = app;
  const professions = [
    { profession: 'physician', degree: 'MD' },
    { profession: 'nurse', degree: 'RN' },
    { profession: 'physician_assistant', degree: 'PA-C' },
  ];
  // Thirty learners completing in the same second, in batches (each completion is a whole path to credit).
  for (let batch = 0; batch < TIES; batch += 5) {
    await Promise.all(
      Array.from({ length: 5 }, async (_, k) => {
        const i = batch + k;
        const user = await make.user({
          fullName: `Tie Learner ${String(i + 1).padStart(2, '0')}`,
          ...professions[i % 3],
        });
        const { claim } = await make.completion(user, { at: TIE, amount: i % 2 ? 0.25 : 0.5, wrong: i % 4 });
        ids[`tie${i + 1}`] = claim.id;
      }),
    );
  }
  const complete = async (
    key: string,
    fields: Record<string, string>,
    at: string,
    options: { activity?: string; amount?: number; failedFirst?: boolean } = {},
  ) => {
    const user = await make.user(fields);
    if (options.failedFirst)
      await make.scoredAttempt(user, { at: new Date(at), wrong: 10, activity: options.activity });
    const { claim } = await make.completion(user, { at: new Date(at), ...options });
    ids[key] = claim.id;
  };
  await complete(
    'zoe',
    {
      fullName: 'Zoë Ångström',
      email: 'zoe.angstrom@hopital.example',
      profession: 'nurse',
      degree: 'RN, BSN',
      consentToShare: 'on',
    },
    '2027-01-05T08:00:00Z',
    { failedFirst: true },
  );
  await complete(
    'aaron',
    { fullName: 'Aaron Able', profession: 'physician', degree: 'DO' },
    '2027-04-01T12:00:00Z',
    {
      activity: SECOND_ACTIVITY,
      amount: 1,
    },
  );
  await complete(
    'mia',
    {
      fullName: 'Mia 100%_Literal',
      profession: 'pharmacist',
      degree: 'PharmD',
      nabpEProfileId: '1234567',
      birthMonth: '4',
      birthDay: '12',
    },
    '2027-02-14T10:30:00Z',
    { amount: 0.25 },
  );
  await complete(
    'late',
    { fullName: 'Late Learner', profession: 'physician', degree: 'MD' },
    '2027-05-20T23:59:59Z',
  );
  await complete(
    'early',
    { fullName: 'Early Learner', profession: 'nurse', degree: 'RN' },
    '2027-01-01T00:00:00Z',
  );
  all = await expectedOrder(app.t, { key: 'date', direction: 'desc' });
}, 180_000);
afterAll(() => app?.t.close());

const list = (query = '') => readList(app.adminAgent, `/admin/records${query}`);
const idsOf = async (query: string) => (await walkForward(app.adminAgent, `/admin/records${query}`)).flat();
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

describe('paging', () => {
  it('when an admin opens the records, then all 35 are listed once, newest first, 25 a page, with the count', async () => {
    expect(all).toHaveLength(35);
    const first = await list();
    expect(first.count).toBe('35 records match.');
    expect(first.previous).toBeNull();
    const pages = await walkForward(app.adminAgent, '/admin/records');
    expect(pages.map((page) => page.length)).toEqual([25, 10]);
    expect(pages.flat()).toEqual(all);
  });

  it('when 30 records share their completion time across the end of page 1, then Next and Previous neither repeat nor skip one', async () => {
    const pages = await walkForward(app.adminAgent, '/admin/records');
    const ties = Object.entries(ids)
      .filter(([key]) => key.startsWith('tie'))
      .map(([, id]) => id);
    // Both pages hold some of the tied records: the boundary falls among them.
    expect(pages[0]!.filter((id) => ties.includes(id)).length).toBeGreaterThan(0);
    expect(pages[1]!.filter((id) => ties.includes(id)).length).toBeGreaterThan(0);
    expect(sorted(pages.flat().filter((id) => ties.includes(id)))).toEqual(sorted(ties));
    expect(await walkBackward(app.adminAgent, '/admin/records')).toEqual(pages);
    // Previous from page 2 is page 1 exactly.
    const second = await readList(app.adminAgent, (await list()).next!);
    expect((await readList(app.adminAgent, second.previous!)).ids).toEqual(pages[0]);
  });

  it('when a row is read, then it shows the learner as claimed, profession, credentials, activity, date, credit, amount, score, attempts and certificate', async () => {
    const { rows } = await list('?learner=ngstr');
    const certificate = await app.t.db.prisma.certificate.findFirstOrThrow({ where: { claimId: ids.zoe } });
    const grouped = certificate.code.toUpperCase().match(/.{4}/g)!.join('-');
    expect(rows).toEqual([
      {
        id: ids.zoe,
        learner: 'Zoë Ångström',
        email: 'zoe.angstrom@hopital.example',
        profession: 'Nurse',
        degree: 'RN, BSN',
        activity: 'Renal Leiomyosarcoma',
        completed: '2027-01-05',
        credit: 'ANCC contact hours',
        amount: '0.5',
        score: '100%',
        // A failed attempt, then the passed one.
        attempts: '2',
        certificate: `${grouped} Valid`,
      },
    ]);
  });
});

describe('filters', () => {
  it('when a completion date range is given, then both ends are whole days, inclusive', async () => {
    expect(sorted(await idsOf('?from=2027-01-01&to=2027-01-05'))).toEqual(sorted([ids.early!, ids.zoe!]));
    expect(await idsOf('?from=2027-05-20')).toEqual([ids.late]);
    expect(await idsOf('?from=2027-05-21')).toEqual([]);
    expect(await idsOf('?to=2027-01-01')).toEqual([ids.early]);
    expect((await idsOf('?from=2027-03-10&to=2027-03-10')).length).toBe(TIES);
  });

  it('when an activity, a credit type or a profession is chosen, then only its records are listed', async () => {
    expect(await idsOf(`?activity=${SECOND_ACTIVITY}`)).toEqual([ids.aaron]);
    const nurses = (await readList(app.adminAgent, '/admin/records?creditType=ANCC')).rows;
    expect(new Set(nurses.map((row) => row.credit))).toEqual(new Set(['ANCC contact hours']));
    expect(sorted(await idsOf('?creditType=ANCC'))).toEqual(
      sorted([ids.zoe!, ids.early!, ...[2, 5, 8, 11, 14, 17, 20, 23, 26, 29].map((n) => ids[`tie${n}`]!)]),
    );
    const assistants = await readList(app.adminAgent, '/admin/records?profession=physician_assistant');
    expect(assistants.count).toBe('10 records match.');
    expect(new Set(assistants.rows.map((row) => row.profession))).toEqual(new Set(['Physician assistant']));
    expect(await idsOf('?profession=pharmacist')).toEqual([ids.mia]);
  });

  it('when a learner is searched by part of the name or the email, in any case, then wildcards are taken literally', async () => {
    // Case-insensitive for ASCII letters (the embedded cluster's C locale folds no others).
    expect(await idsOf('?learner=nGSTR%C3%B6M')).toEqual([ids.zoe]);
    expect(await idsOf('?learner=HOPITAL.example')).toEqual([ids.zoe]);
    expect(await idsOf('?learner=100%25')).toEqual([ids.mia]);
    expect(await idsOf('?learner=%25')).toEqual([ids.mia]);
    expect(await idsOf('?learner=0%25_L')).toEqual([ids.mia]);
    expect(await idsOf('?learner=r_0')).toEqual([]);
    expect((await list('?learner=tie+learner')).count).toBe('30 records match.');
    expect((await list('?learner=nobody-at-all')).count).toBe('0 records match.');
  });

  it('when consent is filtered, then only records claimed with consent (and not withdrawn) count as consented', async () => {
    expect(await idsOf('?consent=yes')).toEqual([ids.zoe]);
    expect((await idsOf('?consent=no')).length).toBe(34);
  });

  it('when a certificate is revoked, then the state filter finds it, the other state the rest, and the row says Revoked', async () => {
    const certificate = await app.t.db.prisma.certificate.findFirstOrThrow({ where: { claimId: ids.late } });
    await revokeCertificate(
      app.t.db.prisma,
      app.admin,
      certificate.code,
      'Issued in error (test)',
      '127.0.0.1',
    );
    const revoked = await list('?certificate=revoked');
    expect(revoked.ids).toEqual([ids.late]);
    expect(revoked.rows[0]!.certificate).toMatch(/Revoked \w+ \d+, 20\d\d$/);
    expect((await idsOf('?certificate=valid')).length).toBe(34);
  });

  it('when filters are combined and match more than a page, then the Next link keeps them', async () => {
    const first = await list('?to=2027-03-31&consent=no');
    expect(first.next).toContain('consent=no');
    expect(first.next).toContain('to=2027-03-31');
    // The ties, Mia and Early Learner; not Zoë (consented), nor Aaron and Late Learner (after March 31).
    expect((await idsOf('?to=2027-03-31&consent=no')).length).toBe(32);
    // Physicians among the ties, on or before March 31.
    expect((await idsOf('?creditType=AMA_PRA_1&to=2027-03-31')).length).toBe(10);
    const many = await walkForward(app.adminAgent, '/admin/records?consent=no&from=2027-01-01');
    expect(many.map((page) => page.length)).toEqual([25, 9]);
    expect(many.flat()).toEqual(all.filter((id) => id !== ids.zoe));
  });

  it('when a filter is not valid, then 422 shows the form with the message at the field and the values typed', async () => {
    const reversed = await readList(
      app.adminAgent,
      '/admin/records?from=2027-05-01&to=2027-01-01&learner=Zo%C3%AB',
      422,
    );
    expect(reversed.res.status).toBe(422);
    expect(reversed.$('#to-error').text()).toBe('The start date is after the end date.');
    expect(reversed.$('#to').attr('aria-invalid')).toBe('true');
    expect(reversed.$('#from').attr('value')).toBe('2027-05-01');
    expect(reversed.$('#learner').attr('value')).toBe('Zoë');
    expect(reversed.$('#records')).toHaveLength(0);
    const words = await readList(app.adminAgent, '/admin/records?from=yesterday&profession=astronaut', 422);
    expect(words.res.status).toBe(422);
    expect(words.$('#from-error').text()).toBe('Enter a date as YYYY-MM-DD.');
    expect(words.$('#profession-error').text()).not.toBe('');
    expect(words.$('.notice-error a[href="#from"]')).toHaveLength(1);
    // Days that JavaScript would roll over (February 30 as March 2) or that PostgreSQL has not (year 0).
    for (const day of ['2027-02-30', '0000-01-01', '2027-13-01']) {
      const impossible = await readList(app.adminAgent, `/admin/records?to=${day}`, 422);
      expect(impossible.$('#to-error').text()).toBe('Enter a real date.');
    }
  });
});

describe('sorting', () => {
  const cases: [string, SortCase][] = [
    ['?sort=date&dir=asc', { key: 'date', direction: 'asc' }],
    ['?sort=name', { key: 'name', direction: 'asc' }],
    ['?sort=name&dir=desc', { key: 'name', direction: 'desc' }],
    ['?sort=activity', { key: 'activity', direction: 'asc' }],
    ['?sort=activity&dir=desc', { key: 'activity', direction: 'desc' }],
    ['?sort=amount', { key: 'amount', direction: 'desc' }],
    ['?sort=amount&dir=asc', { key: 'amount', direction: 'asc' }],
    ['?sort=score', { key: 'score', direction: 'desc' }],
    ['?sort=score&dir=asc', { key: 'score', direction: 'asc' }],
  ];

  it.each(cases)(
    'when sorted by %s, then the pages follow that order both ways, ties by id',
    async (query, sort) => {
      const pages = await walkForward(app.adminAgent, `/admin/records${query}`);
      expect(pages.flat()).toEqual(await expectedOrder(app.t, sort));
      expect(await walkBackward(app.adminAgent, `/admin/records${query}`)).toEqual(pages);
    },
  );

  it('when the list is sorted, then the column says so (aria-sort), its link reverses it, and filtering keeps the order', async () => {
    const page = await list('?sort=name&creditType=ANCC');
    const header = page.$('th[aria-sort]');
    expect(header).toHaveLength(1);
    expect(header.attr('aria-sort')).toBe('ascending');
    expect(header.find('a').attr('href')).toBe('/admin/records?creditType=ANCC&sort=name&dir=desc');
    expect(page.$('caption').text()).toBe('Completion records, sorted by learner, A to Z');
    expect(page.$('form.records-filters input[type=hidden][name=sort]').attr('value')).toBe('name');
    expect(page.rows.map((row) => row.learner)).toEqual(
      [...page.rows.map((row) => row.learner)].sort((a, b) => (a < b ? -1 : 1)),
    );
    expect((await list()).$('th[aria-sort]').text()).toMatch(/^Completed/);
  });

  it('when an activity sort is chosen, then the second activity’s record comes where its title puts it', async () => {
    const rows = (await walkForward(app.adminAgent, '/admin/records?sort=activity')).flat();
    // "A Second…" sorts before "Renal…".
    expect(rows[0]).toBe(ids.aaron);
    expect((await list('?sort=activity')).rows[0]!.activity).toBe(SECOND_TITLE);
  });
});

describe('links that cannot be followed', () => {
  it('when a page link is damaged or made for another sort, then 400 says to start again', async () => {
    const next = (await list('?sort=name')).next!;
    const nameCursor = new URL(`http://x${next}`).searchParams.get('after')!;
    for (const query of [
      '?after=not-a-cursor',
      // A learner's name where the date sort expects a completion time.
      `?after=${nameCursor}`,
      `?before=${Buffer.from('["2027-01-01 00:00:00","1; DROP TABLE users"]').toString('base64url')}`,
    ]) {
      const res = await app.adminAgent.get(`/admin/records${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.text).toContain('start again from the first page');
    }
  });

  it('when a page link points past the last record, then the page says so and leads back to the first page', async () => {
    const last = all[all.length - 1]!;
    const { rows } = await app.t.pool.query<{ d: string }>(
      'SELECT completed_at::text AS d FROM credit_claims WHERE id = $1',
      [last],
    );
    const after = encodeCursor([rows[0]!.d, String(last)]);
    const page = await list(`?after=${after}`);
    expect(page.rows).toEqual([]);
    expect(page.count).toBe('35 records match.');
    expect(page.$('main').text()).toContain('No more records past this point');
    expect(page.$('nav.pager a').attr('href')).toBe('/admin/records');
    expect(page.next).toBeNull();
  });

  it('when a learner or an educator asks for the records, then 403; a visitor is sent to sign in', async () => {
    for (const role of ['learner', 'educator'] as const) {
      const user = await app.make.user({ role });
      const agent = await signIn(app.t.app, user.email);
      expect((await agent.get('/admin/records')).status).toBe(403);
      expect((await agent.get(`/admin/records/${ids.zoe}`)).status).toBe(403);
    }
    const res = await visitor(app.t.app).get('/admin/records?creditType=ANCC');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/admin/records?creditType=ANCC')}`);
  });
});

// The page's two ways of reading (sorting every match when the probe found few, walking the sort's index otherwise,
// by activity through its own statement) must give the same pages; at this size the page always sorts every match,
// so each way is driven here directly, four rows a page, forwards and backwards, against the plain ORDER BY.
describe('the statements behind the page', () => {
  const filterCases: [string, RecordFilters, string, unknown[]][] = [
    ['no filter', {}, 'TRUE', []],
    ['a credit type', { creditType: 'ANCC' }, `c.credit_code = $1`, ['ANCC']],
    ['a learner', { learner: 'tie learner' }, `c.learner->>'fullName' ILIKE $1`, ['%tie learner%']],
    [
      'a date range',
      { from: '2027-01-01', to: '2027-03-10' },
      `c.completed_at >= '2027-01-01' AND c.completed_at < '2027-03-11'`,
      [],
    ],
  ];
  const sorts: SortCase[] = (['date', 'name', 'activity', 'amount', 'score'] as const).flatMap((key) =>
    (['asc', 'desc'] as const).map((direction) => ({ key, direction })),
  );
  const cases = filterCases.flatMap(([label, filters, where, values]) =>
    sorts.flatMap((sort) =>
      [true, false].map(
        (few) =>
          [
            `${label}, ${sort.key} ${sort.direction}, ${few ? 'few' : 'walk'}`,
            { filters, where, values, sort, few },
          ] as const,
      ),
    ),
  );

  it.each(cases)('%s: four a page, both ways, the plain ORDER BY', async (_label, c) => {
    const queries = createRecordQueries(app.t.pool);
    const expected = await expectedOrder(app.t, c.sort, c.where, c.values);
    expect(expected.length).toBeGreaterThan(4);
    const read = (cursor: PageRequest['cursor']) =>
      queries.page({ filters: c.filters, sort: c.sort, cursor, limit: 4, few: c.few });
    const forward: RecordRow[] = [];
    let cursor: PageRequest['cursor'] = null;
    for (;;) {
      const rows = await read(cursor);
      forward.push(...rows);
      if (rows.length < 4) break;
      cursor = { values: rows[rows.length - 1]!.sort_values, toward: 'after' };
    }
    expect(forward.map((row) => row.id)).toEqual(expected);
    const backward: RecordRow[] = [];
    cursor = { values: forward[forward.length - 1]!.sort_values, toward: 'before' };
    for (;;) {
      const rows = await read(cursor);
      backward.unshift(...[...rows].reverse());
      if (rows.length < 4) break;
      cursor = { values: rows[rows.length - 1]!.sort_values, toward: 'before' };
    }
    expect([...backward, forward[forward.length - 1]!].map((row) => row.id)).toEqual(expected);
  });

  it('when the probe counts, then it stops past its cap, and a learner found by name and email counts once', async () => {
    const queries = createRecordQueries(app.t.pool);
    expect(await queries.probe({}, 5)).toBeNull();
    expect(await queries.probe({}, 35)).toBe(35);
    expect(await queries.probe({}, 34)).toBeNull();
    expect(await queries.probe({ profession: 'pharmacist' }, 5)).toBe(1);
    // "ngstr" is in Zoë Ångström's name and in her email.
    expect(await queries.probe({ learner: 'ngstr' }, 1)).toBe(1);
    expect(await queries.probe({ learner: 'tie learner' }, 29)).toBeNull();
    expect(await queries.probe({ learner: 'tie learner' }, 30)).toBe(30);
  });
});
