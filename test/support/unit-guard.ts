/**
 * Set up for every file of the `unit` project (jest.config.js): Redis, Postgres (the server and
 * embedded PGlite) and Lambda bundling are replaced by stand-ins that throw at first use, with a
 * message that says where the test belongs. A unit test needing a service fails; none is skipped.
 */
const refuse = (what: string) =>
  function refused(): never {
    throw new Error(
      `${what} in a unit test: the unit project (lambda/**, test/unit/) runs with no services and no bundling. ` +
        'Move this test under test/<area>/ (the integration project); see CONTRIBUTING.md.',
    );
  };

jest.mock('ioredis', () => {
  const Redis = refuse('Redis (ioredis)');
  return { __esModule: true, default: Redis, Redis, Cluster: refuse('Redis Cluster (ioredis)') };
});

jest.mock('pg', () => ({
  ...jest.requireActual<object>('pg'),
  Pool: refuse('PostgreSQL (pg.Pool)'),
  Client: refuse('PostgreSQL (pg.Client)'),
}));

jest.mock('@electric-sql/pglite', () => ({
  ...jest.requireActual<object>('@electric-sql/pglite'),
  PGlite: refuse('Embedded Postgres (PGlite)'),
}));

jest.mock('aws-cdk-lib/aws-lambda-nodejs', () => ({
  ...jest.requireActual<object>('aws-cdk-lib/aws-lambda-nodejs'),
  NodejsFunction: refuse('Bundling (NodejsFunction)'),
}));
