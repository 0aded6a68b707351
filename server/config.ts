// Configuration: read from the environment once, validated, frozen. A bad value stops the start with its name.
import path from 'node:path';
import { z } from 'zod';

// server/ when run from source, dist/server/ when compiled.
const projectRoot = path.resolve(
  __dirname,
  path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..',
);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    /**
     * An existing PostgreSQL. Without it an embedded PostgreSQL keeps its data in DATA_DIR/postgres, or as root,
     * when the postgres user cannot reach DATA_DIR, in /var/lib/cme-platform (server/db/data-location.ts).
     */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /**
     * Connections in each of the instance's two pools (Prisma's and node-postgres'); with the listening
     * connection an instance holds at most 2 × this + 1. Keep instances × (2 × this + 1) under max_connections.
     */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    /**
     * A read replica for the read-heavy exports (completion records, PARS, CPE Monitor), if there is one. It may
     * lag the primary by seconds: a record completed that instant may be in the next export instead.
     */
    DATABASE_REPLICA_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** The embedded PostgreSQL's files and the kept session secret. */
    DATA_DIR: z.string().min(1).default(path.join(projectRoot, '.data')),
    CONTENT_DIR: z.string().min(1).default(path.join(projectRoot, 'content')),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Seconds that a shutdown takes at most: draining requests, closing connections, stopping PostgreSQL. */
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().default(10),
    /** Public base URL, used in emailed links and certificate QR codes. Defaults to http://localhost:PORT. */
    APP_URL: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Signs the session cookie; at least 32 characters. Without it, an app on the embedded database makes one
     * and keeps it in DATA_DIR/session-secret; with DATABASE_URL, production requires it (DATA_DIR may not
     * survive a redeploy, and several instances must share one secret).
     */
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Minutes of inactivity after which a session ends. */
    SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    /** Hours after sign-in after which a session ends whatever the activity. */
    SESSION_ABSOLUTE_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 7)
      .default(12),
    /** Express "trust proxy": set to the number of proxies in front (e.g. 1) when behind a TLS-terminating proxy. */
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
    /**
     * Registrations accepted per network per hour. A hospital rollout puts a whole department behind one
     * address: raise it for the day of the rollout rather than turning the limit off.
     */
    REGISTRATIONS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
    /** Sign-in attempts per network per 15 minutes (shared by everyone behind one address). */
    LOGINS_PER_IP_PER_15_MINUTES: z.coerce.number().int().min(1).max(100_000).default(60),
    /** smtp:// or smtps:// URL of the mail server. Without it, emails are written to the log. */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    MAIL_FROM: z.string().min(3).default('CME Platform <no-reply@localhost>'),
    /** Creates the first admin when the database has no user at all. */
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: z.string().min(12).max(128).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.DATABASE_URL && !env.SESSION_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required in production with DATABASE_URL',
      });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_PASSWORD'],
        message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together',
      });
    }
  });

export type Config = Readonly<z.infer<typeof schema> & { APP_URL: string; projectRoot: string }>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (KEY= in an env file) means "not set", not an empty value.
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const appUrl = (parsed.data.APP_URL ?? `http://localhost:${parsed.data.PORT}`).replace(/\/$/, '');
  return Object.freeze({ ...parsed.data, APP_URL: appUrl, projectRoot });
}
