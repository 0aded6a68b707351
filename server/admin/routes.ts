// Admin pages: users (search, role, activation) and the audit log.
import { Router } from 'express';
import { z } from 'zod';
import { listAudit } from '../audit/service';
import type { PrismaClient } from '../generated/prisma/client';
import { allow } from '../http/access';
import { BadRequestError } from '../http/errors';
import type { AdminService } from './service';

const pageSchema = z.coerce.number().int().min(1).max(100000).catch(1);
const userIdSchema = z.coerce.number().int().positive();
const roleSchema = z.object({ role: z.enum(['learner', 'educator', 'admin']) });
const activeSchema = z.object({ active: z.enum(['true', 'false']) });

export function adminRoutes(deps: { admin: AdminService; prisma: PrismaClient }): Router {
  const router = Router();
  const admin = allow.roles('admin');

  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new BadRequestError(parsed.error.issues[0]!.message);
    return parsed.data;
  };

  router.get('/admin/users', admin, async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
    const page = pageSchema.parse(req.query.page);
    const result = await deps.admin.listUsers(q, page);
    res.render('admin/users', {
      title: 'Users',
      q,
      page,
      ...result,
      users: result.users.map((user) => ({ ...user, isSelf: user.id === req.user!.id })),
      roles: ['learner', 'educator', 'admin'],
      previousHref: page > 1 ? `/admin/users?${new URLSearchParams({ q, page: String(page - 1) })}` : null,
      nextHref:
        page < result.pages ? `/admin/users?${new URLSearchParams({ q, page: String(page + 1) })}` : null,
    });
  });

  router.post('/admin/users/:id/role', admin, async (req, res) => {
    const userId = parse(userIdSchema, req.params.id);
    const { role } = parse(roleSchema, req.body ?? {});
    await deps.admin.setRole(req.user!, userId, role, req.ip ?? 'unknown');
    res.redirect(`/admin/users?q=${encodeURIComponent(String(req.body?.q ?? ''))}`);
  });

  router.post('/admin/users/:id/active', admin, async (req, res) => {
    const userId = parse(userIdSchema, req.params.id);
    const { active } = parse(activeSchema, req.body ?? {});
    await deps.admin.setActive(req.user!, userId, active === 'true', req.ip ?? 'unknown');
    res.redirect(`/admin/users?q=${encodeURIComponent(String(req.body?.q ?? ''))}`);
  });

  router.get('/admin/audit', admin, async (req, res) => {
    const page = pageSchema.parse(req.query.page);
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
