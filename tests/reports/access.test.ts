// Who reads which reports: admins every activity's, educators those of the activities they author (an item they
// created or an item version they wrote), learners none.
import * as cheerio from 'cheerio';
import { createTestApp, type TestApp } from '../support/app';
import { signIn, visitor } from '../support/client';
import { factories, firstActivity, type Factories } from '../support/factories';
import { reportUrl } from './report-data';

let t: TestApp;
let make: Factories;
let activityId: number;
let objectiveId: number;

beforeAll(async () => {
  t = await createTestApp();
  make = factories(t);
  activityId = (await t.catalogue.find(firstActivity))!.id;
  objectiveId = (await t.db.prisma.objective.findFirstOrThrow({ where: { activityId } })).id;
});
afterAll(() => t.close());

// Raw rows: item authoring (H1's item service) is another helper's work in progress, so an item or a version
// "written by" an educator is inserted with its author as the service will record it.
const itemCreatedBy = (authorId: number | null, key: string) =>
  t.db.prisma.item.create({ data: { activityId, objectiveId, key, createdById: authorId } });

async function listed(agent: Awaited<ReturnType<typeof signIn>>) {
  const res = await agent.get('/reports').expect(200);
  const $ = cheerio.load(res.text);
  const links = (list: string) =>
    $(`#${list} a`)
      .toArray()
      .map((a) => $(a).attr('href'));
  return { $, real: links('real-activities'), synthetic: links('synthetic-activities') };
}

describe('report access', () => {
  it('when a visitor is not signed in, then the reports send them to sign in', async () => {
    const res = await visitor(t.app).get(reportUrl);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(reportUrl)}`);
  });

  it('when a learner asks for the reports, then both pages are refused (403)', async () => {
    const learner = await signIn(t.app, (await make.user()).email);
    await learner.get('/reports').expect(403);
    await learner.get(reportUrl).expect(403);
  });

  it('when an admin lists the reports, then every real activity is listed, and the scale seed’s copies apart', async () => {
    // A synthetic copy as `npm run seed:scale` makes them (H7's seed is not there yet): the real one, marked.
    const real = await t.db.prisma.activity.findUniqueOrThrow({ where: { id: activityId } });
    const { id: _id, createdAt: _c, updatedAt: _u, details, ...fields } = real;
    await t.db.prisma.activity.create({
      data: { ...fields, details: details as object, slug: `${firstActivity}-synthetic-01`, synthetic: true },
    });
    const admin = await signIn(t.app, (await make.user({ role: 'admin' })).email);
    const { real: realLinks, synthetic } = await listed(admin);
    expect(realLinks).toEqual([reportUrl]);
    expect(synthetic).toEqual([`/reports/${firstActivity}-synthetic-01`]);
    await admin.get(reportUrl).expect(200);
    await admin.get(`/reports/${firstActivity}-synthetic-01`).expect(200);
  });

  it('when an educator authors nothing, then the list says why it is empty and the report is not found', async () => {
    await itemCreatedBy(null, 'synced-without-author');
    const educator = await signIn(t.app, (await make.user({ role: 'educator' })).email);
    const { $, real, synthetic } = await listed(educator);
    expect([...real, ...synthetic]).toEqual([]);
    expect($('#no-reports').text()).toContain('You do not author any activity yet');
    // Not theirs: as for any record that is not one's own, the report does not exist for them.
    const refused = await educator.get(reportUrl);
    expect(refused.status).toBe(404);
    expect(cheerio.load(refused.text)('main').text()).toContain(
      'you can read the reports of the activities you author',
    );
  });

  it('when an educator created an item of the activity, then its report is listed and readable', async () => {
    const author = await make.user({ role: 'educator' });
    await itemCreatedBy(author.id, `created-by-${author.id}`);
    const educator = await signIn(t.app, author.email);
    expect((await listed(educator)).real).toEqual([reportUrl]);
    const res = await educator.get(reportUrl).expect(200);
    expect(cheerio.load(res.text)('h1').text()).toBe('Report: Renal Leiomyosarcoma');
  });

  it('when an educator wrote a version of someone else’s item, then the activity counts as theirs too', async () => {
    const writer = await make.user({ role: 'educator' });
    const item = await itemCreatedBy(null, `versioned-by-${writer.id}`);
    const published = await t.db.prisma.itemVersion.findFirstOrThrow();
    const { id: _id, createdAt: _c, itemId: _i, createdById: _b, options, ...copy } = published;
    await t.db.prisma.itemVersion.create({
      data: {
        ...copy,
        options: options as object,
        itemId: item.id,
        version: 1,
        state: 'draft',
        createdById: writer.id,
      },
    });
    const educator = await signIn(t.app, writer.email);
    expect((await listed(educator)).real).toEqual([reportUrl]);
    await educator.get(reportUrl).expect(200);
  });

  it('when the slug is malformed or names no activity, then the answer is 404', async () => {
    const admin = await signIn(t.app, (await make.user({ role: 'admin' })).email);
    await admin.get('/reports/no-such-activity').expect(404);
    await admin.get('/reports/Bad_Slug').expect(404);
  });
});
