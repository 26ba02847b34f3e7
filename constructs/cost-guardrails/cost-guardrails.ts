import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KillScope } from '../../lambda/contract/kill-switch';
import { METRICS_DIMENSION_ENV } from '../../lambda/contract/environment';
import { GatewayMetrics, type GatewayMetricsSource } from '../platform-observability/gateway-metrics';
import { NotificationTopic } from '../platform-observability/notification-topic';
import { budgetSoftThresholdAlarm } from './budget-threshold-alarm';
import { KillSwitchFunction, type KillSwitchOptions } from './kill-switch-function';

/** Spend per day, in dollars, at which to warn and at which to stop. */
export interface SpendThresholds {
  /** Notify: spend is on its way to the hard limit. */
  readonly softUsd: number;
  /** Notify and switch the scope's calls off (with a kill switch; see `killSwitch`). */
  readonly hardUsd: number;
}

export interface CostGuardrailsProps extends GatewayMetricsSource {
  /** The AWS budget of the platform's own resources, in dollars a month. */
  readonly awsMonthlyBudgetUsd: number;
  /**
   * Percentages of the AWS budget at which actual spend alerts (plus a forecast of 100%).
   * @default [70, 100]
   */
  readonly awsBudgetAlertPercents?: readonly number[];
  /**
   * Cost allocation tags selecting the platform's resources (all must match), e.g.
   * `{ platform: 'llm-platform', environment: 'prod' }`. Activate them once as cost allocation tags
   * in the Billing console, or the budget sees no spend.
   */
  readonly costAllocationTags: Readonly<Record<string, string>>;
  /**
   * Prefix of the budget's and the alarms' names (unique per account).
   * @default the stack's name
   */
  readonly namePrefix?: string;
  /**
   * The gateway's whole LLM spend per day (from its trace metrics); the hard limit switches everything off.
   * @default none
   */
  readonly llmDailySpend?: SpendThresholds;
  /**
   * LLM spend per day of named tenants; each hard limit switches that tenant off. The gateway must
   * write these tenants as metric dimensions: give it {@link CostGuardrails.gatewayEnvironment}.
   * @default none
   */
  readonly tenantDailySpend?: Readonly<Record<string, SpendThresholds>>;
  /**
   * LLM spend per day of named features (`x-llm-feature`); each hard limit switches that feature off.
   * @default none
   */
  readonly featureDailySpend?: Readonly<Record<string, SpendThresholds>>;
  /**
   * Topic the budget alerts and spend alarms notify.
   * @default a new topic encrypted with a new customer-managed key
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * E-mail addresses subscribed to the topic this construct creates, and to the budget's alerts.
   * @default none
   */
  readonly notifyEmails?: readonly string[];
  /**
   * The function that flips the gateway's kill switch when a hard limit is crossed (and that
   * operators invoke by hand). Without it, hard limits only notify.
   * @default none; add later with `enableKillSwitch`
   */
  readonly killSwitch?: KillSwitchOptions;
  /**
   * What happens to keys this construct creates when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const NAME = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Cost guardrails, in three layers:
 *
 * 1. An AWS Budget on the platform's own AWS spend (selected by its cost allocation tags), with
 *    alerts at 70% and 100% of actual spend and at 100% forecast.
 * 2. Alarms on the gateway's LLM spend per day, from its trace metrics: in total, per named tenant
 *    and per named feature, each with a soft threshold (notify) and a hard one (notify and stop).
 * 3. The kill switch: hard alarms notify a topic that a small function in the VPC reads, and it
 *    sets the Redis flag the gateway already checks (global, per tenant or per feature); every
 *    gateway instance stops within `killSwitch.refreshMs`. Operators invoke the same function by
 *    hand (see the README's runbook). Nothing lifts a hard stop but an operator.
 *
 * The gateway's own budgets (per tenant and feature, per month, enforced before each call) remain
 * the exact limit; these guardrails are the independent second line.
 */
export class CostGuardrails extends Construct {
  readonly budget: budgets.CfnBudget;
  readonly notificationTopic: sns.ITopic;
  readonly softAlarms: cloudwatch.Alarm[] = [];
  readonly hardAlarms: cloudwatch.Alarm[] = [];
  /** Any gateway budget crossed its soft threshold (see `budgetSoftThresholdAlarm`). */
  readonly budgetThresholdAlarm: cloudwatch.Alarm;
  /** Set by `killSwitch` or `enableKillSwitch`. */
  killSwitch?: KillSwitchFunction;
  private readonly prefix: string;
  private readonly metrics: GatewayMetrics;
  /** Hard alarms by name, with the scope each stops. */
  private readonly scopes: Record<string, KillScope> = {};
  private readonly removalPolicy: RemovalPolicy;
  private readonly tenants: string[];
  private readonly features: string[];
  private readonly ownTopic?: NotificationTopic;

  constructor(scope: Construct, id: string, props: CostGuardrailsProps) {
    super(scope, id);
    this.prefix = props.namePrefix ?? Stack.of(this).stackName;
    this.metrics = new GatewayMetrics(props);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    validate(props);
    if (props.notificationTopic && props.notifyEmails?.length) {
      // Budgets mail the addresses themselves; the topic's subscriptions are its owner's business.
      Annotations.of(this).addInfo(
        'notifyEmails receive the budget alerts; subscribe them to notificationTopic for the alarms.',
      );
    }
    this.ownTopic = props.notificationTopic
      ? undefined
      : new NotificationTopic(this, 'Notifications', {
          displayName: `${this.prefix} cost alerts`,
          emails: props.notifyEmails,
          removalPolicy: this.removalPolicy,
        });
    this.notificationTopic = props.notificationTopic ?? this.ownTopic!.topic;

    this.budget = this.awsBudget(props);
    this.budgetThresholdAlarm = budgetSoftThresholdAlarm(
      this,
      this.metrics,
      this.notificationTopic,
      `${this.prefix}-llm-budget-soft-threshold`,
    );

    if (props.llmDailySpend) this.spendAlarms('Total', 'all LLM calls', {}, props.llmDailySpend, 'global');
    for (const [tenant, thresholds] of Object.entries(props.tenantDailySpend ?? {})) {
      this.spendAlarms(`Tenant-${tenant}`, `tenant ${tenant}`, { Tenant: tenant }, thresholds, `tenant:${tenant}`);
    }
    for (const [feature, thresholds] of Object.entries(props.featureDailySpend ?? {})) {
      this.spendAlarms(
        `Feature-${feature}`,
        `feature ${feature}`,
        { Feature: feature },
        thresholds,
        `feature:${feature}`,
      );
    }
    this.tenants = Object.keys(props.tenantDailySpend ?? {});
    this.features = Object.keys(props.featureDailySpend ?? {});

    if (props.killSwitch) this.enableKillSwitch(props.killSwitch);
    else if (this.hardAlarms.length > 0) {
      Annotations.of(this).addWarningV2(
        'llm-platform:hard-limits-notify-only',
        'Hard spend limits only notify until a kill switch is configured (killSwitch or enableKillSwitch, which needs the response cache).',
      );
    }
  }

  /**
   * The environment the gateway function needs for these guardrails: the tenants and features to
   * write as metric dimensions (`LLM_METRICS_TENANTS`, `LLM_METRICS_FEATURES`).
   */
  get gatewayEnvironment(): Record<string, string> {
    const env: Record<string, string> = {};
    if (this.tenants.length) env[METRICS_DIMENSION_ENV.tenants] = this.tenants.join(',');
    if (this.features.length) env[METRICS_DIMENSION_ENV.features] = this.features.join(',');
    return env;
  }

  /** Queues where undeliverable notifications and failed kill-switch invocations wait: watch them. */
  get deadLetterQueues(): sqs.IQueue[] {
    return [
      this.ownTopic?.deadLetterQueue,
      this.killSwitch?.deadLetterQueue,
      this.killSwitch?.notificationDeadLetterQueue,
    ].filter((queue): queue is sqs.IQueue => queue !== undefined);
  }

  /** Every alarm: the budgets' soft threshold, and the spend alarms soft and hard. */
  get alarms(): cloudwatch.Alarm[] {
    return [this.budgetThresholdAlarm, ...this.softAlarms, ...this.hardAlarms];
  }

  /** Creates the kill-switch function and points the hard alarms at it. Once only. */
  enableKillSwitch(options: KillSwitchOptions): KillSwitchFunction {
    if (this.killSwitch) throw new Error(`${this.node.path} already has a kill switch.`);
    this.killSwitch = new KillSwitchFunction(this, 'KillSwitch', {
      ...options,
      metricsNamespace: this.metrics.namespace,
      alarmScopes: this.scopes,
      removalPolicy: this.removalPolicy,
    });
    const stop = new actions.SnsAction(this.killSwitch.topic);
    for (const alarm of this.hardAlarms) alarm.addAlarmAction(stop);
    return this.killSwitch;
  }

  private awsBudget(props: CostGuardrailsProps): budgets.CfnBudget {
    const tags = Object.entries(props.costAllocationTags).map(([key, value]) => ({
      tags: { key, values: [value], matchOptions: ['EQUALS'] },
    }));
    const subscribers = [
      { subscriptionType: 'SNS', address: this.notificationTopic.topicArn },
      ...(props.notifyEmails ?? []).map((address) => ({ subscriptionType: 'EMAIL', address })),
    ];
    const alert = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });
    return new budgets.CfnBudget(this, 'AwsBudget', {
      budget: {
        budgetName: `${this.prefix}-aws-monthly`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.awsMonthlyBudgetUsd, unit: 'USD' },
        filterExpression: tags.length === 1 ? tags[0] : { and: tags },
      },
      notificationsWithSubscribers: [
        ...(props.awsBudgetAlertPercents ?? [70, 100]).map((percent) => alert('ACTUAL', percent)),
        alert('FORECASTED', 100),
      ],
    });
  }

  private spendAlarms(
    id: string,
    what: string,
    dimensions: { Tenant?: string; Feature?: string },
    thresholds: SpendThresholds,
    scope: KillScope,
  ): void {
    const dailySpend = this.metrics.metric('CostMicroUsd', dimensions, { period: Duration.days(1) });
    const notify = new actions.SnsAction(this.notificationTopic);
    const nameOf = (level: string) => `${this.prefix}-llm-spend-${id.toLowerCase()}-${level}`;
    const alarm = (level: 'soft' | 'hard', usd: number, description: string) => {
      const created = new cloudwatch.Alarm(this, `${id}-${level}`, {
        alarmName: nameOf(level),
        alarmDescription: description,
        metric: dailySpend,
        threshold: usd * 1_000_000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };
    this.softAlarms.push(
      alarm(
        'soft',
        thresholds.softUsd,
        `LLM spend of ${what} over $${thresholds.softUsd} in a day (soft limit; hard limit $${thresholds.hardUsd}).`,
      ),
    );
    const hard = alarm(
      'hard',
      thresholds.hardUsd,
      `LLM spend of ${what} over $${thresholds.hardUsd} in a day: the kill switch stops ${scope === 'global' ? 'every call' : scope}. ` +
        'An operator lifts it (README: kill switch runbook).',
    );
    this.hardAlarms.push(hard);
    this.scopes[nameOf('hard')] = scope;
  }
}

function validate(props: CostGuardrailsProps): void {
  const problems: string[] = [];
  if (!(props.awsMonthlyBudgetUsd > 0))
    problems.push(`awsMonthlyBudgetUsd is ${props.awsMonthlyBudgetUsd}: it must be above 0`);
  for (const percent of props.awsBudgetAlertPercents ?? []) {
    if (!(percent > 0)) problems.push(`awsBudgetAlertPercents holds ${percent}: each must be above 0`);
  }
  if (Object.keys(props.costAllocationTags).length === 0) {
    problems.push("costAllocationTags is empty: name the tags that select the platform's resources");
  }
  const check = (where: string, t: SpendThresholds) => {
    if (!(t.softUsd > 0 && t.hardUsd > t.softUsd)) {
      problems.push(
        `${where} is soft $${t.softUsd}, hard $${t.hardUsd}: both above 0 and the hard limit above the soft one`,
      );
    }
  };
  if (props.llmDailySpend) check('llmDailySpend', props.llmDailySpend);
  for (const [name, t] of Object.entries(props.tenantDailySpend ?? {})) {
    if (!NAME.test(name))
      problems.push(`tenantDailySpend: "${name}" is not a tenant id this can alarm on (letters, digits, . _ : @ -)`);
    check(`tenantDailySpend.${name}`, t);
  }
  for (const [name, t] of Object.entries(props.featureDailySpend ?? {})) {
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(name))
      problems.push(`featureDailySpend: "${name}" is not a feature name (as x-llm-feature allows)`);
    check(`featureDailySpend.${name}`, t);
  }
  if (problems.length > 0) throw new Error(`Invalid CostGuardrails props:\n  - ${problems.join('\n  - ')}`);
}
