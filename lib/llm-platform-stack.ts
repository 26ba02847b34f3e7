import { Duration, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CostGuardrails, Network, PlatformObservability } from '../constructs';
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
  /**
   * Dashboards and alarms. The gateway's metrics are charted from the start; connect the rest as
   * it is built: `addFunction`, `addRestApi`, `addResponseCache`, `addVectorStore`,
   * `addDeadLetterQueue`, `addModelServing`.
   */
  readonly observability: PlatformObservability;
  /**
   * The AWS budget and the LLM spend alarms. Once the response cache exists, `enableKillSwitch`
   * makes the hard limits stop calls (then watch `costGuardrails.deadLetterQueues`), and the
   * gateway function needs `costGuardrails.gatewayEnvironment`.
   */
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

    const { observability } = config;
    const alarms = observability.alarms;
    this.observability = new PlatformObservability(this, 'Observability', {
      dashboardNamePrefix: `llm-platform-${config.name}`,
      alarmEmails: observability.notifyEmails,
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
      removalPolicy,
    });
    const guardrails = observability.costGuardrails;
    this.costGuardrails = new CostGuardrails(this, 'CostGuardrails', {
      namePrefix: `llm-platform-${config.name}`,
      awsMonthlyBudgetUsd: guardrails.awsMonthlyBudgetUsd,
      awsBudgetAlertPercents: guardrails.awsBudgetAlertPercents,
      costAllocationTags: { platform: 'llm-platform', environment: config.name },
      llmDailySpend: guardrails.llmDailySpend,
      tenantDailySpend: guardrails.tenants,
      featureDailySpend: guardrails.features,
      notificationTopic: this.observability.alarmTopic,
      notifyEmails: observability.notifyEmails,
      removalPolicy,
    });

    Tags.of(this).add('platform', 'llm-platform');
    Tags.of(this).add('environment', config.name);
    for (const [key, value] of Object.entries(config.tags)) {
      Tags.of(this).add(key, value);
    }
  }
}
