import { RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Network, type IProviderSecrets, type IResponseCache, type IVectorStore } from '../constructs';
import { addDataStores } from './data-stores';
import type { EnvironmentConfig } from './config/schema';

export interface LlmPlatformStackProps extends StackProps {
  /** The validated environment this stack is built for. */
  readonly config: EnvironmentConfig;
}

/**
 * One environment's whole platform, composed from the constructs in `constructs/` according to the
 * environment config. Later parts (gateway, data stores, serving, observability) are added here.
 */
export class LlmPlatformStack extends Stack {
  readonly network: Network;
  /** The gateway's Redis-compatible cache (created, or the existing one the config names). */
  readonly responseCache: IResponseCache;
  /** The pgvector store of the semantic cache and the embeddings. */
  readonly vectorStore: IVectorStore;
  /** The model providers' API keys. */
  readonly providerSecrets: IProviderSecrets;

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
    const stores = addDataStores(this, config, this.network, removalPolicy);
    this.responseCache = stores.responseCache;
    this.vectorStore = stores.vectorStore;
    this.providerSecrets = stores.providerSecrets;

    Tags.of(this).add('platform', 'llm-platform');
    Tags.of(this).add('environment', config.name);
    for (const [key, value] of Object.entries(config.tags)) {
      Tags.of(this).add(key, value);
    }
  }
}
