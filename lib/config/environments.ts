import type { EnvironmentConfigInput } from './schema';

/**
 * Every environment the app synthesizes, one entry each. Add an environment by adding an entry;
 * `bin/app.ts` turns each into a CDK Stage named after it (`dev` -> `Dev`).
 *
 * Accounts are left out so that `npx cdk synth` works offline with no credentials; set `account`
 * here, or let the CDK CLI supply CDK_DEFAULT_ACCOUNT from your credentials when you deploy.
 */
export const ENVIRONMENTS = {
  dev: {
    name: 'dev',
    region: 'us-east-1',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    highAvailability: false,
    network: { cidr: '10.10.0.0/16', natGateways: 1, flowLogRetentionDays: 365 },
    cache: { nodeType: 'cache.t4g.micro', replicas: 0, snapshotRetentionDays: 15 },
    vectorStore: { minCapacity: 0, maxCapacity: 2, autoPauseMinutes: 10 },
    providerSecrets: { credentials: ['openai', 'anthropic'] },
    gateway: { memoryMb: 1024, reservedConcurrency: 10 },
    api: {
      throttle: { rateLimit: 20, burstLimit: 40 },
      wafRatePerIp: 1000,
      tiers: { standard: { rateLimit: 10, burstLimit: 20, quotaPerDay: 20_000 } },
    },
    // No GPU serving in dev: the gateway's local tier points at hosted models or `npm start`.
    serving: { enabled: false },
    observability: {
      alarms: {
        errorRatePercent: 5,
        latencyP95Ms: { chatCompletions: 30_000, embeddings: 2_000 },
        timeToFirstTokenP95Ms: 5_000,
        failoversPerFiveMinutes: 25,
        cacheHitRateMinPercent: 5,
        spendAnomalyStdDevs: 3,
      },
      costGuardrails: {
        awsMonthlyBudgetUsd: 1_000,
        llmDailySpend: { softUsd: 50, hardUsd: 100 },
      },
    },
    tags: { 'cost-center': 'llm-platform-dev' },
  },
  staging: {
    name: 'staging',
    region: 'us-east-1',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    highAvailability: false,
    network: { cidr: '10.20.0.0/16', natGateways: 1, flowLogRetentionDays: 365 },
    cache: { nodeType: 'cache.t4g.small', replicas: 0, snapshotRetentionDays: 15 },
    vectorStore: { minCapacity: 0, maxCapacity: 4, autoPauseMinutes: 30 },
    providerSecrets: { credentials: ['openai', 'anthropic'] },
    gateway: { memoryMb: 1024, reservedConcurrency: 20 },
    api: {
      throttle: { rateLimit: 50, burstLimit: 100 },
      wafRatePerIp: 2000,
      tiers: {
        standard: { rateLimit: 20, burstLimit: 40, quotaPerDay: 100_000 },
        premium: { rateLimit: 40, burstLimit: 80 },
      },
    },
    serving: {
      enabled: true,
      // Spot L4 nodes from zero, and no replica at rest (minReplicas unset outside production): staging
      // pays for GPUs only while the gateway wants them.
      gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge', 'g6.2xlarge'], capacityType: 'SPOT', maxSize: 2 }],
      vllm: [
        {
          name: 'llama-8b',
          model: 'meta-llama/Llama-3.1-8B-Instruct',
          nodeGroup: 'l4',
          modelPrefix: 'vllm/llama-3.1-8b-instruct-awq/',
          quantization: 'awq_marlin',
          maxModelLen: 8192,
          maxReplicas: 2,
        },
      ],
    },
    observability: {
      alarms: {
        errorRatePercent: 5,
        latencyP95Ms: { chatCompletions: 30_000, embeddings: 2_000 },
        timeToFirstTokenP95Ms: 5_000,
        failoversPerFiveMinutes: 25,
        cacheHitRateMinPercent: 5,
        spendAnomalyStdDevs: 3,
      },
      costGuardrails: {
        awsMonthlyBudgetUsd: 2_000,
        llmDailySpend: { softUsd: 100, hardUsd: 250 },
      },
    },
    tags: { 'cost-center': 'llm-platform-staging' },
  },
  prod: {
    name: 'prod',
    region: 'us-east-1',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    highAvailability: true,
    network: { cidr: '10.30.0.0/16', natGateways: 3, flowLogRetentionDays: 731 },
    cache: { nodeType: 'cache.r7g.large', replicas: 2, snapshotRetentionDays: 35 },
    vectorStore: { minCapacity: 1, maxCapacity: 16 },
    providerSecrets: { credentials: ['openai', 'anthropic'] },
    gateway: { memoryMb: 1769, reservedConcurrency: 200 },
    api: {
      throttle: { rateLimit: 500, burstLimit: 1000 },
      wafRatePerIp: 3000,
      tiers: {
        standard: { rateLimit: 100, burstLimit: 200, quotaPerDay: 2_000_000 },
        premium: { rateLimit: 300, burstLimit: 600 },
      },
    },
    serving: {
      enabled: true,
      systemNodes: { minSize: 3, maxSize: 6 },
      gpuNodeGroups: [{ name: 'l4', instanceTypes: ['g6.xlarge'], minSize: 2, maxSize: 8 }],
      vllm: [
        {
          name: 'llama-8b',
          model: 'meta-llama/Llama-3.1-8B-Instruct',
          nodeGroup: 'l4',
          modelPrefix: 'vllm/llama-3.1-8b-instruct-awq/',
          quantization: 'awq_marlin',
          maxModelLen: 8192,
          minReplicas: 2,
          maxReplicas: 6,
        },
      ],
      triton: [
        {
          name: 'triton-llama-8b',
          model: 'llama-3.1-8b-instruct',
          // The tokenizer's files copied into the model bucket: the pods start offline.
          tokenizerPrefix: 'tokenizers/llama-3.1-8b-instruct/',
          nodeGroup: 'l4',
          modelRepositoryPrefix: 'triton/llama-3.1-8b-instruct/',
          maxReplicas: 2,
        },
      ],
    },
    observability: {
      alarms: {
        errorRatePercent: 5,
        latencyP95Ms: { chatCompletions: 20_000, embeddings: 2_000 },
        timeToFirstTokenP95Ms: 5_000,
        failoversPerFiveMinutes: 25,
        cacheHitRateMinPercent: 5,
        spendAnomalyStdDevs: 3,
      },
      costGuardrails: {
        awsMonthlyBudgetUsd: 20_000,
        llmDailySpend: { softUsd: 1_000, hardUsd: 2_500 },
      },
    },
    tags: { 'cost-center': 'llm-platform-prod' },
  },
} satisfies Record<string, EnvironmentConfigInput>;
