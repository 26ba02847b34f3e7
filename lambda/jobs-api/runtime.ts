import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SQSClient } from '@aws-sdk/client-sqs';
import path from 'node:path';
import { ModelCatalog } from '../core/config/catalog';
import { loadGatewayConfigFile } from '../core/config/load';
import { GatewayError } from '../core/http/errors';
import type { CallerIdentity, GatewayRequest } from '../core/http/types';
import { JobsApi } from '../core/jobs/jobs-api';
import { PostgresJobStore } from '../core/jobs/job-store';
import { SqsJobQueue } from '../core/jobs/sqs-job-queue';
import { publicWebhookUrls, type WebhookUrlCheck } from '../core/jobs/webhook';
import { GATEWAY_ENV, JOBS_ENV } from '../contract/environment';
import { positiveIntegerEnv, requiredEnv } from '../runtime/read-env';
import type { Env } from '../runtime/redis';
import { vectorDbFromEnv } from '../runtime/deployed-gateway';

const CONSTRUCT = 'AsyncJobs';

/**
 * Behind `GatewayApi` every route has the Lambda authorizer, which maps the key to a tenant before
 * the function runs; a request without that context did not come through the API.
 */
export function authorizerIdentity(request: GatewayRequest): CallerIdentity {
  if (!request.identity) throw GatewayError.unauthorized('The request carries no tenant: call it through the API.');
  return request.identity;
}

export interface DeployedJobsApiClients {
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly secrets?: SecretsProvider;
  /** @default public https hosts only */
  readonly checkWebhookUrl?: WebhookUrlCheck;
}

/**
 * The jobs API as the `AsyncJobs` construct deploys it: the job store in the platform's Aurora, the
 * queue in SQS, the caller from the authorizer. It never calls a model, so it holds no provider
 * secret and no gateway.
 */
export async function createDeployedJobsApi(
  env: Env,
  clients: DeployedJobsApiClients,
  handlerDir: string = __dirname,
): Promise<{ readonly api: JobsApi; close(): Promise<void> }> {
  // Settings first: a wiring mistake fails before any connection is opened.
  const queue = new SqsJobQueue(clients.sqs, requiredEnv(env, JOBS_ENV.queueUrl, CONSTRUCT));
  const retentionSeconds = positiveIntegerEnv(env, JOBS_ENV.retentionSeconds, CONSTRUCT);
  const maxBodyBytes = positiveIntegerEnv(env, JOBS_ENV.maxBodyBytes, CONSTRUCT);
  // The gateway's model catalog (its config layer, `LlmGateway.shareCatalogWith`): a key restricted
  // to some models submits and reads jobs for those only. No provider secret comes with it.
  const catalog = new ModelCatalog(
    loadGatewayConfigFile(path.resolve(handlerDir, requiredEnv(env, GATEWAY_ENV.configFile, CONSTRUCT))),
  );
  const db = await vectorDbFromEnv(env, clients.secrets ?? new SecretsProvider());
  const api = new JobsApi({
    store: new PostgresJobStore(db),
    queue,
    identify: authorizerIdentity,
    authorizeModel: (identity, model, kind) => catalog.authorizeName(identity, model, kind),
    checkWebhookUrl: clients.checkWebhookUrl ?? publicWebhookUrls(),
    retentionSeconds,
    maxBodyBytes,
  });
  return { api, close: () => db.end() };
}
