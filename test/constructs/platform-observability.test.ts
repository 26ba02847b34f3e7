import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PlatformObservability } from '../../constructs';
import { COLD_START_METRIC, GATEWAY_METRICS } from '../../lambda/contract/metrics';
import { ERROR_CLASSES } from '../../lambda/contract/error-classes';
import { acknowledgePlatformFindings } from '../../lib/security/acknowledgments';
import { unacknowledgedNagErrors } from '../../lib/security/nag-packs';
import { cfnText } from '../../scripts/dashboard-layout';
import { dashboardsOf } from '../support/dashboards';
import { CacheDouble, VectorStoreDouble } from '../support/data-doubles';
import { testApp } from '../support/platform-app';

const ENV = { account: '111122223333', region: 'us-east-1' };

function fullStack(): { stack: Stack; observability: PlatformObservability } {
  const stack = new Stack(testApp(), 'Watched', { env: ENV });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.0.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-a', 'subnet-b'],
  });
  const observability = new PlatformObservability(stack, 'Observability', {
    dashboardNamePrefix: 'llm-test',
    alarmEmails: ['oncall@example.com'],
    alarms: {
      latencyP95: { 'chat.completions': Duration.seconds(20) },
      tierLatencyP95: { reasoning: Duration.seconds(60) },
      spendPerHourUsd: 50,
    },
    functions: [lambda.Function.fromFunctionName(stack, 'Gateway', 'llm-gateway-fn')],
    restApi: { api: apigateway.RestApi.fromRestApiId(stack, 'Api', 'a1b2c3d4e5'), stage: 'v1' },
    responseCache: new CacheDouble(stack, 'Cache', vpc, { serverless: false, clusterIds: ['llm-cache-001'] }),
    vectorStore: new VectorStoreDouble(stack, 'Vectors', vpc, 'llm-vectors'),
    deadLetterQueues: [new sqs.Queue(stack, 'JobsDlq', { enforceSSL: true })],
    modelServing: { clusterName: 'llm-serving' },
  });
  return { stack, observability };
}

const { stack, observability } = fullStack();
const template = Template.fromStack(stack);
const dashboards = dashboardsOf(template);

test('the dashboards: an overview and a drill-down for each area', () => {
  expect([...dashboards.keys()].sort()).toEqual(
    [
      'llm-test-overview',
      'llm-test-usage',
      'llm-test-cache',
      'llm-test-policy',
      'llm-test-resilience',
      'llm-test-retrieval',
      'llm-test-infrastructure',
      'llm-test-serving',
    ].sort(),
  );
});

test('every metric the handlers write (the catalog, and the cold start) is on a dashboard', () => {
  const charted = new Set(
    [...dashboards.values()].flatMap((widgets) =>
      widgets.flatMap((w) => w.metricNames.filter((m) => m.namespace === 'LlmPlatform').map((m) => m.name)),
    ),
  );
  const written = [...Object.keys(GATEWAY_METRICS), COLD_START_METRIC];
  expect(written.filter((name) => !charted.has(name))).toEqual([]);
});

test('the overview answers cost, latency and errors, one row each', () => {
  const overview = dashboards.get('llm-test-overview')!;
  const rows = new Map<number, string[]>();
  for (const widget of overview) rows.set(widget.y, [...(rows.get(widget.y) ?? []), widget.title]);
  expect([...rows.values()]).toEqual([
    ['LLM platform: cost, latency, errors'],
    ['Cost run-rate ($)', 'Spend per hour ($)', 'Spend per hour by feature ($)'],
    ['Latency, chat completions (ms)', 'Time to first token, streams (ms)', 'Latency p95 by model (ms)'],
    ['Fault rate (%) and calls', 'Errors by class', 'Alarms'],
  ]);
  const latency = overview.find((w) => w.title === 'Latency, chat completions (ms)')!;
  expect(latency.series).toEqual([
    'p50: Latency {Route=chat.completions} p50',
    'p95: Latency {Route=chat.completions} p95',
    'p99: Latency {Route=chat.completions} p99',
  ]);
  const errors = overview.find((w) => w.title === 'Errors by class')!;
  expect(errors.metricNames.map((m) => m.name)).toEqual(Object.keys(ERROR_CLASSES).map(() => 'Errors'));
  // Every alarm, the infrastructure's included, is in the overview's alarm widget.
  expect(overview.find((w) => w.title === 'Alarms')!.series).toEqual([`${observability.alarms.length} alarms`]);
});

test('every alarm notifies the encrypted topic, when it fires and when it clears', () => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  expect(Object.keys(alarms).length).toBe(observability.alarms.length);
  for (const [id, alarm] of Object.entries(alarms)) {
    const { AlarmActions, OKActions } = (alarm as { Properties: { AlarmActions?: unknown[]; OKActions?: unknown[] } })
      .Properties;
    expect({ id, AlarmActions, OKActions }).toEqual({
      id,
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
  }
  template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'AlarmsAndBudgetsPublishEncrypted',
          Principal: { Service: ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com'] },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    },
  });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
});

test('the alarms the platform needs, with thresholds from the props', () => {
  const descriptions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
    cfnText((a as { Properties: { AlarmDescription?: unknown } }).Properties.AlarmDescription ?? ''),
  );
  for (const expected of [
    /^Faults above 5% of calls/,
    /^p95 latency of chat.completions over its 20 seconds budget/,
    /^p95 latency of embeddings over its 2 seconds budget/,
    /^p95 latency of router tier "reasoning" over its 1 minute budget/,
    /^p95 time to first token/,
    /^More than 25 failovers in five minutes/,
    /^A deployment's circuit breaker opened/,
    /^Cache hit rate under 5%/,
    /^Hourly LLM spend above its anomaly band/,
    /^LLM spend over \$50 in an hour/,
    /^Dead-letter queue .* is not empty/,
  ]) {
    expect({ expected: String(expected), found: descriptions.some((d) => expected.test(d)) }).toEqual({
      expected: String(expected),
      found: true,
    });
  }
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    ComparisonOperator: 'GreaterThanUpperThreshold',
    ThresholdMetricId: Match.anyValue(),
    Metrics: Match.arrayWith([
      Match.objectLike({ Expression: 'ANOMALY_DETECTION_BAND(m0, 3)' }),
      Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({ MetricName: 'CostMicroUsd', Namespace: 'LlmPlatform' }),
          Period: 3600,
        }),
      }),
    ]),
  });
});

test('infrastructure and serving dashboards chart what was given', () => {
  const infrastructure = dashboards
    .get('llm-test-infrastructure')!
    .map((w) => w.title)
    .join('\n');
  expect(infrastructure).toMatch(/Cold starts by function/);
  expect(infrastructure).toMatch(/llm-gateway-fn/);
  expect(infrastructure).toMatch(/a1b2c3d4e5|API/i);
  const names = dashboards
    .get('llm-test-infrastructure')!
    .flatMap((w) => w.metricNames.map((m) => `${m.namespace}/${m.name}`));
  expect(names).toEqual(
    expect.arrayContaining([
      'AWS/ElastiCache/EngineCPUUtilization',
      'AWS/RDS/CPUUtilization',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]),
  );
  const serving = dashboards.get('llm-test-serving')!.flatMap((w) => w.metricNames.map((m) => m.name));
  expect(serving).toEqual(
    expect.arrayContaining(['DCGM_FI_DEV_GPU_UTIL', 'vllm:num_requests_waiting', 'nv_inference_pending_request_count']),
  );
});

test('a store without a CloudWatch identity is refused with what is missing', () => {
  const s = new Stack(testApp(), 'Bad', { env: ENV });
  const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0 });
  const o = new PlatformObservability(s, 'O');
  expect(() => o.addResponseCache(new CacheDouble(s, 'Cache', vpc))).toThrow(
    /The response cache Bad\/Cache has no metricsIdentity/,
  );
  expect(() => o.addVectorStore(new VectorStoreDouble(s, 'Vectors', vpc))).toThrow(
    /The vector store Bad\/Vectors has no clusterIdentifier/,
  );
  expect(() => new PlatformObservability(s, 'Named', { dashboardNamePrefix: 'has spaces' })).toThrow(
    'dashboardNamePrefix "has spaces" may hold only letters, digits, "-" and "_" (at most 200 characters).',
  );
});

test('with nothing to watch but the gateway it still builds every gateway dashboard and alarm, nag-clean', () => {
  const s = new Stack(testApp(), 'Minimal', { env: ENV });
  new PlatformObservability(s, 'O');
  const t = Template.fromStack(s);
  expect(Object.keys(t.findResources('AWS::CloudWatch::Dashboard'))).toHaveLength(7);
  expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThanOrEqual(8);
  expect(unacknowledgedNagErrors(s)).toEqual([]);
});

test('the fully wired construct is nag-clean with the platform acknowledgments', () => {
  acknowledgePlatformFindings(stack);
  expect(unacknowledgedNagErrors(stack).filter((f) => f.includes('/Observability/'))).toEqual([]);
});
