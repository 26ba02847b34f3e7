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
