/** Jest: TypeScript through ts-jest (CommonJS, so the generated Prisma client's dynamic imports become requires), one PostgreSQL per run (see tests/support/global-setup.ts). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  // The generated Prisma client imports its own .ts files with .js extensions (Node16 style).
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30000,
};
