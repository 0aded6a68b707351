// A Jest environment that runs its test file in another time zone, as on a server outside UTC: the file's docblock
// gives it (@jest-environment-options {"timeZone": "America/New_York"}). It sets the real process's TZ, which Node
// applies at once (a test's own process.env is a copy, made when the environment is built), and puts it back at
// teardown, since the worker goes on to other files.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

export default class ZoneEnvironment extends TestEnvironment {
  private readonly savedZone: string | undefined;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    const zone = config.projectConfig.testEnvironmentOptions.timeZone;
    if (typeof zone !== 'string')
      throw new Error(`${context.testPath}: give testEnvironmentOptions.timeZone`);
    const savedZone = process.env.TZ;
    process.env.TZ = zone;
    super(config, context);
    this.savedZone = savedZone;
  }

  override async teardown(): Promise<void> {
    if (this.savedZone === undefined) delete process.env.TZ;
    else process.env.TZ = this.savedZone;
    await super.teardown();
  }
}
