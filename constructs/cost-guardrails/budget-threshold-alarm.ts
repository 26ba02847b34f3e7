import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { GatewayMetrics } from '../platform-observability/gateway-metrics';

/** The log line each crossing leaves (`GatewayTelemetry`), and the Logs Insights query that lists them. */
export const BUDGET_SOFT_THRESHOLD_QUERY =
  'fields @timestamp, budget.tenant, budget.budget, budget.spentMicroUsd / 1000000 as spentUsd, ' +
  'budget.limitMicroUsd / 1000000 as limitUsd | filter message = "llm.budget.soft_threshold" | sort @timestamp desc';

/**
 * Alarms as soon as any gateway budget (a tenant's or a feature's monthly budget of the gateway
 * config) crosses its soft threshold (`budgets.softThresholdPercent`, 70% by default), in whichever
 * service settled the call: `BudgetSoftThreshold` is platform-wide and has no tenant dimension (a
 * tenant per metric would cost a custom metric each). Which tenant and budget is in the log line;
 * the description carries the query that lists them.
 */
export function budgetSoftThresholdAlarm(
  scope: Construct,
  metrics: GatewayMetrics,
  topic: sns.ITopic,
  alarmName: string,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, 'BudgetSoftThreshold', {
    alarmName,
    alarmDescription:
      "A gateway budget (a tenant's or a feature's monthly budget) crossed its soft threshold; the call that " +
      'crossed it was admitted, and the budget refuses calls once spent. Which tenant and budget: CloudWatch Logs ' +
      'Insights over the log groups of llm-gateway, llm-jobs-worker and llm-embeddings-*: ' +
      BUDGET_SOFT_THRESHOLD_QUERY,
    metric: metrics.metric('BudgetSoftThreshold', {}, { period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(topic));
  return alarm;
}
