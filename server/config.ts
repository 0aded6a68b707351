// Configuration: read from the environment once, validated, frozen. A bad value stops the start with its name.
import path from 'node:path';
import { z } from 'zod';

// server/ when run from source, dist/server/ when compiled.
const projectRoot = path.resolve(
  __dirname,
  path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..',
);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** An existing PostgreSQL. Without it an embedded PostgreSQL keeps its data in DATA_DIR/postgres. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default(path.join(projectRoot, '.data')),
  CONTENT_DIR: z.string().min(1).default(path.join(projectRoot, 'content')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds that shutdown waits for open requests before closing them. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().default(10),
});

export type Config = Readonly<z.infer<typeof schema>> & { readonly projectRoot: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze({ ...parsed.data, projectRoot });
}
