import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CollectionService, EmbeddingsApi } from '../core/embeddings';
import { SqsReindexQueue } from '../core/embeddings/sqs-reindex-queue';
import type { Gateway } from '../core/pipeline/gateway';
import { EMBEDDINGS_ENV } from '../contract/environment';
import { positiveIntegerEnv, requiredEnv } from './read-env';
import type { Env } from './redis';
import type { GatewayTelemetry } from '../core/telemetry';
import { createDeployedGatewayWithStores } from './deployed-gateway';

export const EMBEDDINGS_CONSTRUCT = 'EmbeddingService';

export interface DeployedEmbeddingService {
  readonly service: CollectionService;
  readonly gateway: Gateway;
  /** Closes its connections (Lambda never does: they live as long as the execution environment). */
  close(): Promise<void>;
}

/**
 * The embedding service as the `EmbeddingService` construct deploys it: the gateway in-process
 * (the wiring `LlmGateway.shareRuntimeWith` gave the function), so every embedding meets the
 * tenant's limits, budgets and failover; one pool for the gateway's semantic cache and the chunks;
 * re-index work on SQS.
 */
export async function createDeployedEmbeddingService(
  env: Env,
  telemetry: GatewayTelemetry,
  handlerDir: string,
  clients: { readonly sqs: Pick<SQSClient, 'send'>; readonly secrets?: SecretsProvider },
): Promise<DeployedEmbeddingService> {
  const queue = new SqsReindexQueue(clients.sqs, requiredEnv(env, EMBEDDINGS_ENV.queueUrl, EMBEDDINGS_CONSTRUCT));
  const { gateway, db, close } = await createDeployedGatewayWithStores(
    env,
    telemetry,
    handlerDir,
    clients.secrets ?? new SecretsProvider(),
  );
  return { service: new CollectionService({ pool: db, gateway, queue }), gateway, close };
}

/** The collections API (`/v1/collections/...`), the caller from the authorizer. */
export async function createDeployedEmbeddingsApi(
  env: Env,
  telemetry: GatewayTelemetry,
  handlerDir: string,
  clients: { readonly sqs: Pick<SQSClient, 'send'>; readonly secrets?: SecretsProvider },
): Promise<{ readonly api: EmbeddingsApi; close(): Promise<void> }> {
  const maxBodyBytes = positiveIntegerEnv(env, EMBEDDINGS_ENV.maxBodyBytes, EMBEDDINGS_CONSTRUCT);
  const { service, gateway, close } = await createDeployedEmbeddingService(env, telemetry, handlerDir, clients);
  return { api: new EmbeddingsApi({ service, identify: (request) => gateway.identify(request), maxBodyBytes }), close };
}
