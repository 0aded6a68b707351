/**
 * @jest-environment ./tests/support/zone-environment.ts
 * @jest-environment-options {"timeZone": "America/New_York"}
 */
// Times through the hand-written SQL on a server whose time zone is not UTC. The timestamp columns hold UTC, as
// Prisma writes and reads them (server/db/utc-timestamps.ts): a learner who completes at 23:30 UTC on 15 February
// completed on 15 February in the records and on the verification page, whatever the server's zone.
import * as cheerio from 'cheerio';
import type { User } from '../../server/generated/prisma/client';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { signIn, visitor, type Agent } from '../support/client';
import { factories, type Factories } from '../support/factories';
import { readList } from '../records/records-pages';

// The zone of the docblock: five hours behind UTC in February, so 23:30 UTC is 18:30 there, and 23:30 there is
// 04:30 UTC the next day.
const ZONE = 'America/New_York';

const NOW = new Date('2027-03-01T12:00:00Z');
const COMPLETED_AT = new Date('2027-02-15T23:30:00Z');

let t: TestApp;
let make: Factories;
let adminAgent: Agent;
let learner: User;
let completion: Awaited<ReturnType<Factories['completion']>>;

beforeAll(async () => {
  t = await createTestApp({ throttle: relaxedThrottle, now: () => NOW });
  make = factories(t);
  adminAgent = await signIn(t.app, (await make.user({ role: 'admin' })).email);
  learner = await make.user({ fullName: 'Florence Nightingale', degree: 'RN', profession: 'nurse' });
  completion = await make.completion(learner, { at: COMPLETED_AT });
}, 60_000);
afterAll(() => t?.close());

describe(`a server in ${ZONE}`, () => {
  it('when the test runs, then the zone is in force (else this file would prove nothing)', () => {
    expect(process.env.TZ).toBe(ZONE);
    expect(COMPLETED_AT.getHours()).toBe(18);
    expect(COMPLETED_AT.getTimezoneOffset()).toBe(300);
  });

  it('when a post-test is scored by the submission statement, then it is stored at the instant it was submitted', async () => {
    const attempt = await t.db.prisma.attempt.findFirstOrThrow({ where: { userId: learner.id } });
    expect(attempt.submittedAt).toEqual(COMPLETED_AT);
  });

  it('when an admin lists the records of 15 February, then the record is there, completed that day', async () => {
    const day = await readList(adminAgent, '/admin/records?from=2027-02-15&to=2027-02-15');
    expect(day.rows.map((row) => [row.id, row.completed])).toEqual([[completion.claim.id, '2027-02-15']]);
    const nextDay = await readList(adminAgent, '/admin/records?from=2027-02-16&to=2027-02-16');
    expect(nextDay.rows).toEqual([]);
  });

  it('when anyone verifies the certificate, then it was completed and issued on February 15', async () => {
    const res = await visitor(t.app).get(`/verify/${completion.code}`).expect(200);
    const $ = cheerio.load(res.text);
    const facts = Object.fromEntries(
      $('#certificate-facts > div')
        .toArray()
        .map((fact) => [$(fact).find('dt').text(), $(fact).find('dd').text()]),
    );
    expect(facts).toMatchObject({ 'Completed on': 'February 15, 2027', 'Issued on': 'February 15, 2027' });
  });
});
