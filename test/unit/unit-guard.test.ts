import Redis from 'ioredis';
import { Pool } from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';

// The unit project's guard (test/support/unit-guard.ts) is on: a service used here fails, loudly.
test.each([
  ['Redis', () => new Redis()],
  ['PostgreSQL', () => new Pool()],
  ['Embedded Postgres', () => new PGlite()],
  ['Bundling', () => new (NodejsFunction as unknown as new () => unknown)()],
])('%s is refused in a unit test, with where the test belongs', (_what, use) => {
  expect(use).toThrow(/no services and no bundling\. Move this test under test\/<area>\//);
});
