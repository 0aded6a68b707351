// The public pages a reader sees before and while taking the activity.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { articleSectionTitles } from '../support/article';
import { signIn, visitor, type ErrorBody } from '../support/client';
import { factories } from '../support/factories';

const base = '/activities/renal-leiomyosarcoma';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => new Date('2027-03-01T12:00:00Z') });
});
afterAll(() => t.close());

const page = async (url: string, status = 200) => {
  const res = await visitor(t.app).get(url).expect(status);
  return cheerio.load(res.text);
};
const text = ($: cheerio.CheerioAPI, selector: string) => $(selector).text().replace(/\s+/g, ' ').trim();

describe('the catalogue', () => {
  it('when opened, then it lists the activity with its credit, time and expiration date', async () => {
    const $ = await page('/');
    const card = $('.card').first();
    expect(text($, '.card h2')).toBe('Renal Leiomyosarcoma');
    expect(card.find('a').attr('href')).toBe(base);
    expect(card.text()).toMatch(/up to 0\.5/);
    expect(card.text()).toContain('30 minutes');
    expect(card.find('time').attr('datetime')).toBe('2029-10-31');
  });
});

describe('the activity information page', () => {
  let $: cheerio.CheerioAPI;
  beforeAll(async () => {
    $ = await page(base);
  });

  it('when opened, then it shows the four objectives and the target audience', () => {
    expect($('#objectives + p + ol li')).toHaveLength(4);
    expect(text($, '#objectives + p + ol li:first-child')).toBe(
      'Describe the clinical characteristics of renal leiomyosarcoma.',
    );
    expect(text($, '#audience + p')).toMatch(/^Physicians/);
  });

  it('when opened, then it shows faculty, release, review and expiration dates and the estimated time', () => {
    expect(text($, '#faculty + ul')).toContain('Rabia Zafar');
    const facts = text($, '#dates + dl');
    expect(facts).toContain('Release date November 1, 2026');
    expect(facts).toContain('Date of last review November 1, 2026');
    expect(facts).toContain('Expiration date October 31, 2029');
    expect(facts).toContain('Estimated time to complete 30 minutes');
  });

  it('when opened, then the method of participation announces the passing score before starting', () => {
    expect(text($, '#method + ol')).toContain('The passing score is 75%');
    expect(text($, '#method + ol')).toContain('12 questions');
  });

  it('when no one has a financial relationship, then the page says none exist', () => {
    expect(text($, 'section[aria-labelledby=disclosures]')).toContain(
      'None of the planners, faculty or reviewers of this activity has a relevant financial relationship',
    );
    expect(text($, 'section[aria-labelledby=disclosures]')).toContain('received no commercial support');
  });

  it('when opened, then the accreditation and designation statements are verbatim, with italics and ™', () => {
    expect(text($, '#accreditation + p')).toBe(
      'In support of improving patient care, CME Platform Continuing Education is jointly accredited by the Accreditation Council for Continuing Medical Education (ACCME), the Accreditation Council for Pharmacy Education (ACPE), and the American Nurses Credentialing Center (ANCC), to provide continuing education for the healthcare team.',
    );
    const designation = $('#accreditation ~ p.designation').first();
    expect(designation.find('em').text()).toBe('AMA PRA Category 1 Credits');
    expect(designation.text().replace(/\s+/g, ' ')).toBe(
      'CME Platform Continuing Education designates this enduring material for a maximum of 0.5 AMA PRA Category 1 Credits™. Physicians should claim only the credit commensurate with the extent of their participation in the activity.',
    );
    const byType = $('ul.credit-types li')
      .map((_, li) => $(li).find('strong').text())
      .get();
    expect(byType).toEqual([
      'AMA PRA Category 1 Credit™.',
      'AAPA Category 1 CME credit.',
      'ANCC contact hours.',
      'ACPE contact hours.',
      'Certificate of participation (hours).',
    ]);
    expect(text($, 'ul.credit-types li:nth-child(3)')).toContain('for a maximum of 0.5 ANCC contact hours');
    expect(text($, 'section[aria-labelledby=accreditation]')).toContain(
      '0.5 Interprofessional Continuing Education (IPCE) credit',
    );
  });

  it('when opened, then it gives requirements, a contact and the table of contents of 13 lessons', () => {
    expect(text($, '#requirements + p')).toContain('web browser');
    expect($('#contact + p a').attr('href')).toBe('mailto:cme@example.org');
    expect($('.toc ol li')).toHaveLength(13);
    expect($('.toc ol li a').first().attr('href')).toBe(`${base}/lessons/1-introduction`);
  });

  it('when the activity has expired, then the page says no credit can be claimed', async () => {
    const expired = await createTestApp({ now: () => new Date('2029-11-01T00:00:00Z') });
    try {
      const res = await visitor(expired.app).get(base).expect(200);
      expect(cheerio.load(res.text)('[role=status]').text()).toContain('no credit can be claimed');
    } finally {
      await expired.close();
    }
  });
});

describe('the lessons', () => {
  it('when walked by "next" links, then the 13 sections come in the article order with prev/next links', async () => {
    const titles: string[] = [];
    let url: string | undefined = `${base}/lessons/1-introduction`;
    let previousUrl: string | undefined;
    while (url) {
      const $ = await page(url);
      titles.push(text($, 'h1'));
      expect(text($, '.eyebrow')).toContain(`Lesson ${titles.length} of 13`);
      expect($('a[rel=prev]').attr('href')).toBe(previousUrl);
      expect($('.toc a[aria-current=page]').attr('href')).toBe(url);
      previousUrl = url;
      url = $('a[rel=next]').attr('href');
    }
    expect(titles).toEqual(articleSectionTitles);
  });

  it('when a lesson cites references, then each marker links to its entry on the references page', async () => {
    const $ = await page(`${base}/lessons/1-introduction`);
    const links = $('.lesson-body a.citation');
    expect(links.map((_, a) => $(a).text()).get()).toEqual(['[1]', '[2]', '[3]', '[4]', '[1]', '[5]']);
    expect(links.first().attr('href')).toBe(`${base}/references#ref-1`);
  });

  it('when a section has a bulleted list, then it stays a list', async () => {
    const $ = await page(`${base}/lessons/11-consultations`);
    expect(
      $('.lesson-body ul li')
        .map((_, li) => $(li).text())
        .get(),
    ).toEqual([
      'Urologist',
      'Nephrologist',
      'Medical oncologist',
      'Radiation oncologist',
      'Interventional radiologist',
      'Pathologist',
    ]);
  });

  it('when the address has only the number, then it redirects to the canonical address', async () => {
    await visitor(t.app)
      .get(`${base}/lessons/3`)
      .expect(301)
      .expect('Location', `${base}/lessons/3-epidemiology`);
  });

  it('when the lesson does not exist, then a 404 page in the site layout answers', async () => {
    const $ = await page(`${base}/lessons/14-nothing`, 404);
    expect(text($, 'h1')).toBe('Page not found');
    expect($('header.site-header')).toHaveLength(1);
  });
});

describe('the references page', () => {
  it('when opened, then it lists the 17 references with PubMed and DOI links and evidence levels', async () => {
    const $ = await page(`${base}/references`);
    const items = $('ol.references > li');
    expect(items).toHaveLength(17);
    const first = items.first();
    expect(first.attr('id')).toBe('ref-1');
    expect(first.find('a[href="https://pubmed.ncbi.nlm.nih.gov/20090506/"]')).toHaveLength(1);
    expect(first.find('a[href="https://doi.org/10.1097/PAS.0b013e3181cad8c9"]')).toHaveLength(1);
    expect(text($, '#ref-1 .evidence')).toBe('Level 3 (low-level) evidence');
    expect($('#ref-8 a[href^="https://doi.org"]')).toHaveLength(0);
    expect($('#ref-15 a').attr('href')).toBe('https://pubmed.ncbi.nlm.nih.gov/4819688/');
    expect($('.evidence')).toHaveLength(5);
  });
});

describe('errors', () => {
  it('when a client asks for JSON, then a 404 answers in JSON', async () => {
    const res = await visitor(t.app).get('/activities/nope').set('Accept', 'application/json').expect(404);
    expect((res.body as ErrorBody).error).toMatchObject({ status: 404, title: 'Page not found' });
  });

  it('when the server fails in production, then the 500 page shows no stack trace', async () => {
    const prod = await createTestApp({ production: true });
    try {
      await prod.db.prisma.$executeRawUnsafe('DROP TABLE "lessons" CASCADE');
      const res = await visitor(prod.app).get(`${base}/lessons/1-introduction`).expect(500);
      const $ = cheerio.load(res.text);
      expect(text($, 'h1')).toBe('Something went wrong');
      expect($('.stack')).toHaveLength(0);
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
      const json = await visitor(prod.app).get(base).set('Accept', 'application/json').expect(500);
      expect((json.body as ErrorBody).error.message).toBe(
        'An unexpected error occurred. It has been logged; please try again later.',
      );
    } finally {
      await prod.close();
    }
  });

  it('when a static asset is requested, then it is served with long-lived caching', async () => {
    const $ = await page('/');
    const href = $('link[rel=stylesheet]').attr('href')!;
    expect(href).toMatch(/^\/static\/styles\.css\?v=[0-9a-f]{12}$/);
    const res = await visitor(t.app).get(href).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});

describe('the anonymous lesson cache (production)', () => {
  it('when the same lesson is read anonymously twice, then the same page comes back without a session; a learner still gets progress', async () => {
    const prod = await createTestApp({ production: true });
    try {
      const url = `${base}/lessons/2-etiology`;
      const first = await visitor(prod.app).get(url).expect(200);
      const second = await visitor(prod.app).get(url).expect(200);
      expect(second.text).toBe(first.text);
      expect(second.headers['set-cookie']).toBeUndefined();
      const user = await factories(prod).user();
      const agent = await signIn(prod.app, user.email);
      const own = cheerio.load((await agent.get(url).expect(200)).text);
      expect(own('progress#reading-progress').attr('value')).toBe('1');
      expect(own('[data-heartbeat-url]')).toHaveLength(1);
      expect(cheerio.load(first.text)('[data-heartbeat-url]')).toHaveLength(0);
    } finally {
      await prod.close();
    }
  });
});

describe('conditional requests', () => {
  it('when a cached anonymous lesson is asked for with its ETag, then 304 Not Modified answers', async () => {
    const prod = await createTestApp({ production: true });
    try {
      const url = `${base}/lessons/3-epidemiology`;
      await visitor(prod.app).get(url).expect(200);
      const second = await visitor(prod.app).get(url).expect(200);
      expect(second.headers.etag).toMatch(/^"[\w-]{27}"$/);
      await visitor(prod.app).get(url).set('If-None-Match', second.headers.etag!).expect(304);
    } finally {
      await prod.close();
    }
  });
});
