// loadConfig: defaults, coercion, and a refusal that names the variable at fault.
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';

const projectRoot = path.resolve(__dirname, '..', '..');

/** The error loadConfig throws for `env`, or a failure if it throws none. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** The variables named by the error's message, one per `  NAME: problem` line. */
const named = (error: ConfigError) => [...error.message.matchAll(/^ {2}(\w+): /gm)].map((match) => match[1]);

describe('loadConfig', () => {
  it('when the environment is empty, then every setting has its default', () => {
    expect(loadConfig({})).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_POOL_SIZE: 10,
      DATA_DIR: path.join(projectRoot, '.data'),
      CONTENT_DIR: path.join(projectRoot, 'content'),
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_SECONDS: 10,
      APP_URL: 'http://localhost:3000',
      SESSION_IDLE_MINUTES: 30,
      SESSION_ABSOLUTE_HOURS: 12,
      TRUST_PROXY: 0,
      REGISTRATIONS_PER_IP_PER_HOUR: 20,
      LOGINS_PER_IP_PER_15_MINUTES: 60,
      MAIL_FROM: 'CME Platform <no-reply@localhost>',
      projectRoot,
    });
  });

  it('when a hospital rollout raises the registration limit, then it is taken; zero or a word is refused by name', () => {
    expect(loadConfig({ REGISTRATIONS_PER_IP_PER_HOUR: '500' }).REGISTRATIONS_PER_IP_PER_HOUR).toBe(500);
    expect(named(configError({ REGISTRATIONS_PER_IP_PER_HOUR: '0' }))).toEqual([
      'REGISTRATIONS_PER_IP_PER_HOUR',
    ]);
    expect(named(configError({ LOGINS_PER_IP_PER_15_MINUTES: 'many' }))).toEqual([
      'LOGINS_PER_IP_PER_15_MINUTES',
    ]);
  });

  it('when values are given as strings, then numbers are coerced and APP_URL follows PORT', () => {
    const config = loadConfig({
      PORT: '8080',
      SHUTDOWN_GRACE_SECONDS: '2.5',
      DATABASE_URL: 'postgres://u:p@db.example:5432/cme',
      LOG_LEVEL: 'warn',
    });
    expect(config.PORT).toBe(8080);
    expect(config.SHUTDOWN_GRACE_SECONDS).toBe(2.5);
    expect(config.DATABASE_URL).toBe('postgres://u:p@db.example:5432/cme');
    expect(config.LOG_LEVEL).toBe('warn');
    expect(config.APP_URL).toBe('http://localhost:8080');
    expect(loadConfig({ APP_URL: 'https://cme.example.org/' }).APP_URL).toBe('https://cme.example.org');
  });

  it('when the environment has unrelated variables, then they are not part of the configuration', () => {
    const config = loadConfig({ PATH: '/usr/bin', HOME: '/root' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('HOME');
  });

  it.each(['notanumber', '70000', '-1', '80.5'])(
    'when PORT is %p, then it stops with a ConfigError naming PORT',
    (port) => {
      expect(named(configError({ PORT: port }))).toEqual(['PORT']);
    },
  );

  it.each(['not a url', 'mysql://u:p@host/db', 'http://host/db', 'localhost:5432/cme'])(
    'when DATABASE_URL is %p, then it stops with a ConfigError naming DATABASE_URL',
    (url) => {
      expect(named(configError({ DATABASE_URL: url }))).toEqual(['DATABASE_URL']);
    },
  );

  it('when several values are wrong, then the message names each of them', () => {
    const error = configError({ PORT: 'x', DATABASE_URL: 'nope', LOG_LEVEL: 'loud' });
    expect(error.message).toMatch(/^Invalid configuration:/);
    expect(named(error).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
  });

  it('when NODE_ENV is production with DATABASE_URL, then SESSION_SECRET is required and must be long enough', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db.example:5432/cme' };
    const error = configError(production);
    expect(named(error)).toEqual(['SESSION_SECRET']);
    expect(error.message).toContain('SESSION_SECRET: is required in production with DATABASE_URL');
    expect(named(configError({ ...production, SESSION_SECRET: 'short' }))).toEqual(['SESSION_SECRET']);
    expect(loadConfig({ ...production, SESSION_SECRET: 'x'.repeat(32) }).NODE_ENV).toBe('production');
  });

  it('when NODE_ENV is production on the embedded database, then SESSION_SECRET may be left out (one is kept in DATA_DIR)', () => {
    const config = loadConfig({ NODE_ENV: 'production' });
    expect(config.NODE_ENV).toBe('production');
    expect(config.SESSION_SECRET).toBeUndefined();
    expect(named(configError({ NODE_ENV: 'production', SESSION_SECRET: 'short' }))).toEqual([
      'SESSION_SECRET',
    ]);
  });

  it('when NODE_ENV is development with DATABASE_URL, then SESSION_SECRET may be left out', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db.example:5432/cme' });
    expect(config.SESSION_SECRET).toBeUndefined();
  });

  it('when ADMIN_EMAIL is given without ADMIN_PASSWORD, then it stops naming ADMIN_PASSWORD', () => {
    expect(named(configError({ ADMIN_EMAIL: 'admin@example.org' }))).toEqual(['ADMIN_PASSWORD']);
  });

  it('when loaded, then the configuration is frozen', () => {
    const config = loadConfig({ PORT: '4000' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
    expect(config.PORT).toBe(4000);
  });
});
