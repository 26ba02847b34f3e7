/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{test,lambda,constructs,lib,pulumi,bench}/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/cdk.out', '<rootDir>/dist', '<rootDir>/examples/.*/node_modules'],
  // The example consumer app imports the package by name; here that name is the sources.
  moduleNameMapper: { '^llm-platform-blueprint$': '<rootDir>/constructs/index.ts' },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  snapshotSerializers: ['<rootDir>/test/support/stable-snapshot-serializer.ts'],
  // @pulumi/pulumi leaves globals that Jest 30 would otherwise warn about on every file.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60_000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
