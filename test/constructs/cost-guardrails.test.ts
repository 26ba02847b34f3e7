import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CostGuardrails, Network, PlatformObservability } from '../../constructs';
import { acknowledgePlatformFindings } from '../../lib/security/acknowledgments';
import { unacknowledgedNagErrors } from '../../lib/security/nag-packs';
import { cfnText } from '../../scripts/dashboard-layout';
import { CacheDouble } from '../support/data-doubles';
import { testApp } from '../support/platform-app';

const ENV = { account: '111122223333', region: 'us-east-1' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

function guarded() {
  const stack = new Stack(testApp(), 'Guarded', { env: ENV });
  const network = new Network(stack, 'Network', { availabilityZones: ['us-east-1a', 'us-east-1b'] });
  const cache = new CacheDouble(stack, 'Cache', network.vpc);
  const guardrails = new CostGuardrails(stack, 'CostGuardrails', {
    namePrefix: 'llm-test',
    awsMonthlyBudgetUsd: 2_000,
    costAllocationTags: { platform: 'llm-platform', environment: 'test' },
    notifyEmails: ['finance@example.com'],
    llmDailySpend: { softUsd: 300, hardUsd: 500 },
    tenantDailySpend: { acme: { softUsd: 50, hardUsd: 80 } },
    featureDailySpend: { 'bulk-summaries': { softUsd: 20, hardUsd: 40 } },
    killSwitch: { cache, vpc: network.vpc },
  });
  return { stack, guardrails, cache, network };
}

const { stack, guardrails } = guarded();
const template = Template.fromStack(stack);

test("an AWS budget on the platform's tagged spend alerts at 70% and 100% actual, and 100% forecast", () => {
  template.hasResourceProperties('AWS::Budgets::Budget', {
    Budget: {
      BudgetName: 'llm-test-aws-monthly',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: 2_000, Unit: 'USD' },
      FilterExpression: {
        And: [
          { Tags: { Key: 'platform', Values: ['llm-platform'], MatchOptions: ['EQUALS'] } },
          { Tags: { Key: 'environment', Values: ['test'], MatchOptions: ['EQUALS'] } },
        ],
      },
    },
    NotificationsWithSubscribers: [
      ...[70, 100].map((threshold) => ({
        Notification: {
          NotificationType: 'ACTUAL',
          ComparisonOperator: 'GREATER_THAN',
          Threshold: threshold,
          ThresholdType: 'PERCENTAGE',
        },
        Subscribers: [
          { SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('NotificationsTopic') } },
          { SubscriptionType: 'EMAIL', Address: 'finance@example.com' },
        ],
      })),
      {
        Notification: {
          NotificationType: 'FORECASTED',
          ComparisonOperator: 'GREATER_THAN',
          Threshold: 100,
          ThresholdType: 'PERCENTAGE',
        },
        Subscribers: Match.anyValue(),
      },
    ],
  });
});

test('LLM spend per day: soft alarms notify, hard alarms also flip the kill switch for their scope', () => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Props }>;
  const byName: Record<string, Props> = Object.fromEntries(
    Object.values(alarms).map((a) => [a.Properties.AlarmName as string, a.Properties]),
  );
  expect(Object.keys(byName).sort()).toEqual([
    'llm-test-llm-budget-soft-threshold',
    'llm-test-llm-spend-feature-bulk-summaries-hard',
    'llm-test-llm-spend-feature-bulk-summaries-soft',
    'llm-test-llm-spend-tenant-acme-hard',
    'llm-test-llm-spend-tenant-acme-soft',
    'llm-test-llm-spend-total-hard',
    'llm-test-llm-spend-total-soft',
  ]);
  const acmeHard = byName['llm-test-llm-spend-tenant-acme-hard'];
  expect(acmeHard).toMatchObject({
    MetricName: 'CostMicroUsd',
    Namespace: 'LlmPlatform',
    // No `service`: the gateway's, the jobs worker's and the embedding service's spend add up.
    Dimensions: [{ Name: 'Tenant', Value: 'acme' }],
    Statistic: 'Sum',
    Period: 86_400,
    Threshold: 80_000_000,
  });
  expect(acmeHard.AlarmActions).toHaveLength(2);
  expect(byName['llm-test-llm-spend-tenant-acme-soft'].AlarmActions).toHaveLength(1);
  for (const alarm of Object.values(byName)) expect(alarm.AlarmActions.length).toBeGreaterThan(0);
  expect(byName['llm-test-llm-spend-total-soft'].Dimensions).toBeUndefined();
  expect(byName['llm-test-llm-budget-soft-threshold']).toMatchObject({
    MetricName: 'BudgetSoftThreshold',
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  expect(byName['llm-test-llm-budget-soft-threshold'].Dimensions).toBeUndefined();
});

test('the kill-switch function knows which scope each hard alarm stops, and reaches the cache', () => {
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: Props }>;
  const killSwitch = Object.values(functions).find(
    (f) => f.Properties.Environment?.Variables?.KILL_SWITCH_ALARM_SCOPES,
  )!;
  const env = killSwitch.Properties.Environment.Variables;
  expect(JSON.parse(cfnText(env.KILL_SWITCH_ALARM_SCOPES))).toEqual({
    'llm-test-llm-spend-total-hard': 'global',
    'llm-test-llm-spend-tenant-acme-hard': 'tenant:acme',
    'llm-test-llm-spend-feature-bulk-summaries-hard': 'feature:bulk-summaries',
  });
  expect(env).toMatchObject({
    REDIS_HOST: 'cache.example.internal',
    REDIS_PORT: '6380',
    REDIS_TLS: 'true',
    REDIS_USERNAME: 'gateway',
    KILL_SWITCH_KEY_PREFIX: 'llmgw:',
  });
  expect(killSwitch.Properties).toMatchObject({
    Runtime: 'nodejs24.x',
    TracingConfig: { Mode: 'Active' },
    ReservedConcurrentExecutions: 5,
  });
  expect(killSwitch.Properties.VpcConfig.SubnetIds).toHaveLength(2);
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', RedrivePolicy: Match.anyValue() });
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6380, ToPort: 6380 });
  expect(guardrails.gatewayEnvironment).toEqual({
    LLM_METRICS_TENANTS: 'acme',
    LLM_METRICS_FEATURES: 'bulk-summaries',
  });
  expect(guardrails.deadLetterQueues).toHaveLength(3);
});

test('hard limits without a kill switch say so at synthesis', () => {
  const s = new Stack(testApp(), 'NotifyOnly', { env: ENV });
  new CostGuardrails(s, 'CostGuardrails', {
    awsMonthlyBudgetUsd: 100,
    costAllocationTags: { platform: 'llm-platform' },
    llmDailySpend: { softUsd: 10, hardUsd: 20 },
  });
  Annotations.fromStack(s).hasWarning(
    '/NotifyOnly/CostGuardrails',
    Match.stringLikeRegexp('only notify until a kill switch'),
  );
  Template.fromStack(s).hasResourceProperties('AWS::Budgets::Budget', {
    Budget: { FilterExpression: { Tags: { Key: 'platform', Values: ['llm-platform'] } } },
  });
});

test('props that cannot work are refused, each problem named', () => {
  const s = new Stack(testApp(), 'Bad', { env: ENV });
  expect(
    () =>
      new CostGuardrails(s, 'CostGuardrails', {
        awsMonthlyBudgetUsd: 0,
        costAllocationTags: {},
        llmDailySpend: { softUsd: 50, hardUsd: 40 },
        tenantDailySpend: { 'has space': { softUsd: 1, hardUsd: 2 } },
      }),
  ).toThrow(
    [
      'Invalid CostGuardrails props:',
      '  - awsMonthlyBudgetUsd is 0: it must be above 0',
      "  - costAllocationTags is empty: name the tags that select the platform's resources",
      '  - llmDailySpend is soft $50, hard $40: both above 0 and the hard limit above the soft one',
      '  - tenantDailySpend: "has space" is not a tenant id this can alarm on (letters, digits, . _ : @ -)',
    ].join('\n'),
  );
});

test('with a shared alarm topic and a watched kill switch every alarm acts, nag-clean with the platform acknowledgments', () => {
  const s = new Stack(testApp(), 'Shared', { env: ENV });
  const vpc = new ec2.Vpc(s, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'App', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const observability = new PlatformObservability(s, 'Observability');
  const g = new CostGuardrails(s, 'CostGuardrails', {
    awsMonthlyBudgetUsd: 100,
    costAllocationTags: { platform: 'llm-platform' },
    notificationTopic: observability.alarmTopic,
    llmDailySpend: { softUsd: 10, hardUsd: 20 },
    killSwitch: {
      cache: new CacheDouble(s, 'Cache', vpc),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    },
  });
  for (const queue of g.deadLetterQueues) observability.addDeadLetterQueue(queue);
  const t = Template.fromStack(s);
  for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Array<{
    Properties: { AlarmActions?: unknown[] };
  }>) {
    expect(alarm.Properties.AlarmActions?.length).toBeGreaterThan(0);
  }
  acknowledgePlatformFindings(s);
  expect(unacknowledgedNagErrors(s).filter((f) => f.includes('/CostGuardrails/'))).toEqual([]);
});
