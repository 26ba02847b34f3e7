'use strict';
const { Stack } = require('aws-cdk-lib');
const {
  GatewayApi,
  LlmGateway,
  Network,
  ProviderSecrets,
  ResponseCache,
  VectorStore,
} = require('llm-platform-blueprint');

/**
 * An application team's own stack with the LLM gateway in it: a VPC, the provider API key, the
 * cache and the vector store, the gateway function and the public API in front of it. Everything
 * else (the team's own services) would go beside them.
 */
class GatewayStack extends Stack {
  constructor(scope, id, props) {
    super(scope, id, props);

    const network = new Network(this, 'Network');
    const providerSecrets = new ProviderSecrets(this, 'ProviderSecrets', { credentials: ['openai'] });
    const cache = new ResponseCache(this, 'ResponseCache', {
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
    });
    const vectorStore = new VectorStore(this, 'VectorStore', {
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      functionVpcSubnets: network.applicationSubnets,
    });
    const gateway = new LlmGateway(this, 'Gateway', {
      config: {
        models: {
          chat: { deployments: ['openai-mini', 'nova-lite'], aliases: ['gpt-4o-mini'] },
          embed: { kind: 'embedding', deployments: ['openai-embed'] },
        },
        deployments: {
          'openai-mini': {
            provider: 'openai',
            model: 'gpt-4o-mini',
            baseUrl: 'https://api.openai.com/v1',
            credential: 'openai',
            pricing: { input: 150000, output: 600000 },
          },
          'nova-lite': {
            provider: 'bedrock',
            model: 'amazon.nova-lite-v1:0',
            region: 'us-east-1',
            pricing: { input: 60000, output: 240000 },
          },
          'openai-embed': {
            provider: 'openai',
            model: 'text-embedding-3-small',
            baseUrl: 'https://api.openai.com/v1',
            credential: 'openai',
            pricing: { input: 20000, output: 0 },
          },
        },
        exactCache: { ttlSeconds: 3600 },
        semanticCache: { threshold: 0.9 },
      },
      vpc: network.vpc,
      vpcSubnets: network.applicationSubnets,
      cache,
      vectorStore,
      providerSecrets,
    });
    this.api = new GatewayApi(this, 'GatewayApi', {
      gateway,
      vpc: network.vpc,
      vpcSubnets: network.applicationSubnets,
    });
  }
}

module.exports = { GatewayStack };
