// The application's route table, read from the Express 5 router itself: every route with its method, its
// complete path and the access rule its guard declares (server/http/access.ts). A route whose handlers carry
// no rule is listed with `access: undefined`, so the authorization-matrix test fails on it instead of skipping it.
import path from 'node:path';
import type { Express } from 'express';
import { Pool } from 'pg';
import pino from 'pino';
import { composeApp } from '../../server/compose';
import { loadContent } from '../../server/content/load';
import { createPrisma } from '../../server/db/prisma';
import { migrationNames } from '../../server/db/migrations';
import type { AccessRule } from '../../server/http/access';

export interface RouteInfo {
  /** Upper-case HTTP method, or `ALL` for `route.all(...)`. */
  method: string;
  /** The complete path pattern, e.g. `/activities/:slug/lessons/:lesson`. */
  path: string;
  access: AccessRule | undefined;
}

// The few parts of router@2's Layer and Route that the walk reads.
interface Layer {
  handle: ((...args: unknown[]) => unknown) & { stack?: Layer[]; access?: AccessRule };
  rawPath?: unknown;
  slash?: boolean;
  method?: string;
  route?: { path: unknown; methods: Record<string, boolean>; stack: Layer[] };
}

const joinPaths = (prefix: string, suffix: string) =>
  prefix === '' ? suffix : suffix === '/' ? prefix : `${prefix.replace(/\/$/, '')}${suffix}`;

function describePath(value: unknown): string {
  if (typeof value === 'string') return value;
  // A regexp or an array of paths: listed as-is so that the test names it, even if it cannot request it.
  return String(value);
}

function walk(stack: Layer[], prefix: string, out: RouteInfo[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const routePath = joinPaths(prefix, describePath(layer.route.path));
      for (const name of Object.keys(layer.route.methods)) {
        const applies = (l: Layer) => l.method === undefined || l.method === name || name === '_all';
        // The rule is the first guard among the handlers that run for this method.
        const guard = layer.route.stack.find((l) => applies(l) && l.handle.access !== undefined);
        out.push({
          method: name === '_all' ? 'ALL' : name.toUpperCase(),
          path: routePath,
          access: guard?.handle.access,
        });
      }
    } else if (Array.isArray(layer.handle.stack)) {
      // A router mounted with app.use(): at '/' its paths are already complete; elsewhere add the mount path.
      if (layer.slash) walk(layer.handle.stack, prefix, out);
      else if (typeof layer.rawPath === 'string')
        walk(layer.handle.stack, joinPaths(prefix, layer.rawPath), out);
      else throw new Error(`cannot read the mount path of a nested router: ${String(layer.rawPath)}`);
    }
  }
}

/** Every route of an Express 5 app, in registration order. */
export function listRoutes(app: Express): RouteInfo[] {
  const router = (app as unknown as { router?: { stack: Layer[] } }).router;
  if (!router) throw new Error('the app has no router (is this Express 5?)');
  const out: RouteInfo[] = [];
  walk(router.stack, '', out);
  return out;
}

/**
 * The route table of the real application, built synchronously and without a database: the pool and the
 * Prisma client connect lazily and are never used. Jest generates tests synchronously, before any beforeAll,
 * so the matrix is generated from this table; the test then checks it equals the table of the running app.
 */
export function applicationRoutes(): RouteInfo[] {
  const projectRoot = path.resolve(__dirname, '..', '..');
  const unused = 'postgresql://routes-only.invalid/unused';
  const logger = pino({ level: 'silent' });
  const content = loadContent(path.join(projectRoot, 'content'));
  const prisma = createPrisma(unused, 1);
  const { app } = composeApp({
    prisma,
    pool: new Pool({ connectionString: unused, max: 1 }),
    // Listening needs a connection; the route table needs no notifications.
    notifications: { subscribe: () => {}, ready: async () => {}, close: async () => {} },
    provider: content.provider,
    logger,
    settings: {
      projectRoot,
      production: false,
      appUrl: 'http://localhost:3000',
      trustProxy: 0,
      session: { secret: 'routes-only-secret-that-is-long-enough', idleMinutes: 30, absoluteHours: 12 },
      migrations: migrationNames(projectRoot),
    },
  });
  return listRoutes(app);
}

/** `GET /account`, for test names and messages. */
export const routeName = (route: Pick<RouteInfo, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** Methods that change state and therefore must carry a CSRF token. */
export const stateChanging = (route: Pick<RouteInfo, 'method'>) =>
  ['POST', 'PUT', 'PATCH', 'DELETE', 'ALL'].includes(route.method);

/**
 * Plausible values for the path parameters used by the routes; `:id` is the id of an existing user, `:code`
 * a well-formed certificate code that matches no certificate. An unknown parameter fails the test that uses it.
 */
export function fillPath(pattern: string, values: { id: number }): string {
  const known: Record<string, string> = {
    slug: 'renal-leiomyosarcoma',
    lesson: '1-introduction',
    token: 'x',
    attemptId: '1',
    code: '0123456789abcdef0123456789abcdef',
    id: String(values.id),
    claimId: '1',
  };
  return pattern.replace(/:(\w+)/g, (_match, name: string) => {
    const value = known[name];
    if (value === undefined) throw new Error(`no test value for the parameter :${name} of ${pattern}`);
    return encodeURIComponent(value);
  });
}

/** The names of a pattern's path parameters, in order: `/activities/:slug/lessons/:lesson` → slug, lesson. */
export const pathParameters = (pattern: string): string[] =>
  [...pattern.matchAll(/:(\w+)/g)].map((match) => match[1]!);

/**
 * A pattern with its parameters replaced by segments that are ALREADY percent-encoded (or deliberately broken:
 * `%`, `%E0%A4%A`), inserted verbatim. For plausible values, use fillPath.
 */
export function fillPathEncoded(pattern: string, segments: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_match, name: string) => {
    const segment = segments[name];
    if (segment === undefined) throw new Error(`no segment for the parameter :${name} of ${pattern}`);
    return segment;
  });
}
