import type { GatewayConfigInput } from '../../lambda/contract/config/gateway-config';

/**
 * The model configuration every environment's gateway is deployed with (the same JSON the local
 * server reads with GATEWAY_CONFIG; schema in lambda/contract/config/gateway-config.ts). Credentials named here
 * must be in the environment's `providerSecrets.credentials`; Bedrock models are invoked with the
 * function's role, which may call exactly these. Change models, prices and policy here; give an
 * environment its own config by adding a `gateway.models` entry below and choosing it in
 * lib/llm-platform-stack.ts.
 */
export const PLATFORM_GATEWAY_MODELS: GatewayConfigInput = {
  models: {
    'chat-default': { deployments: ['openai-4o-mini', 'claude-haiku', 'nova-lite'], aliases: ['gpt-4o-mini'] },
    code: { deployments: ['claude-sonnet', 'openai-4o'] },
    reasoning: { deployments: ['openai-4o', 'claude-sonnet'] },
    embed: { kind: 'embedding', deployments: ['openai-embed'], aliases: ['text-embedding-3-small'], dimensions: 1536 },
  },
  deployments: {
    'openai-4o-mini': {
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseUrl: 'https://api.openai.com/v1',
      credential: 'openai',
      pricing: { input: 150_000, output: 600_000, cachedInput: 75_000 },
    },
    'openai-4o': {
      provider: 'openai',
      model: 'gpt-4o',
      baseUrl: 'https://api.openai.com/v1',
      credential: 'openai',
      pricing: { input: 2_500_000, output: 10_000_000, cachedInput: 1_250_000 },
    },
    'claude-haiku': {
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      baseUrl: 'https://api.anthropic.com/v1',
      credential: 'anthropic',
      pricing: { input: 1_000_000, output: 5_000_000, cachedInput: 100_000 },
    },
    'claude-sonnet': {
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      baseUrl: 'https://api.anthropic.com/v1',
      credential: 'anthropic',
      pricing: { input: 3_000_000, output: 15_000_000, cachedInput: 300_000 },
    },
    'nova-lite': {
      provider: 'bedrock',
      model: 'amazon.nova-lite-v1:0',
      region: 'us-east-1',
      pricing: { input: 60_000, output: 240_000 },
    },
    'openai-embed': {
      provider: 'openai',
      model: 'text-embedding-3-small',
      baseUrl: 'https://api.openai.com/v1',
      credential: 'openai',
      pricing: { input: 20_000, output: 0 },
    },
  },
  routing: {
    tiers: {
      small: { model: 'chat-default' },
      code: { model: 'code' },
      reasoning: { model: 'reasoning' },
      local: { model: 'chat-default' },
    },
    classifier: {},
    defaultTier: 'small',
  },
  tokenLimits: { tenant: { perMinute: 200_000, perDay: 5_000_000 }, user: { perMinute: 20_000 } },
  budgets: { tenant: { monthlyMicroUsd: 500_000_000 } },
  exactCache: { ttlSeconds: 3600 },
  // Embeds prompts with the real embedding model (the hashing embedder is for offline use only).
  semanticCache: { threshold: 0.9, ttlSeconds: 86_400, embeddingModel: 'embed' },
};
