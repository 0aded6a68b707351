// Deactivation and the audit log, as an admin uses them, and who else may not see the log.
import * as cheerio from 'cheerio';
import type { User } from '../../server/generated/prisma/client';
import type { TestApp } from '../support/app';
import { signIn, submitForm, visitor, type Agent } from '../support/client';
import { strongPassword, type Factories } from '../support/factories';
import * as records from '../support/records';
import * as pages from './admin-pages';
import { listUsers } from './admin-pages';

let t: TestApp;
let make: Factories;
let admin: User;
let adminAgent: Agent;

beforeAll(async () => {
  ({ t, make, admin, adminAgent } = await pages.startAdminApp());
});
afterAll(() => t.close());

const userRow = (id: number) => records.userRow(t, id);
const sessionsOf = (userId: number) => records.sessionsOf(t, userId);
const signInAttempt = (email: string, password = strongPassword) =>
  submitForm(visitor(t.app), '/login', '/login', { email, password });
const setRole = (userId: number, role: string) => pages.setRole(adminAgent, userId, role);
const setActive = (userId: number, active: 'true' | 'false') => pages.setActive(adminAgent, userId, active);
const auditRowsFor = (userId: number) => pages.auditRowsFor(adminAgent, userId);

describe('deactivation', () => {
  it('when an admin deactivates a user, then their sessions end at once and they cannot sign in; reactivation restores sign-in', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const phone = await signIn(t.app, user.email);
    expect(await sessionsOf(user.id)).toBe(2);

    const res = await setActive(user.id, 'false');
    expect(res.status).toBe(302);
    expect(await sessionsOf(user.id)).toBe(0);
    expect((await userRow(user.id)).active).toBe(false);
    for (const client of [agent, phone]) {
      const after = await client.get('/account');
      expect(after.status).toBe(302);
      expect(after.headers.location).toBe('/login?next=%2Faccount');
    }
    const refused = await signInAttempt(user.email);
    expect(refused.status).toBe(401);
    expect(cheerio.load(refused.text)('[role=alert]').text()).toMatch(/deactivated/);
    expect((await listUsers(adminAgent, user.email)).rows[0]!.status).toBe('Deactivated');

    expect((await setActive(user.id, 'true')).status).toBe(302);
    expect((await userRow(user.id)).active).toBe(true);
    expect((await signInAttempt(user.email)).status).toBe(302);
    expect((await listUsers(adminAgent, user.email)).rows[0]!.status).toBe('Active');
  });

  it('when the active value is not true or false, then 400 and nothing changes', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    expect((await setActive(user.id, 'no' as 'false')).status).toBe(400);
    expect((await userRow(user.id)).active).toBe(true);
    await agent.get('/account').expect(200);
  });
});

describe('audit log', () => {
  it('when an admin changes a role, deactivates and reactivates, then each action is on the audit page with who, what, target and IP', async () => {
    const user = await make.user();
    await setRole(user.id, 'educator');
    await setActive(user.id, 'false');
    await setActive(user.id, 'true');

    const rows = await auditRowsFor(user.id);
    expect(rows.map((row) => row.action)).toEqual([
      'admin.user_reactivate',
      'admin.user_deactivate',
      'admin.role_change',
      'user.register',
    ]);
    expect(rows[3]!.who).toBe(`${user.fullName} <${user.email}>`);
    for (const row of rows.slice(0, 3)) {
      expect(row.who).toBe(`Ada Admin <${admin.email}>`);
      expect(row.target).toBe(`user ${user.id}`);
      expect(row.ip).toMatch(/127\.0\.0\.1/);
      expect(row.when).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    expect(JSON.parse(rows[2]!.details!)).toEqual({ from: 'learner', to: 'educator' });
  });

  it('when nothing changes (same role, already active), then no audit entry is written', async () => {
    const user = await make.user({ role: 'educator' });
    const before = await auditRowsFor(user.id); // the account's creation
    await setRole(user.id, 'educator');
    await setActive(user.id, 'true');
    expect(await auditRowsFor(user.id)).toEqual(before);
  });

  it('when a learner or an educator opens the audit page or the users list, then 403', async () => {
    for (const role of ['learner', 'educator'] as const) {
      const user = await make.user({ role });
      const agent = await signIn(t.app, user.email);
      const audit = await agent.get('/admin/audit');
      expect(audit.status).toBe(403);
      expect(cheerio.load(audit.text)('main p').first().text()).toBe(
        'Your account does not have access to this page.',
      );
      expect(audit.text).not.toContain('admin.role_change');
      await agent.get('/admin/users').expect(403);
    }
  });

  it('when a signed-out visitor opens the audit page, then they are sent to sign in', async () => {
    const res = await visitor(t.app).get('/admin/audit').expect(302);
    expect(res.headers.location).toBe('/login?next=%2Fadmin%2Faudit');
  });
});
