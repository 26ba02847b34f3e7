import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AsyncJobs, EmbeddingService, type GatewayApi, type LlmGateway, type Network } from '../constructs';
import type { EnvironmentConfig } from './config/schema';

export interface Services {
  readonly jobs: AsyncJobs;
  readonly embeddings: EmbeddingService;
}

/**
 * The services beside the gateway, on its API and running its models in-process: async jobs and the
 * embedding service, sized by the environment's `jobs` and `embeddings` sections. Construct ids are
 * fixed ('Jobs', 'Embeddings'): the acknowledgments and the snapshot refer to them.
 */
export function addServices(
  scope: Construct,
  config: EnvironmentConfig,
  platform: { readonly network: Network; readonly gateway: LlmGateway; readonly gatewayApi: GatewayApi },
  removalPolicy: RemovalPolicy,
): Services {
  const placement = { vpc: platform.network.vpc, vpcSubnets: platform.network.applicationSubnets };
  const jobs = new AsyncJobs(scope, 'Jobs', {
    ...placement,
    gateway: platform.gateway,
    api: platform.gatewayApi,
    maxReceiveCount: config.jobs.maxReceiveCount,
    maxConcurrency: config.jobs.maxConcurrency,
    batchSize: config.jobs.batchSize,
    retention: Duration.days(config.jobs.retentionDays),
    removalPolicy,
  });
  const embeddings = new EmbeddingService(scope, 'Embeddings', {
    ...placement,
    gateway: platform.gateway,
    api: platform.gatewayApi,
    maxReceiveCount: config.embeddings.maxReceiveCount,
    maxConcurrency: config.embeddings.maxConcurrency,
    maxObjectBytes: config.embeddings.maxObjectMb * 1024 * 1024,
    removalPolicy,
  });
  return { jobs, embeddings };
}
