import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  AlarmSubscribers,
  type AsyncJobs,
  CostGuardrails,
  type EmbeddingService,
  PlatformObservability,
  type GatewayApi,
  type IResponseCache,
  type IVectorStore,
  type LlmGateway,
  type Network,
} from '../constructs';
import type { ModelServingCluster } from '../constructs/model-serving';
import type { EnvironmentConfig } from './config/schema';

/** What an environment's dashboards, alarms and guardrails watch. */
export interface ObservedPlatform {
  readonly network: Network;
  readonly responseCache: IResponseCache;
  readonly vectorStore: IVectorStore;
  readonly gateway: LlmGateway;
  readonly gatewayApi: GatewayApi;
  readonly serving?: ModelServingCluster;
  readonly jobs: AsyncJobs;
  readonly embeddings: EmbeddingService;
}

export interface Observability {
  readonly observability: PlatformObservability;
  readonly costGuardrails: CostGuardrails;
}

/**
 * One environment's dashboards and alarms (PlatformObservability) and cost guardrails
 * (CostGuardrails), with thresholds from its `observability` config section, watching every part
 * of the platform. The kill switch lives on the gateway's cache; the gateway writes the tenants and
 * features that have guardrails as metric dimensions. Construct ids are fixed ('Observability',
 * 'CostGuardrails'): the acknowledgments and the snapshot refer to them.
 */
export function addObservability(
  scope: Construct,
  config: EnvironmentConfig,
  platform: ObservedPlatform,
  removalPolicy: RemovalPolicy,
): Observability {
  const { observability: settings } = config;
  const { alarms } = settings;
  const prefix = `llm-platform-${config.name}`;
  const observability = new PlatformObservability(scope, 'Observability', {
    dashboardNamePrefix: prefix,
    alarms: {
      errorRatePercent: alarms.errorRatePercent,
      latencyP95: {
        'chat.completions': Duration.millis(alarms.latencyP95Ms.chatCompletions),
        embeddings: Duration.millis(alarms.latencyP95Ms.embeddings),
      },
      timeToFirstTokenP95: Duration.millis(alarms.timeToFirstTokenP95Ms),
      failoversPerFiveMinutes: alarms.failoversPerFiveMinutes,
      cacheHitRateMinPercent: alarms.cacheHitRateMinPercent,
      spendAnomalyStdDevs: alarms.spendAnomalyStdDevs,
      spendPerHourUsd: alarms.spendPerHourUsd,
    },
    functions: [
      platform.gateway.function,
      platform.gatewayApi.authorizerFunction,
      platform.jobs.apiFunction,
      platform.jobs.workerFunction,
      platform.embeddings.apiFunction,
      platform.embeddings.workerFunction,
    ],
    deadLetterQueues: [platform.jobs.deadLetterQueue, platform.embeddings.deadLetterQueue],
    restApi: { api: platform.gatewayApi.api, stage: platform.gatewayApi.stageName },
    responseCache: platform.responseCache.metricsIdentity ? platform.responseCache : undefined,
    vectorStore: platform.vectorStore.clusterIdentifier ? platform.vectorStore : undefined,
    modelServing: platform.serving ? { clusterName: platform.serving.cluster.clusterName } : undefined,
    removalPolicy,
  });

  const guardrails = settings.costGuardrails;
  const costGuardrails = new CostGuardrails(scope, 'CostGuardrails', {
    namePrefix: prefix,
    awsMonthlyBudgetUsd: guardrails.awsMonthlyBudgetUsd,
    awsBudgetAlertPercents: guardrails.awsBudgetAlertPercents,
    costAllocationTags: { platform: 'llm-platform', environment: config.name },
    llmDailySpend: guardrails.llmDailySpend,
    tenantDailySpend: guardrails.tenants,
    featureDailySpend: guardrails.features,
    notificationTopic: observability.alarmTopic,
    killSwitch: {
      cache: platform.responseCache,
      vpc: platform.network.vpc,
      vpcSubnets: platform.network.applicationSubnets,
    },
    removalPolicy,
  });
  // Every alarm above and the budget's alerts go to this one topic: someone must be subscribed.
  new AlarmSubscribers(scope, 'AlarmSubscribers', {
    topic: observability.notificationTopic!,
    emails: settings.notifyEmails,
    httpsUrls: settings.notifyHttpsUrls,
    slackChannels: settings.notifySlackChannels,
  });
  const undelivered = observability.notificationTopic!.deadLetterQueue;
  if (undelivered) observability.addDeadLetterQueue(undelivered);
  for (const queue of costGuardrails.deadLetterQueues) observability.addDeadLetterQueue(queue);
  observability.addFunction(costGuardrails.killSwitch!.function);

  // Every function that runs the gateway spends: each writes the spend metrics in the namespace the
  // alarms read, with the tenants and features that have guardrails as dimensions.
  const spendEnvironment = {
    POWERTOOLS_METRICS_NAMESPACE: observability.metrics.namespace,
    ...costGuardrails.gatewayEnvironment,
  };
  const spenders = [platform.jobs.workerFunction, platform.embeddings.apiFunction, platform.embeddings.workerFunction];
  for (const fn of spenders) {
    for (const [name, value] of Object.entries(spendEnvironment)) fn.addEnvironment(name, value);
  }
  const gatewayEnvironment = { ...observability.metrics.functionEnvironment(), ...costGuardrails.gatewayEnvironment };
  for (const [name, value] of Object.entries(gatewayEnvironment)) platform.gateway.function.addEnvironment(name, value);
  return { observability, costGuardrails };
}
