/**
 * Three projects, so that a run can pick what it needs (CONTRIBUTING.md says where a test goes):
 * - unit: `lambda/**` beside the code, and `test/unit/`: no Redis, no Postgres (not even embedded),
 *   no bundling, no synthesis, no child process. `npm run test:unit`. A unit test that reaches for a
 *   service fails with a message saying so (test/support/unit-guard.ts); nothing is skipped.
 * - stages: the files that read the whole app's stages (every environment, bundled as `cdk synth`
 *   bundles), synthesized once per run by the project's global setup (test/support/stage-assembly.ts).
 * - integration: every other test under `test/`: real Redis and Postgres, the local server, bundled
 *   constructs, scripts.
 */
const STAGE_FILES = [
  'test/snapshot/stages.test.ts',
  'test/constructs/platform-stack.test.ts',
  'test/constructs/platform-data-stores.test.ts',
  'test/model-serving/serving-composition.test.ts',
  'test/security/nag.test.ts',
  'test/security/control-tower.test.ts',
  'test/security/template-scan.test.ts',
  'test/security/permissions.test.ts',
  'test/stages/metric-wiring.test.ts',
  'test/stages/spend-signal.test.ts',
];
const UNIT = ['<rootDir>/lambda/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'];
/** Tests' own small Apps skip aws-cdk-lib's built-in template validation; the stages keep it (see the file). */
const BUILTIN_VALIDATION_OFF = '<rootDir>/test/support/builtin-validation-off.ts';

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
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
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: UNIT,
      setupFiles: [BUILTIN_VALIDATION_OFF],
      setupFilesAfterEnv: [...common.setupFilesAfterEnv, '<rootDir>/test/support/unit-guard.ts'],
    },
    {
      ...common,
      displayName: 'stages',
      testMatch: STAGE_FILES.map((file) => `<rootDir>/${file}`),
      globalSetup: '<rootDir>/test/support/stage-assembly-setup.ts',
      globalTeardown: '<rootDir>/test/support/stage-assembly-teardown.ts',
    },
    {
      ...common,
      displayName: 'integration',
      setupFiles: [BUILTIN_VALIDATION_OFF],
      testMatch: ['<rootDir>/{test,constructs,lib,pulumi,bench}/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/unit/',
        ...STAGE_FILES.map((file) => `<rootDir>/${file}`),
      ],
    },
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60_000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
