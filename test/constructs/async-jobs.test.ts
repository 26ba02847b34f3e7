import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AsyncJobs, GatewayApi, LlmGateway, type AsyncJobsProps, type LlmGatewayProps } from '../../constructs';
import { GATEWAY_ENV, JOBS_ENV } from '../../lambda/contract/environment';
import { existingVpc, freshStack } from '../support/construct-stacks';
import { CacheDouble, VectorStoreDouble } from '../support/data-doubles';

type Json = ReturnType<typeof JSON.parse>;

const CONFIG: LlmGatewayProps['config'] = {
  models: { m: { deployments: ['b'] } },
  deployments: { b: { provider: 'builtin', model: 'x', pricing: { input: 0, output: 0 } } },
};

function build(
  overrides: Partial<AsyncJobsProps> = {},
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
  const jobs = new AsyncJobs(stack, 'Jobs', { gateway, api, vpc, ...overrides });
  return {
    stack,
    gateway,
    jobs,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const resources = (template: Template, type: string): Array<[string, Json]> =>
  Object.entries(template.findResources(type));
const functionProps = (template: Template, prefix: string): Json =>
  resources(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))![1].Properties;
const queueProps = (template: Template, prefix: string): Json =>
  resources(template, 'AWS::SQS::Queue').find(([id]) => id.startsWith(prefix))![1].Properties;

describe('AsyncJobs, in a fresh stack with an existing VPC', () => {
  const { template } = build();

  test('queue and dead-letter queue are KMS-encrypted with the construct key and refuse plain HTTP', () => {
    for (const prefix of ['JobsQueue', 'JobsDeadLetters']) {
      expect(queueProps(template, prefix).KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^JobsKey/), 'Arn'],
      });
    }
    const policies = resources(template, 'AWS::SQS::QueuePolicy').map(([, r]) => JSON.stringify(r.Properties));
    expect(policies).toHaveLength(2);
    for (const policy of policies) expect(policy).toContain('"aws:SecureTransport":"false"');
  });

  test("a message moves to the DLQ after 5 receives; visibility is six times the worker's (the gateway's) timeout", () => {
    const queue = queueProps(template, 'JobsQueue');
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^JobsDeadLetters/), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queue.VisibilityTimeout).toBe(6 * 900);
    expect(functionProps(template, 'JobsWorkerFunction').Timeout).toBe(900);
    expect(queue.MessageRetentionPeriod).toBe(4 * 86400);
    expect(queueProps(template, 'JobsDeadLetters').MessageRetentionPeriod).toBe(14 * 86400);
  });

  test('the worker event source reports partial batch failures, with batch size and maximum concurrency', () => {
    const mappings = resources(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    expect(mappings[0][1].Properties).toMatchObject({
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^JobsQueue/), 'Arn'] },
      FunctionName: { Ref: expect.stringMatching(/^JobsWorkerFunction/) },
    });
    expect(functionProps(template, 'JobsWorkerFunction').ReservedConcurrentExecutions).toBe(10);
  });

  test('both functions run in the private subnets on Node.js 24 arm64, with their wiring', () => {
    for (const prefix of ['JobsApiFunction', 'JobsWorkerFunction']) {
      const fn = functionProps(template, prefix);
      expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.VpcConfig.SubnetIds).toEqual(['subnet-0bba', 'subnet-0bbb']);
      const env = fn.Environment.Variables;
      expect(env[JOBS_ENV.queueUrl]).toEqual({ Ref: expect.stringMatching(/^JobsQueue/) });
      expect(env).toMatchObject({
        [JOBS_ENV.maxReceiveCount]: '5',
        [JOBS_ENV.retentionSeconds]: String(4 * 86400),
        [GATEWAY_ENV.vectorDbHost]: 'db.example.internal',
      });
    }
    const worker = functionProps(template, 'JobsWorkerFunction');
    expect(worker.Environment.Variables[JOBS_ENV.webhookSecretArn]).toEqual({
      Ref: expect.stringMatching(/^JobsWebhookSecret/),
    });
    // The worker runs the gateway: its config layer and wiring, in its security groups.
    const gateway = functionProps(template, 'GatewayFunction');
    expect(worker.Layers).toEqual(gateway.Layers);
    expect(worker.VpcConfig.SecurityGroupIds).toEqual(gateway.VpcConfig.SecurityGroupIds);
    expect(worker.Environment.Variables[GATEWAY_ENV.redisHost]).toBe('cache.example.internal');
  });

  test('the API function holds the model catalog but no provider wiring, and reaches only AWS APIs and the database', () => {
    const api = functionProps(template, 'JobsApiFunction');
    // The gateway's config layer, to check the model a job names against the caller's key...
    expect(api.Layers).toEqual(functionProps(template, 'GatewayFunction').Layers);
    expect(api.Environment.Variables[GATEWAY_ENV.configFile]).toBe('/opt/llm-gateway/gateway-config.json');
    // ...and nothing else of the gateway's: no provider secrets, no cache.
    expect(Object.keys(api.Environment.Variables)).not.toContain(GATEWAY_ENV.providerSecretArns);
    expect(Object.keys(api.Environment.Variables)).not.toContain(GATEWAY_ENV.redisHost);
    expect(Object.keys(api.Environment.Variables)).not.toContain(JOBS_ENV.webhookSecretArn);
    const [, group] = resources(template, 'AWS::EC2::SecurityGroup').find(([id]) =>
      id.startsWith('JobsApiSecurityGroup'),
    )!;
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
    const egress = resources(template, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties);
    expect(egress).toContainEqual(
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [expect.stringMatching(/^JobsApiSecurityGroup/), 'GroupId'] },
        FromPort: 5432,
      }),
    );
  });

  test('grants: the API sends to the queue; the worker reads the webhook secret, sends and consumes', () => {
    const policies = resources(template, 'AWS::IAM::ManagedPolicy').map(([, r]) => r.Properties);
    const statementsOf = (rolePrefix: string) =>
      policies
        .filter((p) => JSON.stringify(p.Roles).includes(rolePrefix))
        .flatMap((p) => p.PolicyDocument.Statement as Json[]);
    const api = JSON.stringify(statementsOf('JobsApiRole'));
    expect(api).toContain('sqs:SendMessage');
    expect(api).not.toContain('sqs:ReceiveMessage');
    expect(api).not.toContain('JobsWebhookSecret');
    const worker = JSON.stringify(statementsOf('JobsWorkerRole'));
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:SendMessage',
      'secretsmanager:GetSecretValue',
    ])
      expect(worker).toContain(action);
    expect(worker).toContain('JobsWebhookSecret');
  });

  test('routes POST /v1/jobs (body validated) and GET /v1/jobs/{id} behind the authorizer', () => {
    const parts = resources(template, 'AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
    expect(parts).toEqual(expect.arrayContaining(['jobs', '{id}']));
    const methods = resources(template, 'AWS::ApiGateway::Method')
      .map(([, r]) => r.Properties)
      .filter((m) => JSON.stringify(m.Integration?.Uri ?? '').includes('JobsApiFunction'));
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'POST']);
    for (const method of methods) expect(method).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
    expect(methods.find((m) => m.HttpMethod === 'POST').RequestModels).toBeDefined();
  });

  test('the webhook secret is generated, 48 letters and digits, encrypted with the construct key', () => {
    const [, secret] = resources(template, 'AWS::SecretsManager::Secret').find(([id]) =>
      id.startsWith('JobsWebhookSecret'),
    )!;
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JobsKey/), 'Arn'] });
  });
});

describe('AsyncJobs options and refusals', () => {
  test('receives, batch, concurrency, timeout and retention from props; an existing webhook secret', () => {
    const stack = freshStack();
    const webhookSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'team/webhooks');
    const { template } = build(
      {
        maxReceiveCount: 3,
        batchSize: 2,
        maxConcurrency: 4,
        workerTimeout: Duration.minutes(10),
        retention: Duration.days(1),
        webhookSecret,
      },
      {},
      stack,
    );
    expect(queueProps(template, 'JobsQueue')).toMatchObject({
      VisibilityTimeout: 3600,
      MessageRetentionPeriod: 86400,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
    expect(resources(template, 'AWS::Lambda::EventSourceMapping')[0][1].Properties).toMatchObject({
      BatchSize: 2,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    expect(resources(template, 'AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('JobsWebhook'))).toEqual(
      [],
    );
  });

  test('a gateway without a cache or a vector store is refused, naming both', () => {
    expect(() => build({}, { cache: undefined, vectorStore: undefined })).toThrow(
      /the gateway has no `cache` and no `vectorStore`; the worker keeps its idempotency records in the cache/,
    );
  });

  test('bad numbers and a worker timeout below a deployment timeout are refused together', () => {
    expect(() =>
      build(
        {
          maxReceiveCount: 0,
          batchSize: 11,
          maxConcurrency: 1,
          retention: Duration.minutes(5),
          workerTimeout: Duration.seconds(30),
        },
        { config: { ...CONFIG, deployments: { b: { ...CONFIG.deployments.b, timeouts: { totalMs: 60_000 } } } } },
      ),
    ).toThrow(
      new RegExp(
        [
          'deployments.b.timeouts.totalMs is 60000 ms but the worker times out after 30 s',
          'maxReceiveCount is 0',
          'maxConcurrency is 1',
          'batchSize is 11',
          'retention is 300 s',
        ].join('[\\s\\S]*'),
      ),
    );
  });

  test('public subnets are refused', () => {
    const stack = freshStack();
    expect(() => build({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, {}, stack)).toThrow(
      /functions must run in private subnets/,
    );
  });
});
