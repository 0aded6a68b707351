// The admin pages as an admin's browser reads and submits them.
import * as cheerio from 'cheerio';
import { createTestApp, relaxedThrottle } from '../support/app';
import { signIn, submitForm, type Agent } from '../support/client';
import { factories } from '../support/factories';

/** The app on its own database, with a signed-in admin (Ada Admin) and the factories. */
export async function startAdminApp() {
  const t = await createTestApp({ throttle: relaxedThrottle });
  const make = factories(t);
  const admin = await make.user({ role: 'admin', fullName: 'Ada Admin' });
  return { t, make, admin, adminAgent: await signIn(t.app, admin.email) };
}

/** Rows of the users table: name, email, role (the selected option or the plain text for oneself) and status. */
export async function listUsers(agent: Agent, q?: string) {
  const res = await agent
    .get('/admin/users')
    .query(q === undefined ? {} : { q })
    .expect(200);
  const $ = cheerio.load(res.text);
  const rows = $('tbody tr')
    .toArray()
    .map((tr) => {
      const cells = $(tr).find('td');
      return {
        fullName: cells.eq(0).text().trim(),
        email: cells.eq(1).text().trim(),
        role: cells.eq(3).find('option[selected]').attr('value') ?? cells.eq(3).text().trim(),
        status: cells.eq(4).contents().first().text().trim(),
      };
    });
  return { $, rows, summary: $('main p').first().text().trim() };
}

export const setRole = (agent: Agent, userId: number, role: string) =>
  submitForm(agent, '/admin/users', `/admin/users/${userId}/role`, { role, q: '' });

export const setActive = (agent: Agent, userId: number, active: 'true' | 'false') =>
  submitForm(agent, '/admin/users', `/admin/users/${userId}/active`, { active, q: '' });

/** Audit rows about one user, newest first, as the audit page shows them. */
export async function auditRowsFor(agent: Agent, userId: number) {
  const res = await agent.get('/admin/audit').expect(200);
  const $ = cheerio.load(res.text);
  return $('tbody tr')
    .toArray()
    .map((tr) =>
      $(tr)
        .find('td')
        .toArray()
        .map((td) => $(td).text().trim()),
    )
    .filter((cells) => cells[3] === `user ${userId}`)
    .map(([when, who, action, target, details, ip]) => ({ when, who, action, target, details, ip }));
}
