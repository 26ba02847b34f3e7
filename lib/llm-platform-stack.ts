import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type AsyncJobs,
  type EmbeddingService,
  GatewayApi,
  type CostGuardrails,
  type PlatformObservability,
  LlmGateway,
  Network,
  type IProviderSecrets,
  type IResponseCache,
  type IVectorStore,
} from '../constructs';
import type { ModelServingCluster } from '../constructs/model-serving';
import { PLATFORM_GATEWAY_MODELS } from './config/gateway-models';
import { addServing, withSelfHostedModels } from './serving';
import { addDataStores } from './data-stores';
import { vectorSizesOf } from './vector-sizes';
import { addObservability } from './observability';
import { addServices } from './services';
import type { EnvironmentConfig } from './config/schema';

export interface LlmPlatformStackProps extends StackProps {
  /** The validated environment this stack is built for. */
  readonly config: EnvironmentConfig;
}

/**
 * One environment's whole platform, composed from the constructs in `constructs/` according to the
 * environment config.
 */
export class LlmPlatformStack extends Stack {
  readonly network: Network;
  /** The gateway's Redis-compatible cache (created, or the existing one the config names). */
  readonly responseCache: IResponseCache;
  /** The pgvector store of the semantic cache and the embeddings. */
  readonly vectorStore: IVectorStore;
  /** The model providers' API keys. */
  readonly providerSecrets: IProviderSecrets;
  /** The LLM gateway function. */
  readonly gateway: LlmGateway;
  /** The public edge in front of it. */
  readonly gatewayApi: GatewayApi;
  /** Self-hosted model serving, in environments whose `serving.enabled` is true. */
  readonly serving?: ModelServingCluster;
  /** Chat and embedding requests run from a queue: `POST /v1/jobs`, poll or webhook. */
  readonly jobs: AsyncJobs;
  /** Collections of embedded documents: `/v1/collections`, S3 drops, versioned re-index. */
  readonly embeddings: EmbeddingService;
  /** Dashboards and alarms over every part above (add more with its `add*` methods). */
  readonly observability: PlatformObservability;
  /** The AWS budget, the LLM spend alarms and the kill switch. */
  readonly costGuardrails: CostGuardrails;

  constructor(scope: Construct, id: string, props: LlmPlatformStackProps) {
    super(scope, id, {
      terminationProtection: props.config.highAvailability,
      description: `LLM platform (${props.config.name})`,
      ...props,
    });
    const { config } = props;
    // Highly available environments keep their data when the stack goes; others clean up.
    const removalPolicy = config.highAvailability ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.network = new Network(this, 'Network', {
      cidr: config.network.cidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.network.natGateways,
      flowLogRetention: config.network.flowLogRetentionDays,
      removalPolicy,
    });
    // The vector store is made for every embedding model the gateway config names.
    const vectorSizes = vectorSizesOf(PLATFORM_GATEWAY_MODELS, config.vectorStore.dimensions);
    const stores = addDataStores(this, config, this.network, removalPolicy, vectorSizes);
    this.responseCache = stores.responseCache;
    this.vectorStore = stores.vectorStore;
    this.providerSecrets = stores.providerSecrets;

    this.serving = addServing(this, config, this.network, this.responseCache, removalPolicy);

    this.gateway = new LlmGateway(this, 'Gateway', {
      config: withSelfHostedModels(PLATFORM_GATEWAY_MODELS, this.serving),
      vpc: this.network.vpc,
      vpcSubnets: this.network.applicationSubnets,
      cache: this.responseCache,
      vectorStore: this.vectorStore,
      providerSecrets: this.providerSecrets,
      memorySize: config.gateway.memoryMb,
      timeout: Duration.seconds(config.gateway.timeoutSeconds),
      reservedConcurrentExecutions: config.gateway.reservedConcurrency,
      removalPolicy,
    });
    this.serving?.allowFrom(this.gateway);
    this.gatewayApi = new GatewayApi(this, 'GatewayApi', {
      gateway: this.gateway,
      vpc: this.network.vpc,
      vpcSubnets: this.network.applicationSubnets,
      throttle: config.api.throttle,
      ratePerIp: config.api.wafRatePerIp,
      authorizerCacheTtl: Duration.seconds(config.api.authorizerCacheSeconds),
      tiers: Object.fromEntries(
        Object.entries(config.api.tiers).map(([tier, { rateLimit, burstLimit, quotaPerDay }]) => [
          tier,
          { rateLimit, burstLimit, quota: quotaPerDay ? { limit: quotaPerDay, period: 'DAY' as const } : undefined },
        ]),
      ),
      removalPolicy,
    });
    new CfnOutput(this, 'GatewayUrl', {
      description: 'Base URL for OpenAI SDKs (baseURL)',
      value: this.gatewayApi.url,
    });
    new CfnOutput(this, 'ApiKeyTable', {
      description: 'Key table: npm run api-key -- issue --table <this> --tenant NAME --tier TIER',
      value: this.gatewayApi.keyTable.tableName,
    });
    ({ jobs: this.jobs, embeddings: this.embeddings } = addServices(this, config, this, removalPolicy));
    new CfnOutput(this, 'IngestionBucket', {
      description: 'Drop documents here as <tenant>/<collection>/<name>.json|.txt|.md to ingest them',
      value: this.embeddings.ingestionBucket.bucketName,
    });
    new CfnOutput(this, 'JobsDeadLetterQueue', {
      description: 'Redrive: aws sqs start-message-move-task --source-arn <this>',
      value: this.jobs.deadLetterQueue.queueArn,
    });
    ({ observability: this.observability, costGuardrails: this.costGuardrails } = addObservability(
      this,
      config,
      this,
      removalPolicy,
    ));
    Tags.of(this).add('platform', 'llm-platform');
    Tags.of(this).add('environment', config.name);
    for (const [key, value] of Object.entries(config.tags)) {
      Tags.of(this).add(key, value);
    }
  }
}
