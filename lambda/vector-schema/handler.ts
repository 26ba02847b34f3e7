import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Client, type ClientConfig } from 'pg';
import type { DatabaseLogin } from '../core/vector/application-role';
import { setUpVectorStore } from '../core/vector/set-up';
import { schemaStepPropertiesSchema } from '../contract/vector-schema/step-properties';

/**
 * The vector store's schema step: a CloudFormation custom resource (through the CDK provider
 * framework) that, on create and on every update, applies the platform's migrations, database
 * settings and application role grants to the cluster (`setUpVectorStore`, the same code the tests
 * run on PGlite). Delete does nothing: the data outlives the step.
 */
export interface SchemaHandlerDeps {
  readonly secrets: Pick<SecretsProvider, 'get'>;
  /** TLS to the database; verified against the RDS CA bundle the Lambda runtime ships. */
  readonly ssl: ClientConfig['ssl'];
  readonly logger: Logger;
  /** How long to keep trying to connect: a cluster scaled to zero takes seconds to resume. */
  readonly connectDeadlineMs?: number;
}

export interface SchemaStepResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

async function readLogin(deps: SchemaHandlerDeps, arn: string): Promise<DatabaseLogin> {
  const value = await deps.secrets.get(arn, { forceFetch: true });
  const parsed = JSON.parse(String(value)) as Partial<DatabaseLogin>;
  if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
    throw new Error(`secret ${arn} does not hold JSON with "username" and "password"`);
  }
  return { username: parsed.username, password: parsed.password };
}

async function connect(config: ClientConfig, deps: SchemaHandlerDeps): Promise<Client> {
  const deadline = Date.now() + (deps.connectDeadlineMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ ...config, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() + 2_000 > deadline) throw error;
      deps.logger.warn('database not reachable yet, retrying', { attempt, error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * attempt, 5_000)));
    }
  }
}

export function createSchemaHandler(deps: SchemaHandlerDeps) {
  return async (event: CloudFormationCustomResourceEvent): Promise<SchemaStepResponse> => {
    const props = schemaStepPropertiesSchema.parse(event.ResourceProperties);
    const physicalResourceId = `vector-schema:${props.DatabaseName}`;
    if (event.RequestType === 'Delete') {
      deps.logger.info('delete: the schema and its data are kept', { database: props.DatabaseName });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const [master, application] = await Promise.all([
      readLogin(deps, props.MasterSecretArn),
      readLogin(deps, props.ApplicationSecretArn),
    ]);
    const client = await connect(
      {
        host: props.Host,
        port: props.Port,
        database: props.DatabaseName,
        user: master.username,
        password: master.password,
        ssl: deps.ssl,
        application_name: 'llm-platform-schema-step',
      },
      deps,
    );
    try {
      const result = await setUpVectorStore(client, {
        dimensions: props.Dimensions,
        embeddingDimensions: props.EmbeddingDimensions.split(',').map(Number),
        application: { role: props.ApplicationRole, login: application },
      });
      deps.logger.info('vector store set up', { database: props.DatabaseName, ...result });
      return {
        PhysicalResourceId: physicalResourceId,
        Data: { Applied: result.applied.join(','), CreatedRole: String(result.createdRole) },
      };
    } finally {
      await client.end();
    }
  };
}

export const handler = createSchemaHandler({
  secrets: new SecretsProvider(),
  ssl: { rejectUnauthorized: true },
  logger: new Logger({ serviceName: 'llm-platform-vector-schema' }),
});
