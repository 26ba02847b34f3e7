import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Client } from 'pg';
import {
  secretsProviderFor,
  startFakeSecretsManager,
  type FakeSecretsManager,
} from '../support/fake-aws/secrets-manager';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../lambda/core/vector';
import { vectorSchemaMigrations } from '../../lambda/contract/vector-schema/migrations';
import { createSchemaHandler } from '../../lambda/vector-schema/handler';
import type { SchemaStepProperties } from '../../lambda/contract/vector-schema/step-properties';

/**
 * The schema step's handler as CloudFormation (through the provider framework) drives it: against
 * Postgres + pgvector embedded with PGlite, served over the wire protocol, through `pg`; the
 * credentials from a loopback Secrets Manager.
 */
const MASTER = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:vector-master-AbCdEf';
const APP = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:vector-app-GhIjKl';

let pg: EmbeddedPostgres;
let secrets: FakeSecretsManager;
let inspect: Client;

beforeAll(async () => {
  pg = await startEmbeddedPostgres();
  secrets = await startFakeSecretsManager({
    [MASTER]: JSON.stringify({ username: 'postgres', password: 'master-password', engine: 'postgres' }),
    [APP]: JSON.stringify({ username: 'llm_app', password: 'App-Password-0123456789abcdef', masterarn: MASTER }),
  });
  inspect = new Client({ connectionString: pg.connectionString });
  await inspect.connect();
});
afterAll(async () => {
  await inspect.end();
  await secrets.close();
  await pg.stop();
});

function properties(overrides: Partial<SchemaStepProperties> = {}): SchemaStepProperties {
  const url = new URL(pg.connectionString);
  return {
    Host: url.hostname,
    Port: url.port,
    DatabaseName: 'postgres',
    MasterSecretArn: MASTER,
    ApplicationSecretArn: APP,
    ApplicationRole: 'llm_app',
    Dimensions: '8',
    EmbeddingDimensions: '8',
    SchemaFingerprint: 'test',
    ...overrides,
  };
}

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  props: SchemaStepProperties = properties(),
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/Test/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Schema',
    ResourceType: 'Custom::VectorSchema',
    ResourceProperties: { ServiceToken: 'token', ...props },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: 'vector-schema:postgres',
      OldResourceProperties: common.ResourceProperties,
    };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'vector-schema:postgres' };
}

const handler = (connectDeadlineMs?: number) =>
  createSchemaHandler({
    secrets: secretsProviderFor(secrets),
    ssl: false, // PGlite's socket server speaks no TLS; the deployed handler verifies TLS
    logger: new Logger({ logLevel: 'SILENT' }),
    connectDeadlineMs,
  });

test('create applies every migration, the database settings and the application role', async () => {
  const response = await handler()(event('Create'));
  expect(response).toEqual({
    PhysicalResourceId: 'vector-schema:postgres',
    Data: {
      Applied: vectorSchemaMigrations({ dimensions: 8 })
        .filter((m) => !m.repeatable)
        .map((m) => m.id)
        .join(','),
      CreatedRole: 'true',
    },
  });
  const tables = await inspect.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['schema_migrations', 'semantic_cache']));
  const column = await inspect.query(
    "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'semantic_cache'::regclass AND attname = 'embedding'",
  );
  expect(column.rows[0].type).toBe('vector(8)');
  const role = await inspect.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'llm_app'");
  expect(role.rows).toEqual([{ rolcanlogin: true }]);
  // Both secrets read fresh from Secrets Manager, never cached across deploys.
  expect(new Set(secrets.calls)).toEqual(new Set([MASTER, APP]));
});

test('an update with nothing new is idempotent: no migration runs twice', async () => {
  const response = await handler()(event('Update'));
  expect(response).toEqual({
    PhysicalResourceId: 'vector-schema:postgres',
    Data: { Applied: '', CreatedRole: 'false' },
  });
  const { rows } = await inspect.query('SELECT count(*)::int AS n FROM schema_migrations');
  expect(rows[0].n).toBe(vectorSchemaMigrations({ dimensions: 8 }).filter((m) => !m.repeatable).length);
});

test('delete keeps the schema and its data', async () => {
  const callsBefore = secrets.calls.length;
  const response = await handler()(event('Delete'));
  expect(response).toEqual({ PhysicalResourceId: 'vector-schema:postgres' });
  expect(secrets.calls.length).toBe(callsBefore);
  const { rows } = await inspect.query("SELECT to_regclass('semantic_cache') IS NOT NULL AS present");
  expect(rows[0].present).toBe(true);
});

test('bad properties are refused, naming the property', async () => {
  await expect(handler()(event('Create', properties({ Port: 'not-a-port' })))).rejects.toThrow(/Port/);
  await expect(handler()(event('Create', properties({ DatabaseName: 'x; DROP' })))).rejects.toThrow(/DatabaseName/);
});

test('a database that never answers fails the step after its deadline, with the connection error', async () => {
  await expect(handler(2_500)(event('Create', properties({ Port: '1' })))).rejects.toThrow(/ECONNREFUSED/);
});
