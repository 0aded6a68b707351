// Admin pages: users (search, role, activation) and the audit log.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { listAudit } from '../audit/service';
import type { PrismaClient } from '../generated/prisma/client';
import { allow } from '../http/access';
import { lineText, pageNumber, parseId, readBody, readQuery, withoutInvisibleFormat } from '../http/input';
import { pathWithQuery } from '../http/safe-redirect';
import type { AdminService } from './service';

const SEARCH_MAX = 100;
const search = lineText(SEARCH_MAX, 'The search').transform((q) => q.trim());
const usersQuery = z.object({ q: search.default(''), page: pageNumber });
const auditQuery = z.object({ page: pageNumber });
// `q` is the search the admin came from, kept for the way back; a bad one is dropped, not an error.
const backTo = { q: search.optional().catch(undefined) };
const roleSchema = z.object({ role: z.enum(['learner', 'educator', 'admin']), ...backTo });
const activeSchema = z.object({ active: z.enum(['true', 'false']), ...backTo });
const usersPage = (q: string | undefined, page?: number) => pathWithQuery('/admin/users', { q, page });

export function adminRoutes(deps: { admin: AdminService; prisma: PrismaClient }): Router {
  const router = Router();
  const admin = allow.roles('admin');

  const userId = (req: Request) => parseId(req.params.id, 'There is no such user.');

  router.get('/admin/users', admin, async (req, res) => {
    const { q, page } = readQuery(req, usersQuery);
    const result = await deps.admin.listUsers(q, page);
    res.render('admin/users', {
      title: 'Users',
      q,
      page,
      ...result,
      users: result.users.map((user) => ({
        ...user,
        fullName: withoutInvisibleFormat(user.fullName),
        isSelf: user.id === req.user!.id,
      })),
      roles: ['learner', 'educator', 'admin'],
      previousHref: page > 1 ? usersPage(q, page - 1) : null,
      nextHref: page < result.pages ? usersPage(q, page + 1) : null,
    });
  });

  router.post('/admin/users/:id/role', admin, async (req, res) => {
    const id = userId(req);
    const { role, q } = readBody(req, roleSchema);
    await deps.admin.setRole(req.user!, id, role, req.ip ?? 'unknown');
    res.redirect(usersPage(q));
  });

  router.post('/admin/users/:id/active', admin, async (req, res) => {
    const id = userId(req);
    const { active, q } = readBody(req, activeSchema);
    await deps.admin.setActive(req.user!, id, active === 'true', req.ip ?? 'unknown');
    res.redirect(usersPage(q));
  });

  router.get('/admin/audit', admin, async (req, res) => {
    const { page } = readQuery(req, auditQuery);
    const pageSize = 50;
    const { entries, total } = await listAudit(deps.prisma, { page, pageSize });
    const pages = Math.max(1, Math.ceil(total / pageSize));
    res.render('admin/audit', {
      title: 'Audit log',
      entries: entries.map((entry) => ({
        ...entry,
        when: entry.createdAt.toISOString(),
        details: entry.details ? JSON.stringify(entry.details) : '',
      })),
      page,
      previousPage: page > 1 ? page - 1 : null,
      nextPage: page < pages ? page + 1 : null,
    });
  });

  return router;
}
