import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  EmbeddingService,
  GatewayApi,
  LlmGateway,
  type EmbeddingServiceProps,
  type LlmGatewayProps,
} from '../../constructs';
import { EMBEDDINGS_ENV, GATEWAY_ENV } from '../../lambda/contract/environment';
import { existingVpc, freshStack } from '../support/construct-stacks';
import { CacheDouble, VectorStoreDouble } from '../support/data-doubles';

type Json = ReturnType<typeof JSON.parse>;

const CONFIG: LlmGatewayProps['config'] = {
  models: { e: { kind: 'embedding', deployments: ['b'] } },
  deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
};

function build(
  overrides: Partial<EmbeddingServiceProps> = {},
  gatewayOverrides: Partial<LlmGatewayProps> = {},
  stack: Stack = freshStack(),
) {
  const vpc = existingVpc(stack);
  const gateway = new LlmGateway(stack, 'Gateway', {
    vpc,
    config: CONFIG,
    cache: new CacheDouble(stack, 'Cache', vpc),
    vectorStore: new VectorStoreDouble(stack, 'VectorStore', vpc),
    ...gatewayOverrides,
  });
  const api = new GatewayApi(stack, 'Api', { gateway, vpc });
  const service = new EmbeddingService(stack, 'Embeddings', { gateway, api, vpc, ...overrides });
  return {
    stack,
    service,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const resources = (template: Template, type: string): Array<[string, Json]> =>
  Object.entries(template.findResources(type));
const props = (template: Template, type: string, prefix: string): Json =>
  resources(template, type).find(([id]) => id.startsWith(prefix))![1].Properties;

describe('EmbeddingService, in a fresh stack with an existing VPC', () => {
  const { template } = build();

  test('one work queue, KMS-encrypted, TLS only, DLQ after 5 receives, visibility six times the 15-minute worker', () => {
    const queue = props(template, 'AWS::SQS::Queue', 'EmbeddingsQueue');
    expect(queue).toMatchObject({ VisibilityTimeout: 6 * 900, RedrivePolicy: { maxReceiveCount: 5 } });
    expect(queue.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EmbeddingsKey/), 'Arn'] });
    expect(props(template, 'AWS::SQS::Queue', 'EmbeddingsDeadLetters').KmsMasterKeyId).toBeDefined();
    const policies = resources(template, 'AWS::SQS::QueuePolicy').map(([, r]) => JSON.stringify(r.Properties));
    expect(policies.every((p) => p.includes('"aws:SecureTransport":"false"'))).toBe(true);
    expect(props(template, 'AWS::Lambda::Function', 'EmbeddingsWorkerFunction').Timeout).toBe(900);
  });

  test('the worker consumes it one message at a time, with partial batch failures and a maximum concurrency', () => {
    const [[, mapping]] = resources(template, 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionName: { Ref: expect.stringMatching(/^EmbeddingsWorkerFunction/) },
    });
  });

  test('the ingestion bucket is private, KMS-encrypted, versioned, and notifies the queue of new objects', () => {
    const [[, { Properties: bucket }]] = resources(template, 'AWS::S3::Bucket').filter(([id]) =>
      /^EmbeddingsIngestionBucket[0-9A-F]{8}$/.test(id),
    );
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^EmbeddingsBucketKey/), 'Arn'] },
    });
    expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({
      Ref: expect.stringMatching(/^EmbeddingsIngestionBucketAccessLogs/),
    });
    // New objects reach the queue through EventBridge, declared on the bucket itself: no
    // notification custom resource (nor its helper function outside the VPC).
    expect(bucket.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(resources(template, 'Custom::S3BucketNotifications')).toEqual([]);
    const [[, rule]] = resources(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: expect.stringMatching(/^EmbeddingsIngestionBucket(?!AccessLogs)/) }] } },
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^EmbeddingsQueue/), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^EmbeddingsDeadLetters/), 'Arn'] } },
      }),
    ]);
    // EventBridge may send to the queue, and encrypt with its key.
    const queuePolicies = JSON.stringify(resources(template, 'AWS::SQS::QueuePolicy'));
    expect(queuePolicies).toContain('events.amazonaws.com');
    const key = JSON.stringify(props(template, 'AWS::KMS::Key', 'EmbeddingsKey').KeyPolicy);
    expect(key).toContain('events.amazonaws.com');
  });

  test('both functions run the gateway in-process, in its security groups and private subnets', () => {
    const gateway = props(template, 'AWS::Lambda::Function', 'GatewayFunction');
    for (const prefix of ['EmbeddingsApiFunction', 'EmbeddingsWorkerFunction']) {
      const fn = props(template, 'AWS::Lambda::Function', prefix);
      expect(fn.Layers).toEqual(gateway.Layers);
      expect(fn.VpcConfig).toEqual(gateway.VpcConfig);
      expect(fn.Environment.Variables).toMatchObject({
        [GATEWAY_ENV.vectorDbHost]: 'db.example.internal',
        [EMBEDDINGS_ENV.queueUrl]: { Ref: expect.stringMatching(/^EmbeddingsQueue/) },
      });
    }
    expect(props(template, 'AWS::Lambda::Function', 'EmbeddingsWorkerFunction').Environment.Variables).toMatchObject({
      [EMBEDDINGS_ENV.maxObjectBytes]: String(4 * 1024 * 1024),
    });
  });

  test('grants: the API sends re-index work; the worker reads the bucket and consumes the queue', () => {
    const policies = resources(template, 'AWS::IAM::ManagedPolicy').map(([, r]) => r.Properties);
    const of = (role: string) =>
      JSON.stringify(policies.filter((p) => JSON.stringify(p.Roles).includes(role)).map((p) => p.PolicyDocument));
    expect(of('EmbeddingsApiRole')).toContain('sqs:SendMessage');
    expect(of('EmbeddingsApiRole')).not.toContain('s3:GetObject');
    expect(of('EmbeddingsWorkerRole')).toContain('s3:GetObject');
    expect(of('EmbeddingsWorkerRole')).toContain('sqs:ReceiveMessage');
    expect(of('EmbeddingsWorkerRole')).not.toContain('s3:PutObject');
  });

  test('routes: the six /v1/collections methods, all behind the authorizer', () => {
    const parts = resources(template, 'AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
    expect(parts).toEqual(
      expect.arrayContaining(['collections', '{name}', 'documents', 'search', 'reindex', 'versions', '{version}']),
    );
    const methods = resources(template, 'AWS::ApiGateway::Method')
      .map(([, r]) => r.Properties)
      .filter((m) => JSON.stringify(m.Integration?.Uri ?? '').includes('EmbeddingsApiFunction'));
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'POST', 'POST', 'POST', 'POST']);
    for (const method of methods) expect(method).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
  });
});

describe('EmbeddingService options and refusals', () => {
  test('an existing bucket is notified instead of a new one; concurrency and receives from props', () => {
    const stack = freshStack();
    const bucket = new s3.Bucket(stack, 'TeamBucket');
    const { template, service } = build({ ingestionBucket: bucket, maxConcurrency: 3, maxReceiveCount: 2 }, {}, stack);
    expect(service.ingestionBucket).toBe(bucket);
    expect(resources(template, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('EmbeddingsIngestion'))).toEqual([]);
    expect(resources(template, 'AWS::Lambda::EventSourceMapping')[0][1].Properties.ScalingConfig).toEqual({
      MaximumConcurrency: 3,
    });
    expect(props(template, 'AWS::SQS::Queue', 'EmbeddingsQueue').RedrivePolicy.maxReceiveCount).toBe(2);
  });

  test('a gateway without a vector store is refused', () => {
    expect(() => build({}, { vectorStore: undefined })).toThrow(/the gateway has no `vectorStore`; the chunks/);
  });

  test('bad numbers, a short worker timeout and public subnets are refused together', () => {
    expect(() =>
      build({
        maxReceiveCount: 0,
        maxConcurrency: 1,
        maxObjectBytes: 0,
        workerTimeout: Duration.seconds(30),
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      }),
    ).toThrow(
      new RegExp(
        [
          'deployments.b.timeouts.totalMs is 300000 ms but the worker times out after 30 s',
          'maxReceiveCount is 0',
          'maxConcurrency is 1',
          'public subnets',
          'maxObjectBytes is 0',
        ].join('[\\s\\S]*'),
      ),
    );
  });
});
