// docker-compose.yml and the Dockerfile against the configuration they feed (Docker itself is not needed).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config';

const projectRoot = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published: string | number })[];
  deploy?: { replicas?: number };
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test: string | string[] };
  volumes?: (string | { type: string; source: string; target: string })[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8')) as Compose;
const app = compose.services.app!;
const db = compose.services.db!;
const proxy = compose.services.proxy!;
const nginxConf = (name: string) => fs.readFileSync(path.join(projectRoot, 'deploy', 'nginx', name), 'utf8');
const publishedPorts = (service: Service) =>
  (service.ports ?? []).map((port) =>
    typeof port === 'object' ? [String(port.published), String(port.target)] : String(port).split(':'),
  );

/** What `docker compose` does to `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$$`. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}|\$(\w+)/g,
    (match, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = vars[name];
      const missing = colon ? !value : value === undefined;
      if (op === '-') return missing ? arg! : value!;
      if (op === '?') {
        if (missing) throw new Error(`${name}: ${arg}`);
        return value!;
      }
      return value ?? '';
    },
  );
}

/** The service's environment as a map, interpolated the way compose does with `vars` as the shell's environment. */
function environmentOf(service: Service, vars: Record<string, string | undefined>): Record<string, string> {
  const entries: [string, string][] = Array.isArray(service.environment)
    ? service.environment.map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, vars[item] ?? ''] : [item.slice(0, at), item.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value ?? '')]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value, vars)]));
}

const shell = { SESSION_SECRET: 'a'.repeat(40) };

describe('docker-compose.yml', () => {
  it('when read, then it defines exactly nginx in front of the app replicas, and the db', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'db', 'proxy']);
    expect(app.build).toBeDefined();
    expect(proxy.image).toMatch(/^nginx:1\.\d+/);
    expect(app.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('when read, then db is PostgreSQL 17 with a pg_isready healthcheck and its data in a named volume', () => {
    expect(db.image).toMatch(/^postgres:17(\.\d+)*(-[\w.]+)?$/);
    expect([db.healthcheck?.test].flat().join(' ')).toContain('pg_isready');
    const mounts = (db.volumes ?? []).map((volume) =>
      typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`,
    );
    const data = mounts.find((mount) => mount.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data!.split(':')[0]);
  });

  it('when read, then app waits for db to be healthy', () => {
    expect(app.depends_on).toEqual({
      db: expect.objectContaining({ condition: 'service_healthy' }) as unknown,
    });
  });

  it('when read, then only nginx is published; it listens where it is published and proxies to the port the app listens on', () => {
    const config = loadConfig(environmentOf(app, shell));
    expect(app.ports ?? []).toEqual([]);
    expect(publishedPorts(proxy)).toEqual([['3000', '8080']]);
    expect(nginxConf('nginx.conf')).toMatch(/^\s*listen 8080;$/m);
    expect(nginxConf('upstream.conf')).toMatch(new RegExp(`^\\s*server app:${config.PORT};$`, 'm'));
    const mounts = (proxy.volumes ?? []).map(String);
    expect(mounts).toEqual(
      expect.arrayContaining([
        './deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro',
        './deploy/nginx/upstream.conf:/etc/nginx/upstream.conf:ro',
      ]),
    );
  });

  it('when read, then the app trusts exactly the one proxy in front, which forwards the client address', () => {
    const config = loadConfig(environmentOf(app, shell));
    expect(config.TRUST_PROXY).toBe(1);
    expect(nginxConf('nginx.conf')).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it("when read, then the replicas' connections fit under the db's max_connections", () => {
    const config = loadConfig(environmentOf(app, shell));
    const maxConnections = Number(/max_connections=(\d+)/.exec(JSON.stringify(db))?.[1] ?? 100);
    const perReplica = 2 * config.DATABASE_POOL_SIZE + 1;
    // Room for the migrations at start and for an admin's psql.
    expect(app.deploy!.replicas! * perReplica + 5).toBeLessThanOrEqual(maxConnections);
  });

  it('when its environment is loaded as the configuration, then it parses and every variable is a known setting', () => {
    const env = environmentOf(app, shell);
    const config = loadConfig(env) as unknown as Record<string, unknown>;
    expect(config.NODE_ENV).toBe('production');
    // The schema drops unknown keys, so a misspelt variable would be missing from the result.
    for (const [key, value] of Object.entries(env)) {
      expect({ key, known: key in config }).toEqual({ key, known: true });
      expect({ key, value: String(config[key]) }).toEqual({ key, value });
    }
  });

  it('when SESSION_SECRET is not set in the shell, then compose refuses to start rather than run without one', () => {
    expect(() => environmentOf(app, {})).toThrow(/SESSION_SECRET/);
  });

  it("when read, then app's DATABASE_URL reaches the db service with its user, password and database", () => {
    for (const vars of [shell, { ...shell, POSTGRES_PASSWORD: 'Sup3rSecret' }]) {
      const appEnv = environmentOf(app, vars);
      const dbEnv = environmentOf(db, vars);
      const url = new URL(appEnv.DATABASE_URL!);
      expect(url.protocol).toMatch(/^postgres(ql)?:$/);
      expect(url.hostname).toBe('db');
      expect(url.port === '' || url.port === '5432').toBe(true);
      expect(decodeURIComponent(url.username)).toBe(dbEnv.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(dbEnv.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${dbEnv.POSTGRES_DB}`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const dockerignore = fs.readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8').split('\n');

  it('when read, then it runs the compiled entry point on Node 20 and exposes the published port', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim\b/m);
    // Node's flags before the entry point (tests/main/production-process.test.ts pins which).
    expect(dockerfile).toMatch(/^CMD \["node", (?:"--[a-z-]+=\d+", )*"dist\/server\/main\.js"\]$/m);
    expect(fs.existsSync(path.join(projectRoot, 'server', 'main.ts'))).toBe(true);
    expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('when building, then local installs, builds, data and secrets stay out of the context', () => {
    for (const entry of ['node_modules', 'dist', '.data', '.env', 'server/generated']) {
      expect(dockerignore).toContain(entry);
    }
  });
});
